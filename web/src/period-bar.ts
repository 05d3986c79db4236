// The date controls: one day / week / month or the last N days, previous/next, a date picker, and the heading.
import { addDays, periodLabel, periodOf, shiftPeriod, type Period, type PeriodKind } from '../../src/render/periods.js';
import type { Calendar } from './api';
import { byId } from './dom';
import { viewSearch, type View } from './view-state';

export interface CorpusDates {
  /** Days that have papers, oldest first. */
  days: string[];
  newest: string | null;
  oldest: string | null;
}

export function corpusDates(c: Calendar): CorpusDates {
  return { days: c.days.map((d) => d.date), newest: c.newest, oldest: c.oldest };
}

const fmt = (day: string) => new Date(`${day}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** The day to centre a new period on: inside the current one, never after the newest paper. */
function anchorDay(view: View, dates: CorpusDates): string {
  const newest = dates.newest ?? new Date().toISOString().slice(0, 10);
  if (!view.period) return newest;
  const last = addDays(view.period.until, -1);
  return last < newest ? last : newest;
}

/** The day with papers on or before `day` (day pages skip empty days, as arXiv has no weekend listings). */
function dayWithPapers(day: string, dates: CorpusDates, direction: -1 | 1): string {
  const days = dates.days;
  if (!days.length) return day;
  if (direction < 0) {
    for (let i = days.length - 1; i >= 0; i--) if (days[i] <= day) return days[i];
    return days[0];
  }
  for (const d of days) if (d >= day) return d;
  return days[days.length - 1];
}

export function periodFor(kind: PeriodKind, view: View, dates: CorpusDates): Period {
  const day = anchorDay(view, dates);
  return periodOf(kind, kind === 'date' ? dayWithPapers(day, dates, -1) : day);
}

/** The neighbouring period; for days, the neighbouring day that has papers. Null past either end of the corpus. */
export function neighbour(p: Period, step: -1 | 1, dates: CorpusDates): Period | null {
  const next = shiftPeriod(p, step);
  if (step > 0 && dates.newest && next.since > dates.newest) return null;
  if (step < 0 && dates.oldest && next.until <= dates.oldest) return null;
  if (p.kind !== 'date') return next;
  const day = dayWithPapers(next.since, dates, step);
  return (step < 0 ? day < p.since : day > p.since) ? periodOf('date', day) : null;
}

/** Shows the view in the controls: select, picker, previous/next links (real URLs: they can be opened or copied), heading. */
export function renderPeriodBar(view: View, dates: CorpusDates): void {
  byId<HTMLSelectElement>('span').value = view.period ? view.period.kind : String(view.days);
  const picker = byId<HTMLInputElement>('day-picker');
  if (dates.oldest) picker.min = dates.oldest;
  if (dates.newest) picker.max = dates.newest;
  picker.value = view.period ? view.period.since : dates.newest ?? '';
  for (const [id, step] of [['prev', -1], ['next', 1]] as const) {
    const link = byId<HTMLAnchorElement>(id);
    const target = view.period ? neighbour(view.period, step, dates) : null;
    link.hidden = !view.period;
    link.toggleAttribute('aria-disabled', !target);
    link.classList.toggle('disabled', !target);
    link.href = target ? `/${viewSearch({ ...view, period: target, paper: null, topic: null })}` : '#';
    link.title = target ? periodLabel(target) : 'No papers beyond this';
    link.setAttribute('aria-label', `${step < 0 ? 'Previous' : 'Next'}${target ? `: ${periodLabel(target)}` : ' (none)'}`);
  }
  const title = view.period
    ? periodLabel(view.period)
    : `Last ${view.days} days${dates.newest ? ` · ${fmt(addDays(dates.newest, 1 - view.days))} – ${fmt(dates.newest)}` : ''}`;
  byId('period-title').textContent = view.category ? `${title} · ${view.category}` : title;
}
