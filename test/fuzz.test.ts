// Hostile-input fuzzing of every HTTP route against a real server (real model, real SQLite, seeded store).
//
// Routes are enumerated from /openapi.json, so a new route is covered without touching this file. Each request
// picks a route, a method (mostly the documented one, sometimes odd ones), hostile path ids (traversal, encodings,
// invalid UTF-8, 10k chars), query values (FTS5/SQL syntax, boundary numbers, duplicates, malformed escapes),
// a body (schema-shaped with wrong types and boundary values, random JSON, deeply nested, over BODY_LIMIT_BYTES,
// invalid UTF-8 bytes, odd content types, chunked) and a principal (admin, user A, user B, none, unknown or
// malformed tokens), and now and then an odd Host header (never reflected in an answer), an Origin, or a CORS
// preflight (answered only for the allowed origin, never with `*` or credentials). Every answer must be < 500, and
// every 4xx an application/problem+json with a detail; the server must still answer /healthz afterwards, and no
// token (or its sha256) may appear in the log. A second case sends a body nested past the depth limit to every
// route that takes JSON: each must refuse it with 400 before parsing it.
//
// FUZZ_REQUESTS=<n> (default 10000), FUZZ_SEED=<n> (default: random, printed), FUZZ_CONCURRENCY=<n> (16).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from './engines.js';
import { startServer, type RunningServer } from '../src/server.js';
import { rng, tempDir } from './helpers.js';
import { startMailbox, type Mailbox } from './mailbox.js';

const REQUESTS = Math.max(100, Number(process.env.FUZZ_REQUESTS) || 10_000);
const SEED = Number(process.env.FUZZ_SEED) || crypto.randomInt(1, 2 ** 31);
const CONCURRENCY = Math.max(1, Number(process.env.FUZZ_CONCURRENCY) || 16);
const ADMIN = 'fuzz-admin-token-0123456789abcdef';
const BODY_LIMIT = 16 * 1024;

let server: RunningServer;
let mailbox: Mailbox;
let dataDir: string;
let host: string;
let port: number;
const logLines: string[] = [];
let userA: { id: string; token: string };
let userB: { id: string; token: string };
let feedKeyB = '';
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body chunked (no Content-Length). */
  chunked?: boolean;
}

function send(req: RawRequest, keepAlive = true): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    if (req.body && !req.chunked) headers['content-length'] = String(req.body.length);
    const r = http.request({ host, port, method: req.method, path: req.path, headers, agent: keepAlive ? agent : false, setHost: headers.host === undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    r.setTimeout(30_000, () => r.destroy(new Error('timeout')));
    r.on('error', reject);
    if (req.body) {
      if (req.chunked) {
        // Two chunks, so the body really arrives in pieces.
        const mid = req.body.length >> 1;
        r.write(req.body.subarray(0, mid));
        r.write(req.body.subarray(mid));
      } else r.write(req.body);
    }
    r.end();
  });
}

const jsonReq = (method: string, path: string, token?: string, body?: unknown) =>
  send({
    method,
    path,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
  });

// ---------------------------------------------------------------------------------------------------------------
// Generators

type Rand = () => number;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** encodeURIComponent, but a lone surrogate becomes its (invalid) UTF-8 bytes instead of a URIError. */
const enc = (s: string) => s.split(LONE_SURROGATE).map((part) => encodeURIComponent(part)).join('%ED%A0%80');
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const chance = (r: Rand, p: number) => r() < p;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

