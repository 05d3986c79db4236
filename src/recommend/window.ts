import type { Window } from '../store/store.js';

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * Fills in a default window of `days` days that ends at the newest paper in the store (not the wall clock), so an
 * older corpus still shows a feed. An explicit since/until is kept; only a missing bound is filled.
 */
export function defaultWindow(w: Window, days: number, newestPublished: string | null): Window & { since: string; until: string } {
  const until = w.until ?? (w.since ? addDays(w.since, days) : addDays(newestPublished ?? new Date().toISOString().slice(0, 10), 1));
  const since = w.since ?? addDays(until, -days);
  return { ...w, since, until };
}
