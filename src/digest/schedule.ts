import type { Cadence } from '../store/ports.js';
import { isoWeekOf } from '../render/periods.js';

/** Weekly digests go out on this ISO weekday (1 = Monday), at the subscription's hour. */
export const WEEKLY_DAY = 1;

/** True for an IANA zone name this runtime knows ("Europe/Berlin", "UTC"). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

interface LocalTime {
  /** YYYY-MM-DD in the zone. */
  date: string;
  hour: number;
  /** ISO weekday, 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

export function localTime(now: Date, timeZone: string): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23', weekday: 'short' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(now).map((p) => [p.type, p.value]));
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday) + 1;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, hour: Number(parts.hour), weekday };
}

/** The ISO week of a calendar date, e.g. 2026-W49 (the date pages' own computation). */
export { isoWeekOf as isoWeek } from '../render/periods.js';

export interface DueCheck {
  /** The period this moment falls in: the local date (daily) or ISO week (weekly). One digest per period. */
  period: string;
  /** Whether its digest is due now; with `dueToday`, also when its hour is still to come today. */
  due: boolean;
}

/**
 * When a subscription's digest is due: daily at `hour` local time, weekly on WEEKLY_DAY at `hour` (or any later day
 * of that week, so a subscription made mid-week gets this week's digest). `dueToday` is `--send-now`: every digest
 * that will be due before the local day ends counts as due now.
 */
export function dueCheck(sub: { cadence: Cadence; hour: number; timeZone: string }, now: Date, dueToday = false): DueCheck {
  const t = localTime(now, sub.timeZone);
  if (sub.cadence === 'daily') return { period: t.date, due: dueToday || t.hour >= sub.hour };
  const due = t.weekday > WEEKLY_DAY || dueToday || t.hour >= sub.hour;
  return { period: isoWeekOf(t.date), due };
}