const HOSTILE_STRINGS = [
  '', ' ', '  \t\n', '../../etc/passwd', '..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%252e%252e%252f', '....//....//',
  '/etc/passwd', 'file:///etc/passwd', '"', '""', "'", '*', 'a*', '*a', 'NEAR(', 'NEAR(a b, 5)', 'OR OR', 'AND', 'NOT', 'OR', 'a OR',
  '(', ')', '(((', '{', '}', ':', 'title:', 'abstract:x', '^', '-', '+', '"unterminated', "a' OR '1'='1", "'; DROP TABLE papers; --",
  '1; SELECT * FROM users', '\\', '\u0000', 'a\u0000b', '\u202eevil', '\ufeff', '😀🚀', 'Ω≈ç√∫', 'ﷺ', '\u{10ffff}', '<script>alert(1)</script>',
  '${7*7}', '{{7*7}}', '__proto__', 'constructor', 'prototype', 'null', 'undefined', 'true', 'false', 'NaN', 'Infinity', '-Infinity',
  '-1', '0', '1', '-0', '1.5', '1e309', '1e-400', '9007199254740993', '99999999999999999999999', '0x10', '010', ' 5', '5 ',
  '2026-13-45', '0000-00-00', '9999-12-31', '2026-02-30', '2026-08-01T25:61:61Z', '2026', '2026-08', '+275760-09-13', 'yesterday',
  'cs.CL', 'cs.', '.', '..', '...', '%', '%%', '%zz', '%u0041', 'x'.repeat(199), 'x'.repeat(200), 'x'.repeat(201), 'é'.repeat(150),
  'hybrid', 'semantic', 'keyword', 'HYBRID', 'not_interested', 'seen', 'graph neural networks', 'world models for robots',
];

function hostileString(r: Rand): string {
  const n = r();
  if (n < 0.7) return pick(r, HOSTILE_STRINGS);
  if (n < 0.8) return 'y'.repeat(pick(r, [1000, 5000, 20_001, 70_000]));
  if (n < 0.9) return Array.from({ length: int(r, 1, 40) }, () => String.fromCodePoint(int(r, 1, 0x2fff))).join('');
  return pick(r, HOSTILE_STRINGS) + pick(r, HOSTILE_STRINGS);
}

