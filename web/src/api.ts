// Typed calls to the paperfeed HTTP API (same origin). Errors carry the problem+json detail.

export interface Paper {
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  published: string | null;
  categories: string[];
  upvotes: number | null;
  url: string | null;
  /** What the built-in sources add (see the Paper schema in /openapi.json). */
  meta?: {
    version?: string;
    comments?: string;
    journalRef?: string;
    doi?: string;
    license?: string;
    submittedBy?: string;
    numComments?: number;
    githubRepo?: string;
    githubStars?: number;
    aiKeywords?: string[];
    projectPage?: string;
  };
}
export interface Scored {
  paper: Paper;
  score: number;
  reason?: string;
}
export interface TopicWindow {
  since: string;
  until: string;
  category: string | null;
  papers: number;
}
export interface Topic {
  id: string;
  label: string;
  terms: string[];
  size: number;
  previousSize: number;
  growth: number | null;
  central: Scored[];
  popular: Scored[];
}
export interface TopicPoint {
  id: string;
  topic: string;
  x: number;
  y: number;
  title: string;
}
export interface Topics {
  window: TopicWindow;
  previousWindow: TopicWindow;
  k: number;
  topics: Topic[];
  points: TopicPoint[];
}
export interface TopicDetail {
  window: TopicWindow;
  topic: Topic;
  members: Scored[];
  total: number;
}
export interface Filters {
  since?: string;
  until?: string;
  category?: string;
}
export interface Calendar {
  oldest: string | null;
  newest: string | null;
  days: { date: string; papers: number }[];
}

/** The signed-in user. Their token lives only in the server's HttpOnly session cookie, out of this page's reach. */
export interface User {
  uid: string;
}

export interface Collection {
  id: string;
  name: string;
  createdAt: string;
  shared: boolean;
  size: number;
  hasPaper?: boolean;
}
/** A collection opened by its owner, or read-only through its share key. */
export interface CollectionRef {
  owner: string;
  id: string;
  key?: string;
}
export interface ImportReport {
  format: string;
  entries: number;
  matched: { key: string; line?: number; paperId: string; by: string }[];
  added: { key: string; line?: number; paperId: string; title: string }[];
  skipped: { key: string; line?: number; title: string | null; reason: string }[];
  newInTarget: number;
}

export interface DigestRequest {
  email: string;
  cadence: 'daily' | 'weekly';
  timeZone?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init: RequestInit = {}, _user?: User | null): Promise<T> {
  const headers = new Headers(init.headers);
  // The session cookie goes along by itself (same origin); this header proves the request comes from our page.
  headers.set('X-Paperfeed-CSRF', '1');
  if (init.body && !headers.has('Content-Type')) headers.set('Content-Type', 'application/json');
  const res = await fetch(path, { ...init, headers });
  if (!res.ok) {
    let detail = res.statusText;
    try {
      detail = (await res.json()).detail ?? detail;
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(res.status, detail);
  }
  return (await res.json()) as T;
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

const enc = encodeURIComponent;
const collectionPath = (c: CollectionRef) => `/v1/users/${enc(c.owner)}/collections/${enc(c.id)}`;

type Session = { user: { id: string; name: string } | null };

export const api = {
  session: () => call<Session>('/v1/session'),
  signIn: (userId: string, token: string) => call<Session>('/v1/session', { method: 'POST', body: JSON.stringify({ userId, token }) }),
  signOut: () => call<Session>('/v1/session', { method: 'DELETE' }),
  trending: (f: Filters, k = 30) => call<{ items: Scored[] }>(`/v1/trending${query({ k, ...f })}`),
  search: (q: string, f: Filters, k = 30) => call<{ items: Scored[] }>(`/v1/search${query({ q, k, category: f.category })}`),
  similar: (id: string, k = 8) => call<{ items: Scored[] }>(`/v1/papers/${enc(id)}/similar${query({ k })}`),
  paper: (id: string) => call<Paper>(`/v1/papers/${enc(id)}`),
  calendar: () => call<Calendar>('/v1/calendar'),
  topics: (f: Filters) => call<Topics>(`/v1/topics${query({ ...f })}`),
  topic: (id: string, f: Filters, limit = 200) => call<TopicDetail>(`/v1/topics/${enc(id)}${query({ ...f, limit })}`),
  feed: (u: User, f: Filters, k = 30) => call<{ items: Scored[] }>(`/v1/users/${enc(u.uid)}/feed${query({ k, ...f })}`, {}, u),
  stars: (u: User) =>
    call<{ items: { paperId: string; paper: Paper | null; starredAt: string }[]; total: number }>(`/v1/users/${enc(u.uid)}/stars?limit=500`, {}, u),
  star: (u: User, id: string, on: boolean) =>
    call<unknown>(`/v1/users/${enc(u.uid)}/stars/${enc(id)}`, { method: on ? 'PUT' : 'DELETE' }, u),
  digestStatus: () => call<{ enabled: boolean; detail: string }>('/v1/digests/status'),
  subscribeFeed: (u: User, body: DigestRequest) =>
    call<{ status: string }>(`/v1/users/${enc(u.uid)}/subscriptions`, { method: 'POST', body: JSON.stringify(body) }, u),
  subscribeTrending: (body: DigestRequest & { category?: string }) =>
    call<{ status: string }>('/v1/subscriptions/trending', { method: 'POST', body: JSON.stringify(body) }),
  collections: (u: User, paperId?: string) => call<{ items: Collection[] }>(`/v1/users/${enc(u.uid)}/collections${query({ paper: paperId })}`),
  createCollection: (u: User, name: string) => call<Collection>(`/v1/users/${enc(u.uid)}/collections`, { method: 'POST', body: JSON.stringify({ name }) }),
  deleteCollection: (c: CollectionRef) => call<unknown>(collectionPath(c), { method: 'DELETE' }),
  collection: (c: CollectionRef) =>
    call<{ collection: Collection; items: { paperId: string; paper: Paper | null; own: boolean }[] }>(`${collectionPath(c)}${query({ key: c.key })}`),
  collectionFeed: (c: CollectionRef, f: Filters, k = 30) => call<{ items: Scored[] }>(`${collectionPath(c)}/feed${query({ k, ...f, key: c.key })}`),
  setMember: (c: CollectionRef, paperId: string, on: boolean) => call<unknown>(`${collectionPath(c)}/papers/${enc(paperId)}`, { method: on ? 'PUT' : 'DELETE' }),
  share: (c: CollectionRef) => call<{ key: string; url: string; feedUrl: string }>(`${collectionPath(c)}/share-key`, { method: 'POST' }),
  unshare: (c: CollectionRef) => call<unknown>(`${collectionPath(c)}/share-key`, { method: 'DELETE' }),
  importLibrary: (u: User, file: string, format: string, collection: string) =>
    call<ImportReport>(`/v1/users/${enc(u.uid)}/import${query({ format, collection })}`, { method: 'POST', body: file, headers: { 'Content-Type': 'text/plain' } }),
  notInterested: (u: User, id: string) =>
    call<unknown>(`/v1/users/${enc(u.uid)}/feedback`, { method: 'POST', body: JSON.stringify({ paperId: id, kind: 'not_interested' }) }, u),
};
