/**
 * Task 2c: curator-like users (issue 17). A curator stars, every week, the most-upvoted Hugging Face Daily Papers
 * within a broad area (arXiv categories): a broad reader who follows "what everyone is reading" with a slant of
 * their own, with a long history. Each curator is scored on consecutive 2-week windows at the end of the stream:
 * for each window the history is every earlier pick (the newest 200 are used, as everywhere), the candidates are
 * the whole arXiv CS stream of the window (corpus papers published in it, plus HF papers listed in it), and the
 * relevant papers are the window's picks. A curator is one unit of the dev/test split and one bootstrap cluster;
 * each window is one evaluated row.
 */
import type { EvalData } from './data.js';
import { compareArxivIds, type FeedUser } from './feedtask.js';
import { splitOf } from './util.js';

export interface CuratorArea {
  area: string;
  categories: string[];
}

/** Broad areas, by any listed arXiv category (cross-lists count). */
export const CURATOR_AREAS: CuratorArea[] = [
  { area: 'vision', categories: ['cs.CV', 'eess.IV'] },
  { area: 'language', categories: ['cs.CL'] },
  { area: 'learning', categories: ['cs.LG', 'stat.ML'] },
  { area: 'robotics', categories: ['cs.RO', 'eess.SY', 'cs.SY'] },
  { area: 'ai-agents', categories: ['cs.AI', 'cs.MA'] },
  { area: 'speech-audio', categories: ['cs.SD', 'eess.AS'] },
  { area: 'graphics-hci', categories: ['cs.GR', 'cs.HC', 'cs.MM'] },
];
/** Picks per week: 2 and 3 (two curators per area). */
export const CURATOR_PICKS_PER_WEEK = [2, 3];
/** Evaluated windows per curator: the last this many 2-week windows of the stream. */
export const CURATOR_WINDOWS = 4;
export const CURATOR_WINDOW_DAYS = 14;
/** A curator needs at least this many stars before the first evaluated window (issue: histories of 100–300). */
export const CURATOR_MIN_HISTORY = 100;

const DAY = 86_400_000;
const dayNumber = (d: string) => Math.floor(Date.parse(`${d}T00:00:00Z`) / DAY);
const dateOf = (n: number) => new Date(n * DAY).toISOString().slice(0, 10);
/** Monday of the ISO week of a YYYY-MM-DD date (as a day number). */
const mondayOf = (d: string) => {
  const n = dayNumber(d);
  return n - ((new Date(n * DAY).getUTCDay() + 6) % 7);
};

/** A curator's evaluated window: FeedUser (one row) plus the curator it belongs to. */
export interface CuratorWindow extends FeedUser {
  curator: string;
}

/** The weekly picks of one curator (paper indices, in time order). */
export function curatorPicks(data: EvalData, area: CuratorArea, perWeek: number): number[] {
  const cats = new Set(area.categories);
  const byWeek = new Map<number, number[]>();
  data.papers.forEach((p, i) => {
    if (!p.inCorpus || !p.hfDate || !p.categories.some((c) => cats.has(c))) return;
    const w = mondayOf(p.hfDate);
    byWeek.set(w, [...(byWeek.get(w) ?? []), i]);
  });
  const picks: number[] = [];
  for (const w of [...byWeek.keys()].sort((a, b) => a - b)) {
    const week = byWeek.get(w)!.sort((a, b) => data.papers[b].upvotes - data.papers[a].upvotes || compareArxivIds(data.papers[a].id, data.papers[b].id));
    picks.push(...week.slice(0, perWeek));
  }
  return picks.sort((a, b) => data.papers[a].hfDate!.localeCompare(data.papers[b].hfDate!) || compareArxivIds(data.papers[a].id, data.papers[b].id));
}

/** Every curator × window, curators with fewer than CURATOR_MIN_HISTORY stars before their first window left out. */
export function curatorUsers(data: EvalData, windows = CURATOR_WINDOWS): CuratorWindow[] {
  const lastHf = data.papers.reduce((m, p) => (p.hfDate && p.hfDate > m ? p.hfDate : m), '');
  if (!lastHf) return [];
  // Windows end on the Sunday of the newest HF list's week, going back in 2-week steps.
  const end = mondayOf(lastHf) + 6;
  const spans = Array.from({ length: windows }, (_, j) => {
    const hi = end - (windows - 1 - j) * CURATOR_WINDOW_DAYS;
    return [dateOf(hi - CURATOR_WINDOW_DAYS + 1), dateOf(hi)] as [string, string];
  });
  // Candidates per window: the stream of the window (independent of the curator), minus the history.
  const stream = spans.map(([lo, hi]) => {
    const out: number[] = [];
    data.papers.forEach((p, i) => {
      const inW = (d: string | null) => d !== null && d >= lo && d <= hi;
      if (inW(p.hfDate) || (p.inCorpus && inW(p.published))) out.push(i);
    });
    return out;
  });
  const users: CuratorWindow[] = [];
  for (const area of CURATOR_AREAS) {
    for (const perWeek of CURATOR_PICKS_PER_WEEK) {
      const curator = `curator:${area.area}:top${perWeek}`;
      const picks = curatorPicks(data, area, perWeek);
      const before = (d: string) => picks.filter((i) => data.papers[i].hfDate! < d);
      if (before(spans[0][0]).length < CURATOR_MIN_HISTORY) continue;
      spans.forEach((window, j) => {
        const history = before(window[0]);
        const heldOut = picks.filter((i) => data.papers[i].hfDate! >= window[0] && data.papers[i].hfDate! <= window[1]);
        if (heldOut.length === 0) return;
        const hist = new Set(history);
        const candidates = Int32Array.from(stream[j].filter((i) => !hist.has(i)));
        users.push({ key: `${curator}@${window[0]}`, curator, history, heldOut, candidates, window, split: splitOf(curator) });
      });
    }
  }
  return users;
}