/** A path segment: valid ids, hostile strings in several encodings, raw invalid UTF-8 escapes. */
function pathSegment(r: Rand, valid: string[]): string {
  const n = r();
  if (n < 0.3) {
    const v = pick(r, valid);
    const form = r();
    if (form < 0.5) return enc(v);
    if (form < 0.6) return enc(v).toUpperCase();
    if (form < 0.7) return enc(enc(v)); // double-encoded
    if (form < 0.8) return enc(v) + '/';
    if (form < 0.9) return enc(v).replace(/%2F/g, '%2f');
    return enc(v.toLowerCase());
  }
  if (n < 0.45) return pick(r, ['%ff', '%fe%ff', '%c0%ae%c0%ae', '%ed%a0%80', '%80', 'a%e2%82', '%00', '%', '%2', '%zz', '%25', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc%2fpasswd']);
  if (n < 0.55) return pick(r, ['..', '.', '../..', '..%2f..', '%2e%2e%2f', '..;', '~', 'a//b', '', '\u00ff\u00fe', 'caf\u00e9', '\u00c0\u00ae\u00c0\u00ae']); // the last three: raw (not percent-encoded) non-UTF-8 bytes
  const s = hostileString(r);
  const form = r();
  if (form < 0.8) return enc(s);
  if (form < 0.9) return enc(enc(s));
  // Raw: only characters node's client accepts unescaped in a path.
  return s.replace(/[^\u0021-\u007e]/gu, (c) => enc(c)).replace(/[#?]/g, encodeURIComponent);
}

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  $ref?: string;
}

let components: Record<string, Schema> = {};
const deref = (s: Schema | undefined): Schema => {
  let cur = s ?? {};
  for (let i = 0; cur.$ref && i < 10; i++) cur = components[cur.$ref.split('/').pop()!] ?? {};
  return cur;
};

function randomJson(r: Rand, depth = 0): unknown {
  const n = r();
  if (depth > 3 || n < 0.35) return pick(r, [null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', hostileString(r)]);
  if (n < 0.65) return Array.from({ length: int(r, 0, 5) }, () => randomJson(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = int(r, 0, 5); i > 0; i--) setKey(o, pick(r, ['id', 'papers', 'texts', 'positive', 'negative', 'k', 'name', 'paperId', 'kind', '__proto__', 'constructor', hostileString(r).slice(0, 20)]), randomJson(r, depth + 1));
  return o;
}

/** Sets own properties even for keys like __proto__ (plain assignment would change the prototype instead). */
const setKey = (o: Record<string, unknown>, k: string, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
const asText = (v: unknown) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));

function boundaryNumber(r: Rand, s: Schema): unknown {
  const lo = s.minimum ?? 0;
  const hi = s.maximum ?? 1000;
  return pick(r, [lo, lo - 1, hi, hi + 1, (lo + hi) / 2, Math.floor((lo + hi) / 2), 0, -1, 1.5, 1e21, -1e21, 2 ** 31, 2 ** 53 + 2, String(lo)]);
}

/** A value shaped like the schema, mutated now and then (wrong type, boundary, extra fields) at every level. */
function fromSchema(r: Rand, schema: Schema | undefined, depth = 0): unknown {
  const s = deref(schema);
  if (depth > 6) return null;
  if (chance(r, 0.12)) return randomJson(r); // wrong type, anything
  const alt = s.anyOf ?? s.oneOf;
  if (alt?.length) return fromSchema(r, pick(r, alt), depth);
  if (s.allOf?.length) return fromSchema(r, s.allOf[0], depth);
  if (s.enum?.length) return chance(r, 0.85) ? pick(r, s.enum) : hostileString(r);
  const type = Array.isArray(s.type) ? pick(r, s.type) : s.type ?? (s.properties ? 'object' : s.items ? 'array' : 'string');
  switch (type) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        const req = s.required?.includes(k);
        if (req ? chance(r, 0.93) : chance(r, 0.5)) o[k] = fromSchema(r, v, depth + 1);
      }
      if (chance(r, 0.1)) setKey(o, pick(r, ['__proto__', 'constructor', hostileString(r).slice(0, 30) || 'extra']), randomJson(r));
      return o;
    }
    case 'array': {
      const min = s.minItems ?? 0;
      const max = Math.min(s.maxItems ?? 20, 40);
      const len = chance(r, 0.1) ? pick(r, [0, max + 1, min > 0 ? min - 1 : 0, 300]) : int(r, min, Math.min(max, min + 6));
      return Array.from({ length: len }, () => fromSchema(r, s.items, depth + 1));
    }
    case 'integer':
    case 'number':
      return boundaryNumber(r, s);
    case 'boolean':
      return pick(r, [true, false, 'true', 0, null]);
    case 'null':
      return null;
    default: {
      if (chance(r, 0.15) && s.maxLength !== undefined) return 'z'.repeat(pick(r, [s.maxLength, s.maxLength + 1]));
      if (chance(r, 0.4)) return pick(r, validIds());
      return hostileString(r);
    }
  }
}

function deepNested(depth: number): string {
  const kind = depth % 2 === 0 ? ['[', ']'] : ['{"a":', '}'];
  return kind[0].repeat(depth) + '1' + kind[1].repeat(depth);
}

const ALLOWED_ORIGIN = 'https://app.example.org';
const ODD_HOSTS = ['evil.example:1', 'EVIL.example', 'evil".example', "evil'.example", 'evil example', 'evil<x>.example', '[::1', 'x:y:z', 'localhost:99999', 'localhost:65536', '', 'evil.example:1@localhost', 'evil.example/x', '\u00ff.example', 'h'.repeat(300)];
const ORIGINS = [ALLOWED_ORIGIN, 'https://evil.example', 'null', 'http://app.example.org', `${ALLOWED_ORIGIN}.evil.example`, '*'];

const VALID_PAPERS = ['2607.28629', '2608.00725', '2608.00730', '10.1145/3292500.3330701'];
const validIds = () => [...VALID_PAPERS, userA?.id ?? 'u_x', userB?.id ?? 'u_y'];

interface Route {
  path: string;
  method: string;
  params: { name: string; in: string; schema?: Schema; required?: boolean }[];
  body?: Schema;
}

function routesOf(doc: { paths: Record<string, Record<string, { parameters?: Route['params']; requestBody?: { content?: Record<string, { schema?: Schema }> } }>> }): Route[] {
  const out: Route[] = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method)) continue;
      out.push({ path: p, method: method.toUpperCase(), params: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema });
    }
  }
  return out;
}

