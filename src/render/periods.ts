// Calendar periods of the date pages (a day, an ISO week, a month) as published-date windows, `until` exclusive.
// Shared by the server (paper page links) and the dashboard bundle: no Node imports.

export type PeriodKind = 'date' | 'week' | 'month';

export interface Period {
  kind: PeriodKind;
  /** As written in the URL: 2026-08-21, 2026-W34, 2026-08. */
  value: string;
  since: string;
  until: string;
}

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (day: string) => Date.parse(`${day}T00:00:00Z`);

export function addDays(day: string, n: number): string {
  return iso(dayMs(day) + n * DAY_MS);
}

/** Monday of ISO week 1 of an ISO year: the week with the year's first Thursday. */
function isoWeekOneMonday(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  const weekday = (new Date(jan4).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return jan4 - weekday * DAY_MS;
}

/** The ISO week (YYYY-Www) a day belongs to. */
export function isoWeekOf(day: string): string {
  const ms = dayMs(day);
  const thursday = ms + (3 - ((new Date(ms).getUTCDay() + 6) % 7)) * DAY_MS; // the week's Thursday decides its year
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - isoWeekOneMonday(year)) / (7 * DAY_MS));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** Parses a period as written in the URL; null when it is malformed or not a real date or week. */
export function parsePeriod(kind: PeriodKind, value: string): Period | null {
  if (kind === 'date') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(dayMs(value)) || iso(dayMs(value)) !== value) return null;
    return { kind, value, since: value, until: addDays(value, 1) };
  }
  if (kind === 'week') {
    const m = /^(\d{4})-W(\d{2})$/.exec(value);
    if (!m) return null;
    const since = iso(isoWeekOneMonday(Number(m[1])) + (Number(m[2]) - 1) * 7 * DAY_MS);
    if (Number(m[2]) < 1 || isoWeekOf(since) !== value) return null; // W53 only in years that have one
    return { kind, value, since, until: addDays(since, 7) };
  }
  const m = /^(\d{4})-(\d{2})$/.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return null;
  const [y, mo] = [Number(m[1]), Number(m[2])];
  return { kind, value, since: iso(Date.UTC(y, mo - 1, 1)), until: iso(Date.UTC(y, mo, 1)) };
}

/** The period of a kind that contains a day. */
export function periodOf(kind: PeriodKind, day: string): Period {
  const value = kind === 'date' ? day : kind === 'week' ? isoWeekOf(day) : day.slice(0, 7);
  return parsePeriod(kind, value)!;
}

/** The period before (-1) or after (+1) this one. */
export function shiftPeriod(p: Period, step: -1 | 1): Period {
  return periodOf(p.kind, step < 0 ? addDays(p.since, -1) : p.until);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A heading for the period: "Friday, 21 August 2026", "Week 34 of 2026 (17–23 August)", "August 2026". */
export function periodLabel(p: Period): string {
  const d = (day: string) => new Date(dayMs(day));
  if (p.kind === 'month') return `${MONTHS[d(p.since).getUTCMonth()]} ${d(p.since).getUTCFullYear()}`;
  if (p.kind === 'date') {
    const weekday = d(p.since).toLocaleDateString('en-GB', { weekday: 'long', timeZone: 'UTC' });
    return `${weekday}, ${d(p.since).getUTCDate()} ${MONTHS[d(p.since).getUTCMonth()]} ${d(p.since).getUTCFullYear()}`;
  }
  const last = d(addDays(p.until, -1));
  const first = d(p.since);
  const span = first.getUTCMonth() === last.getUTCMonth()
    ? `${first.getUTCDate()}–${last.getUTCDate()} ${MONTHS[last.getUTCMonth()]}`
    : `${first.getUTCDate()} ${MONTHS[first.getUTCMonth()]} – ${last.getUTCDate()} ${MONTHS[last.getUTCMonth()]}`;
  return `Week ${Number(p.value.slice(6))} of ${p.value.slice(0, 4)} (${span})`;
}
