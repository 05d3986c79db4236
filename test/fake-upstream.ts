/**
 * A local stand-in for arXiv's OAI-PMH endpoint and Hugging Face's daily_papers API: a real HTTP server on a free
 * port, answering in the real formats (OAI-PMH 2.0 XML with arXivRaw metadata; HF's JSON entries), plus the faults
 * a real upstream has (503 + Retry-After, 500, a body cut short, a hang, an endless body). Tests and bench:sync use it.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import type { PaperInput } from '../src/types.js';

export interface FakeRequest {
  path: string;
  query: URLSearchParams;
  userAgent: string | undefined;
  at: number;
}

export type Reply =
  | { status?: number; headers?: Record<string, string>; body: string }
  /** Declares the full length, sends `body`, then destroys the socket (a body cut short). */
  | { truncate: string }
  /** Never answers (the client's deadline must fire). */
  | { hang: true }
  /** Streams `chunk` forever without a Content-Length (the client must stop reading). */
  | { endless: string }
  /** Resets the connection without answering. */
  | { reset: true };

export type Handler = (req: FakeRequest) => Reply | Promise<Reply>;

export class FakeUpstream extends EventEmitter<{ request: [FakeRequest] }> {
  readonly requests: FakeRequest[] = [];
  /** Bytes written by `endless` replies (to show the client stopped early). */
  endlessBytes = 0;
  private readonly sockets = new Set<import('node:net').Socket>();
  private readonly gzipped = new Map<string, Buffer>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {
    super();
  }

  handler: Handler = () => ({ status: 404, body: 'no handler' });