const ODD_METHODS = ['PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'FOO', 'M-SEARCH', 'PURGE', 'LOCK', 'GET', 'POST', 'PUT', 'DELETE'];
const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/vnd.api+json', 'APPLICATION/JSON',
  'text/plain', 'text/html', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream',
  '', ';;;', 'application/json;;', 'json', '*/*', 'application/problem+json',
];

function token(r: Rand): { label: string; header?: string } {
  const n = r();
  if (n < 0.2) return { label: 'admin', header: `Bearer ${ADMIN}` };
  if (n < 0.4) return { label: 'A', header: `Bearer ${userA.token}` };
  if (n < 0.55) return { label: 'B', header: `Bearer ${userB.token}` };
  if (n < 0.8) return { label: 'none' };
  return {
    label: 'bad',
    header: pick(r, [`Bearer pf_${'0'.repeat(40)}`, 'Bearer', 'Bearer ', `Basic ${Buffer.from('a:b').toString('base64')}`, `Bearer ${'t'.repeat(600)}`, `bearer ${userA.token}`, `Bearer ${userA.token} extra`, `Bearer ${userA.token.toUpperCase()}`, `Bearer ${ADMIN.slice(0, -1)}`, `Bearer ${feedKeyB}`, 'Bearer \u00ff\u00fe']),
  };
}

