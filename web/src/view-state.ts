// Everything the dashboard shows is in its URL: the period (?date=, ?week=, ?month=, or a rolling ?days= window),
// the category, the search, the tab, and the open paper or topic. Reload, back/forward and copied links all go
// through parseView.
import { parsePeriod, type Period, type PeriodKind } from '../../src/render/periods.js';

export type Tab = 'trending' | 'feed' | 'stars' | 'collections' | 'search';
export const TABS: Tab[] = ['trending', 'feed', 'stars', 'collections', 'search'];
export const ROLLING_DAYS = [7, 30, 90] as const;
export const DEFAULT_DAYS = 30;

export interface View {
  /** A calendar period, or null for the rolling window of `days` days ending at the newest paper. */
  period: Period | null;
  days: number;
  category: string;
  q: string;
  /** null: the default tab (the feed when signed in, else trending). */
  tab: Tab | null;
  paper: string | null;
  topic: string | null;
  /** An open collection: the signed-in user's, or (with `owner` and `key`) one shared read-only. */
  collection: string | null;
  owner: string | null;
  key: string | null;
  /** The open collection's papers instead of its feed. */
  collectionPapers: boolean;
}

export const EMPTY_VIEW: View = {
  period: null,
  days: DEFAULT_DAYS,
  category: '',
  q: '',
  tab: null,
  paper: null,
  topic: null,
  collection: null,
  owner: null,
  key: null,
  collectionPapers: false,
};

const OPAQUE_ID = /^[A-Za-z0-9_-]{1,200}$/;

/** A view, and what in the URL could not be understood (shown to the reader, then dropped). */
export function parseView(search: string): { view: View; problems: string[] } {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const view: View = { ...EMPTY_VIEW };
  for (const kind of ['date', 'week', 'month'] as PeriodKind[]) {
    const value = params.get(kind);
    if (value === null) continue;
    const period = parsePeriod(kind, value);
    const expected = { date: 'YYYY-MM-DD', week: 'YYYY-Www', month: 'YYYY-MM' }[kind];
    if (!period) problems.push(`${kind}=${value} is not a real ${kind === 'date' ? 'day' : kind} (expected ${expected})`);
    else if (view.period) problems.push(`${kind}=${value} ignored: the URL already names ${view.period.kind}=${view.period.value}`);
    else view.period = period;
  }
  const days = params.get('days');
  if (days !== null) {
    if ((ROLLING_DAYS as readonly number[]).includes(Number(days))) view.days = Number(days);
    else problems.push(`days=${days} ignored (expected one of ${ROLLING_DAYS.join(', ')})`);
  }
  const category = params.get('category') ?? '';
  if (category && !/^[A-Za-z0-9._-]{1,64}$/.test(category)) problems.push(`category=${category} ignored (expected a category such as cs.CL)`);
  else view.category = category;
  view.q = (params.get('q') ?? '').trim().slice(0, 1000);
  const tab = params.get('tab');
  if (tab !== null) {
    if ((TABS as string[]).includes(tab)) view.tab = tab as Tab;
    else problems.push(`tab=${tab} ignored (expected one of ${TABS.join(', ')})`);
  }
  if (view.q && view.tab === null) view.tab = 'search';
  const paper = params.get('paper');
  if (paper) view.paper = paper.slice(0, 200);
  const topic = params.get('topic');
  if (topic !== null) {
    if (/^t\d{1,3}$/.test(topic)) view.topic = topic;
    else problems.push(`topic=${topic} ignored (expected a topic id such as t3)`);
  }
  const collection = params.get('collection');
  if (collection !== null) {
    if (OPAQUE_ID.test(collection)) view.collection = collection;
    else problems.push(`collection=${collection} ignored (expected a collection id such as c_…)`);
  }
  const owner = params.get('owner');
  if (owner !== null && view.collection) view.owner = owner.slice(0, 200);
  const key = params.get('key');
  if (key !== null && view.collection) view.key = key.slice(0, 512);
  view.collectionPapers = view.collection !== null && params.get('show') === 'papers';
  return { view, problems };
}

/** The query string of a view (defaults left out), in a fixed order so equal views give equal URLs. */
export function viewSearch(view: View): string {
  const params = new URLSearchParams();
  if (view.period) params.set(view.period.kind, view.period.value);
  else if (view.days !== DEFAULT_DAYS) params.set('days', String(view.days));
  if (view.category) params.set('category', view.category);
  if (view.q) params.set('q', view.q);
  if (view.tab && !(view.tab === 'search' && view.q)) params.set('tab', view.tab);
  if (view.collection) {
    if (view.owner) params.set('owner', view.owner);
    params.set('collection', view.collection);
    if (view.key) params.set('key', view.key);
    if (view.collectionPapers) params.set('show', 'papers');
  }
  if (view.topic) params.set('topic', view.topic);
  if (view.paper) params.set('paper', view.paper);
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** What the lists and topics are computed over; equal keys mean the same papers. */
export const windowKey = (v: View) => JSON.stringify([v.period?.kind, v.period?.value, v.period ? null : v.days, v.category]);