  static async start(handler?: Handler): Promise<FakeUpstream> {
    let self: FakeUpstream | undefined;
    const server = http.createServer((req, res) => void self!.serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new FakeUpstream(server, `http://127.0.0.1:${port}`);
    server.on('connection', (s) => {
      self!.sockets.add(s);
      s.on('close', () => self!.sockets.delete(s));
    });
    if (handler) self.handler = handler;
    return self;
  }

  /** Resolves with the first request (already made or still to come) that matches. */
  waitFor(match: (r: FakeRequest) => boolean): Promise<FakeRequest> {
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const on = (r: FakeRequest) => {
        if (!match(r)) return;
        this.off('request', on);
        resolve(r);
      };
      this.on('request', on);
    });
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const r: FakeRequest = { path: u.pathname, query: u.searchParams, userAgent: req.headers['user-agent'], at: Date.now() };
    this.requests.push(r);
    this.emit('request', r);
    const reply = await this.handler(r);
    if ('hang' in reply) return; // the socket stays open until the client gives up or close()
    if ('reset' in reply) return void req.socket.destroy();
    if ('truncate' in reply) {
      const full = Buffer.byteLength(reply.truncate) * 2;
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': String(full) });
      res.write(reply.truncate, () => setImmediate(() => req.socket.destroy()));
      return;
    }
    if ('endless' in reply) {
      res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8' });
      const chunk = Buffer.from(reply.endless);
      const pump = () => {
        while (!res.destroyed && this.endlessBytes < 1e10) {
          this.endlessBytes += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.on('close', () => res.destroy());
      pump();
      return;
    }
    const body = Buffer.from(reply.body);
    // Real upstreams compress: the client must bound the decompressed size, not the wire size.
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) && body.length > 1024;
    let payload: Buffer = body;
    if (gzip) {
      payload = this.gzipped.get(reply.body) ?? zlib.gzipSync(body, { level: 1 });
      if (this.gzipped.size < 64) this.gzipped.set(reply.body, payload);
    }
    res.writeHead(reply.status ?? 200, {
      'Content-Type': reply.body.startsWith('<') ? 'text/xml; charset=utf-8' : 'application/json; charset=utf-8',
      'Content-Length': String(payload.length),
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
      ...reply.headers,
    });
    res.end(payload);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// OAI-PMH 2.0, arXivRaw metadata (https://oaipmh.arxiv.org/oai?verb=ListRecords&metadataPrefix=arXivRaw)

export interface ArxivRecord {
  id: string;
  /** Header datestamp, YYYY-MM-DD. */
  datestamp: string;
  deleted?: boolean;
  title?: string;
  abstract?: string;
  /** One string, as arXivRaw has it: "A. One, B. Two and C. Three". */
  authors?: string;
  categories?: string;
  versions?: { version: string; date: string }[];
  comments?: string;
  journalRef?: string;
  doi?: string;
  license?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const el = (name: string, v: string | undefined) => (v === undefined ? '' : `<${name}>${esc(v)}</${name}>\n`);

function recordXml(r: ArxivRecord): string {
  const header = `<header${r.deleted ? ' status="deleted"' : ''}>\n<identifier>oai:arXiv.org:${r.id}</identifier>\n<datestamp>${r.datestamp}</datestamp>\n<setSpec>cs</setSpec>\n</header>\n`;
  if (r.deleted) return `<record>\n${header}</record>\n`;
  const versions = (r.versions ?? [{ version: 'v1', date: 'Mon, 3 Aug 2026 17:59:59 GMT' }])
    .map((v) => `<version version="${v.version}"><date>${v.date}</date><size>1024kb</size><source_type>D</source_type></version>\n`)
    .join('');
  return (
    `<record>\n${header}<metadata>\n<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
    `xsi:schemaLocation="http://arxiv.org/OAI/arXivRaw/ http://arxiv.org/OAI/arXivRaw.xsd">\n` +
    el('id', r.id) + el('submitter', 'A. Submitter') + versions + el('title', r.title) + el('authors', r.authors) +
    el('categories', r.categories) + el('comments', r.comments) + el('journal-ref', r.journalRef) + el('doi', r.doi) +
    el('license', r.license) + el('abstract', r.abstract) +
    `</arXivRaw>\n</metadata>\n</record>\n`
  );
}

const OAI_HEAD = (request: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
  `xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">\n` +
  `<responseDate>2026-08-21T12:00:00Z</responseDate>\n<request verb="ListRecords">${esc(request)}</request>\n`;

/** One ListRecords page; `token` null marks the last page of a list that had several (an empty token element). */
export function oaiPage(records: ArxivRecord[], token?: { value: string | null; cursor: number; size: number }): string {
  const tokenXml = token
    ? `<resumptionToken cursor="${token.cursor}" completeListSize="${token.size}"${token.value ? ' expirationDate="2026-08-22T12:00:00Z"' : ''}>${token.value ? esc(token.value) : ''}</resumptionToken>\n`
    : '';
  return `${OAI_HEAD('https://oaipmh.arxiv.org/oai')}<ListRecords>\n${records.map(recordXml).join('')}${tokenXml}</ListRecords>\n</OAI-PMH>\n`;
}

export function oaiError(code: string, message: string): string {
  return `${OAI_HEAD('https://oaipmh.arxiv.org/oai')}<error code="${code}">${esc(message)}</error>\n</OAI-PMH>\n`;
}

/**
 * Serves `records` as a ListRecords list of pages of `pageSize`, joined by resumption tokens (like arXiv's
 * "6093112|1001"); noRecordsMatch when none fall in the request's from/until. Other verbs/params: badArgument.
 */
export function oaiList(records: ArxivRecord[], pageSize: number): (req: FakeRequest) => Reply {
  // Pages are rendered once (bench:sync requests each list several times; rendering is not what it measures).
  const rendered = new Map<string, Reply>();
  return (req) => {
    const key = req.query.toString();
    const cached = rendered.get(key);
    if (cached) return cached;
    const reply = oaiListPage(records, pageSize, req);
    rendered.set(key, reply);
    return reply;
  };
}

function oaiListPage(records: ArxivRecord[], pageSize: number, req: FakeRequest): Reply {
  const q = req.query;
  let offset = 0;
  let from: string;
  let until: string;
  const token = q.get('resumptionToken');
  if (token) {
    const m = /^list-(\d{4}-\d{2}-\d{2})-(\d{4}-\d{2}-\d{2})\|(\d+)$/.exec(token);
    if (!m) return { body: oaiError('badResumptionToken', 'The value of the resumptionToken argument is invalid or expired.') };
    [from, until, offset] = [m[1], m[2], Number(m[3])];
  } else {
    if (q.get('verb') !== 'ListRecords' || !q.get('metadataPrefix')) return { body: oaiError('badArgument', 'Illegal arguments') };
    from = q.get('from') ?? '0000-01-01';
    until = q.get('until') ?? '9999-12-31';
  }
  const list = records.filter((r) => r.datestamp >= from && r.datestamp <= until);
  if (list.length === 0) return { body: oaiError('noRecordsMatch', 'No records match') };
  const page = list.slice(offset, offset + pageSize);
  const more = offset + pageSize < list.length;
  const paged = list.length > pageSize;
  const next = more ? `list-${from}-${until}|${offset + pageSize}` : null;
  return { body: oaiPage(page, paged ? { value: next, cursor: offset, size: list.length } : undefined) };
}

// ---------------------------------------------------------------------------------------------------------------
// Records from the bundled seed (real papers), in each format

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** A seed record: the paper fields ingest reads, plus the HF dataset's own (snake_case) extras. */
export interface FlatPaper extends Pick<PaperInput, 'id' | 'title' | 'abstract' | 'authors' | 'published' | 'categories'> {
  upvotes?: number | null;
  hf_daily_date?: string;
  num_comments?: number;
  ai_keywords?: string[];
  github_repo?: string | null;
  github_stars?: number | null;
  submitted_by?: string | null;
}

export function seedPapers(which: 'arxiv' | 'hf'): FlatPaper[] {
  const file = path.join(ROOT, 'seed', which === 'arxiv' ? 'arxiv-cs-sample.jsonl.gz' : 'hf-daily-sample.jsonl.gz');
  return zlib
    .gunzipSync(fs.readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FlatPaper);
}

/** A flat paper as an arXivRaw record with this datestamp. */
export function toArxivRecord(p: FlatPaper, datestamp: string, extra: Partial<ArxivRecord> = {}): ArxivRecord {
  return {
    id: p.id,
    datestamp,
    title: p.title,
    abstract: p.abstract,
    authors: p.authors.join(', ').replace(/, ([^,]*)$/, ' and $1'),
    categories: (p.categories.length ? p.categories : ['cs.LG']).join(' '),
    versions: [{ version: 'v1', date: `${new Date(`${p.published ?? datestamp}T12:00:00Z`).toUTCString()}` }],
    license: 'http://creativecommons.org/licenses/by/4.0/',
    ...extra,
  };
}

/** A flat HF record as a daily_papers API entry (the shape of test/fixtures/hf-daily-api.json). */
export function toHfEntry(p: FlatPaper, day: string, upvotes = p.upvotes ?? 0): Record<string, unknown> {
  return {
    paper: {
      id: p.id,
      authors: p.authors.map((name) => ({ _id: `a-${name.length}`, name, hidden: false })),
      publishedAt: `${p.published}T00:00:00.000Z`,
      submittedOnDailyAt: `${day}T00:00:00.000Z`,
      title: p.title,
      summary: p.abstract,
      upvotes,
      discussionId: `d-${p.id}`,
      ai_keywords: p.ai_keywords ?? [],
      ...(p.github_repo ? { githubRepo: p.github_repo, githubStars: p.github_stars ?? 0 } : {}),
    },
    publishedAt: `${day}T00:00:00.000Z`,
    title: p.title,
    summary: p.abstract,
    thumbnail: `https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${p.id}.png`,
    numComments: p.num_comments ?? 0,
    ...(p.submitted_by ? { submittedBy: { _id: 'u1', avatarUrl: '/avatars/x.svg', fullname: p.submitted_by, name: p.submitted_by, type: 'user', isPro: false } } : {}),
    isAuthorParticipating: false,
  };
}