/** One generated request; `desc` is what a failure report shows. */
function generate(r: Rand, routes: Route[]): { req: RawRequest; desc: string; route: string } {
  const route = pick(r, routes);
  let method = chance(r, 0.85) ? route.method : pick(r, ODD_METHODS);
  // Path: each {param} → a segment; sometimes a hostile suffix or a case change.
  let path = route.path.replace(/\{(\w+)\}/g, () => pathSegment(r, validIds()));
  if (chance(r, 0.05)) path += pick(r, ['/', '//', '/..', '/%2e%2e', '/x', '.json', ';x']);
  if (chance(r, 0.03)) path = path.replace(/[a-z]/g, (c) => c.toUpperCase());
  // Query: documented params with hostile or plausible values, duplicates, unknown and malformed ones.
  const q: string[] = [];
  for (const p of route.params.filter((x) => x.in === 'query')) {
    if (!chance(r, 0.6)) continue;
    const reps = chance(r, 0.1) ? int(r, 2, 4) : 1; // duplicate query params
    for (let i = 0; i < reps; i++) {
      const v = chance(r, 0.5) ? asText(fromSchema(r, p.schema)) : hostileString(r);
      q.push(`${enc(p.name)}=${chance(r, 0.9) ? enc(v) : v.replace(/[^\u0021-\u007e]|[#&]/gu, (c) => enc(c))}`);
    }
  }
  if (chance(r, 0.08)) q.push(pick(r, ['k=%zz', 'q=%', 'q=%ff%fe', '%=1', '=', '&&&', 'k', 'k=', 'q[]=1&q[]=2', 'include=vector', `key=${feedKeyB}`, `key=${'k'.repeat(3000)}`, '__proto__=1', 'constructor[x]=1']));
  if (q.length) path += `?${q.join('&')}`;

  const headers: Record<string, string> = {};
  const t = token(r);
  if (t.header !== undefined) headers.authorization = t.header;
  let body: Buffer | undefined;
  let chunked = false;
  let bodyKind = 'none';
  const wantsBody = route.body !== undefined || chance(r, 0.1);
  if (wantsBody && method !== 'GET' && method !== 'HEAD' && !chance(r, 0.05)) {
    const k = r();
    if (k < 0.6) {
      body = Buffer.from(JSON.stringify(fromSchema(r, route.body)) ?? 'null');
      bodyKind = 'schema';
    } else if (k < 0.72) {
      body = Buffer.from(JSON.stringify(randomJson(r)) ?? 'null');
      bodyKind = 'random';
    } else if (k < 0.75) {
      body = Buffer.from(deepNested(pick(r, [100, 1000, 5000, BODY_LIMIT / 2 - 10])));
      bodyKind = 'nested';
    } else if (k < 0.78) {
      // Schema-shaped, with one field nested just past (or well past) the depth limit.
      const field = pick(r, ['papers', 'positive', 'texts', 'name', 'paperId']);
      body = Buffer.from(`{"${field}":${deepNested(pick(r, [31, 33, 64, 2000]))}}`);
      bodyKind = 'nested-field';
    } else if (k < 0.84) {
      body = Buffer.from(JSON.stringify({ texts: ['x'.repeat(BODY_LIMIT * pick(r, [1, 4]))], papers: [], positive: [] }));
      bodyKind = 'huge';
    } else if (k < 0.9) {
      body = Buffer.concat([Buffer.from('{"texts":["'), Buffer.from(pick(r, [[0xff, 0xfe], [0xc0, 0xae], [0xed, 0xa0, 0x80], [0x80], [0xe2, 0x82]])), Buffer.from('"],"name":"x"}')]);
      bodyKind = 'invalid-utf8';
    } else if (k < 0.95) {
      body = Buffer.from(pick(r, ['{', '}', '[1,]', '{"a":1,}', 'nul', '"\\ud800"', '{"name":"\\u0000"}', '1e99999', '', ' ', '\ufeff{}', '{"a":1}{"b":2}']));
      bodyKind = 'malformed';
    } else {
      body = crypto.randomBytes(int(r, 1, 512));
      bodyKind = 'random-bytes';
    }
    headers['content-type'] = chance(r, 0.75) ? 'application/json' : pick(r, CONTENT_TYPES);
    if (headers['content-type'] === '') delete headers['content-type'];
    chunked = chance(r, 0.15);
  }
  // Odd Host headers, Origins and CORS preflights.
  if (chance(r, 0.05)) headers.host = pick(r, ODD_HOSTS);
  let origin = '';
  if (chance(r, 0.08)) headers.origin = origin = pick(r, ORIGINS);
  if (chance(r, 0.04)) {
    method = 'OPTIONS';
    headers.origin = origin = pick(r, ORIGINS);
    headers['access-control-request-method'] = pick(r, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'x']);
    if (chance(r, 0.7)) headers['access-control-request-headers'] = pick(r, ['authorization', 'content-type', 'authorization, content-type', 'x-paperfeed-csrf', 'cookie']);
  }
  const desc = `${method} ${path.length > 300 ? `${path.slice(0, 300)}…(${path.length})` : path} token=${t.label} body=${bodyKind}${body ? `(${body.length} B${chunked ? ', chunked' : ''}, ${headers['content-type'] ?? 'no type'})` : ''}${headers.host !== undefined ? ` host=${JSON.stringify(headers.host.slice(0, 40))}` : ''}${origin ? ` origin=${origin}` : ''}`;
  return { req: { method, path, headers, body, chunked }, desc, route: `${route.method} ${route.path}` };
}

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  dataDir = tempDir('paperfeed-fuzz-');
  mailbox = await startMailbox(); // digests on: the subscription routes mail confirmations to a local SMTP server
  const config = await testConfig({
    SMTP_URL: mailbox.url,
    DIGEST_SCHEDULE: 'off',
    DATA_DIR: dataDir,
    PORT: '0',
    ADMIN_TOKEN: ADMIN,
    RATE_LIMIT_PER_MINUTE: '0',
    LOGIN_FAILURES_PER_MINUTE: '0',
    BODY_LIMIT_BYTES: String(BODY_LIMIT),
    EMBED_MAX_TEXTS: '32',
    EMBED_MAX_TEXT_CHARS: '4000',
    RECOMMEND_MAX_IDS: '50',
    PAPERS_MAX_PER_REQUEST: '20',
    CORS_ORIGINS: ALLOWED_ORIGIN,
    SYNC_SCHEDULE: 'off',
  });
  server = await startServer(config, (m) => logLines.push(m));
  await server.ready;
  const u = new URL(server.url);
  host = u.hostname;
  port = Number(u.port);
  userA = JSON.parse((await jsonReq('POST', '/v1/users', ADMIN, { name: 'fuzz-a' })).body.toString());
  userB = JSON.parse((await jsonReq('POST', '/v1/users', ADMIN, { name: 'fuzz-b' })).body.toString());
  for (const p of VALID_PAPERS.slice(0, 3)) expect((await jsonReq('PUT', `/v1/users/${userB.id}/stars/${p}`, userB.token)).status).toBe(201);
  feedKeyB = JSON.parse((await jsonReq('POST', `/v1/users/${userB.id}/feed-key`, userB.token)).body.toString()).key;
}, 120_000);

