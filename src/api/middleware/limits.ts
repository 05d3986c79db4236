import crypto from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from '../../config.js';
import type { AppEnv } from '../auth.js';
import { ApiProblem } from '../problem.js';

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;
// Mail links (/digest/…) are POSTed by the confirm pages' forms and by mail clients' one-click unsubscribe (RFC 8058):
// form bodies, which those routes do not read.
const FORM_MEDIA = /^(application\/x-www-form-urlencoded|multipart\/form-data)$/i;

/** Reads a body stream into memory, refusing it as soon as it passes `limit` bytes (whatever Content-Length said). */
async function readLimited(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

const tooLarge = (limit: number) =>
  new ApiProblem(413, `The request body is larger than ${limit} bytes`, [{ field: 'body', message: `at most ${limit} bytes` }]);

/**
 * 413 for bodies over BODY_LIMIT_BYTES: at once when Content-Length says so, otherwise (chunked, or a length the
 * body does not keep to) while reading. The body is read up front, so handlers never see a partial one, and a
 * body that is not JSON is a 415 and a JSON body that does not parse a 400, both problem+json, for every route.
 */
export function bodyLimit(config: Config): MiddlewareHandler<AppEnv> {
  const limit = config.BODY_LIMIT_BYTES;
  return async (c, next) => {
    const req = c.req.raw;
    const hasBody = c.req.header('content-length') !== undefined || c.req.header('transfer-encoding') !== undefined;
    if (!hasBody || req.method === 'GET' || req.method === 'HEAD') return next();

    const declared = c.req.header('content-length');
    if (declared !== undefined && /^\d+$/.test(declared.trim()) && Number(declared) > limit) throw tooLarge(limit);

    const bytes = req.body ? await readLimited(req.body, limit) : new Uint8Array(0);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    c.req.raw = new Request(req.url, { method: req.method, headers: req.headers, body: buffer, signal: req.signal });
    // Hono keeps parsed bodies as promises in bodyCache (typed loosely); seed it so nothing reads or parses twice.
    const cache = c.req.bodyCache as Record<string, Promise<unknown>>;
    cache.arrayBuffer = Promise.resolve(buffer);

    // Every route with a body takes JSON: anything else is a 415 naming the header (not the validator's 500).
    const contentType = c.req.header('content-type');
    const isJson = contentType !== undefined && JSON_MEDIA.test(contentType.split(';')[0].trim());
    const isMailLinkForm = c.req.path.startsWith('/digest/') && contentType !== undefined && FORM_MEDIA.test(contentType.split(';')[0].trim());
    if (bytes.byteLength > 0 && !isJson && !isMailLinkForm) {
      throw new ApiProblem(415, 'Send the body as application/json', [{ field: 'header.content-type', message: 'expected application/json' }]);
    }
    if (isJson) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch (err) {
        const reason = err instanceof SyntaxError ? err.message : 'not valid UTF-8';
        throw new ApiProblem(400, `Malformed JSON in request body: ${reason}`, [{ field: 'body', message: 'malformed JSON' }]);
      }
      cache.json = Promise.resolve(parsed);
    }
    return next();
  };
}

/** Routes probes and scrapers call often; never limited. */
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);
/** Keys remembered at most; past it the oldest windows are forgotten (their clients start afresh). */
const MAX_KEYS = 100_000;
const WINDOW_MS = 60_000;

interface Bucket {
  start: number;
  count: number;
}

/** Who a request counts against: its bearer token (hashed, never kept in clear), else the client address. */
function clientKey(c: Context<AppEnv>): string {
  const match = /^Bearer\s+(\S+)/i.exec(c.req.header('authorization') ?? '');
  if (match) return `t:${crypto.createHash('sha256').update(match[1]).digest('base64url')}`;
  try {
    return `a:${getConnInfo(c).remote.address ?? 'unknown'}`;
  } catch {
    return 'a:unknown'; // not served by @hono/node-server (e.g. app.request in a unit test)
  }
}

/**
 * Fixed one-minute windows per key, RATE_LIMIT_PER_MINUTE requests each (0 = off). Past it: 429 with
 * Retry-After (seconds until the window ends). Every limited response carries RateLimit-Limit,
 * RateLimit-Remaining and RateLimit-Reset. Buckets live in a Map in window-start order, so expired ones are
 * dropped from the front in amortised O(1), and MAX_KEYS bounds memory even under a flood of addresses.
 */
export function rateLimit(config: Config, now: () => number = Date.now): MiddlewareHandler<AppEnv> {
  const limit = config.RATE_LIMIT_PER_MINUTE;
  const buckets = new Map<string, Bucket>();

  const evict = (t: number) => {
    for (const [key, b] of buckets) {
      if (t - b.start < WINDOW_MS && buckets.size <= MAX_KEYS) break;
      buckets.delete(key);
    }
  };

  return async (c, next) => {
    if (limit === 0 || EXEMPT.has(c.req.path)) return next();
    const t = now();
    evict(t);
    const key = clientKey(c);
    let bucket = buckets.get(key);
    if (!bucket || t - bucket.start >= WINDOW_MS) {
      buckets.delete(key); // re-insert at the end: the Map stays in window-start order
      bucket = { start: t, count: 0 };
      buckets.set(key, bucket);
    }
    const resetSeconds = Math.max(1, Math.ceil((bucket.start + WINDOW_MS - t) / 1000));
    const headers = {
      'RateLimit-Limit': String(limit),
      'RateLimit-Remaining': String(Math.max(0, limit - bucket.count - 1)),
      'RateLimit-Reset': String(resetSeconds),
    };
    if (bucket.count >= limit) {
      throw new ApiProblem(429, `Rate limit of ${limit} requests per minute exceeded; retry in ${resetSeconds} s`, undefined, {
        ...headers,
        'Retry-After': String(resetSeconds),
      });
    }
    bucket.count++;
    await next();
    try {
      for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
    } catch {
      // immutable headers (a proxied Response): the limit still applies, only the hint is missing
    }
  };
}
