import crypto from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from '../../config.js';
import type { AppEnv } from '../auth.js';
import { clientAddress } from '../client-address.js';
import { ApiProblem } from '../problem.js';

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
function clientKey(c: Context<AppEnv>, trustedProxies: readonly string[]): string {
  const match = /^Bearer\s+(\S+)/i.exec(c.req.header('authorization') ?? '');
  if (match) return `t:${crypto.createHash('sha256').update(match[1]).digest('base64url')}`;
  return `a:${clientAddress(c, trustedProxies)}`;
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
    const key = clientKey(c, config.TRUST_PROXY);
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