afterAll(async () => {
  agent.destroy();
  await server?.close();
  await mailbox?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

describe(`fuzzing every route (${REQUESTS} requests, seed ${SEED})`, () => {
  it('never answers 5xx, every 4xx is problem+json with a detail, the server survives, no secret is logged', async () => {
    const doc = JSON.parse((await send({ method: 'GET', path: '/openapi.json', headers: {} })).body.toString());
    components = doc.components?.schemas ?? {};
    const routes = routesOf(doc);
    expect(routes.length).toBeGreaterThan(15);

    const r = rng(SEED);
    // Generate everything up front (deterministic whatever the response order), then send with N in flight.
    const requests = Array.from({ length: REQUESTS }, () => generate(r, routes));
    const byClass: Record<string, number> = {};
    const byStatus: Record<number, number> = {};
    const perRoute = new Map<string, number>();
    const failures: string[] = [];
    let next = 0;
    let retried = 0;
    const started = Date.now();
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const { req, desc } = requests[i];
        let res: RawResponse;
        try {
          res = await send(req);
        } catch {
          // A kept-alive socket the server closed meanwhile (it closes connections whose body it refused, e.g.
          // after an early 413) races with reuse by the client: retry once on a fresh connection.
          retried++;
          try {
            res = await send(req, false);
          } catch (err) {
            failures.push(`#${i} ${desc}: transport error ${(err as Error).message}`);
            byClass.transport = (byClass.transport ?? 0) + 1;
            continue;
          }
        }
        const cls = `${Math.floor(res.status / 100)}xx`;
        byClass[cls] = (byClass[cls] ?? 0) + 1;
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        perRoute.set(requests[i].route, (perRoute.get(requests[i].route) ?? 0) + 1);
        const allowOrigin = res.headers['access-control-allow-origin'];
        // /embed.js, the widget's static script, is readable by every origin by design (README: Widget); the API is not.
        const publicScript = requests[i].route === 'GET /embed.js' && allowOrigin === '*';
        if (allowOrigin !== undefined && !publicScript && (allowOrigin !== ALLOWED_ORIGIN || req.headers.origin !== ALLOWED_ORIGIN)) {
          failures.push(`#${i} ${desc} → CORS allowed origin ${allowOrigin}`);
        }
        if (res.headers['access-control-allow-credentials'] !== undefined) failures.push(`#${i} ${desc} → CORS credentials allowed`);
        // The host name itself, not just "evil": a hostile id ('\u202eevil') may rightly be echoed in a 404.
        const evilHost = /evil/i.test(req.headers.host ?? '') ? req.headers.host!.split(/[:/@]/)[0].toLowerCase() : undefined;
        if (evilHost && res.body.toString().toLowerCase().includes(evilHost)) {
          failures.push(`#${i} ${desc} → the Host header is reflected in the answer`);
        }
        if (res.status >= 500 || res.status < 100) {
          failures.push(`#${i} ${desc} → ${res.status} ${res.body.toString().slice(0, 300)}`);
        } else if (res.status >= 400 && req.method !== 'HEAD') {
          const type = String(res.headers['content-type'] ?? '');
          let detail: unknown;
          try {
            detail = JSON.parse(res.body.toString()).detail;
          } catch {
            // not JSON
          }
          if (!type.startsWith('application/problem+json') || typeof detail !== 'string' || !detail) {
            failures.push(`#${i} ${desc} → ${res.status} ${type} ${res.body.toString().slice(0, 200)}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const seconds = (Date.now() - started) / 1000;

    // Still alive and still right.
    const health = await send({ method: 'GET', path: '/healthz', headers: {} });
    expect(health.status).toBe(200);
    const paper = await send({ method: 'GET', path: '/v1/papers/2608.00725', headers: {} });
    expect([200, 404]).toContain(paper.status); // the fuzzer may have deleted it with the admin token

    // No secret in the log: tokens, feed keys, their sha256 (hex and base64url).
    const secrets = [ADMIN, userA.token, userB.token, feedKeyB].flatMap((s) => [
      s,
      crypto.createHash('sha256').update(s).digest('hex'),
      crypto.createHash('sha256').update(s).digest('base64url'),
    ]);
    const log = logLines.join('\n');
    for (const s of secrets) expect(log.includes(s), 'a token or its hash appears in the server log').toBe(false);

    console.log(
      `fuzz: seed ${SEED} (FUZZ_SEED=${SEED} to reproduce), ${REQUESTS} requests over ${routes.length} routes in ${seconds.toFixed(1)} s ` +
        `(${Math.round(REQUESTS / seconds)}/s, concurrency ${CONCURRENCY}); by class ${JSON.stringify(byClass)}; by status ${JSON.stringify(byStatus)}; ` +
        `retried on a fresh connection ${retried}; failures ${failures.length}; server log lines ${logLines.length}`,
    );
    if (failures.length) console.log(`server log (errors):\n${logLines.filter((l) => l.startsWith("error")).slice(0, 5).join("\n")}`);
    expect(failures.slice(0, 25), `seed ${SEED}: ${failures.length} failures`).toEqual([]);
    expect(byClass['2xx'] ?? 0).toBeGreaterThan(REQUESTS * 0.02); // not vacuous: some requests got through
    // Every documented route was hit many times.
    for (const rt of routes) expect(perRoute.get(`${rt.method} ${rt.path}`) ?? 0, `${rt.method} ${rt.path}`).toBeGreaterThan(REQUESTS / routes.length / 3);
  }, 300_000);

  it('refuses a body nested past the depth limit on every route that takes JSON, before parsing it', async () => {
    const doc = JSON.parse((await send({ method: 'GET', path: '/openapi.json', headers: {} })).body.toString());
    const withBody = routesOf(doc).filter((rt) => rt.body !== undefined);
    expect(withBody.length).toBeGreaterThanOrEqual(5);
    for (const rt of withBody) {
      const path = rt.path.replace('{uid}', userA.id).replace(/\{\w+\}/g, VALID_PAPERS[0]);
      const res = await send({ method: rt.method, path, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: Buffer.from(`{"x":${deepNested(1000)}}`) });
      expect(res.status, `${rt.method} ${rt.path}`).toBe(400);
      expect(JSON.parse(res.body.toString()).detail, `${rt.method} ${rt.path}`).toMatch(/nests deeper than/);
    }
  });
});
