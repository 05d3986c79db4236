import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../auth.js';
import { clientAddress } from '../client-address.js';
import { ApiProblem } from '../problem.js';

const WINDOW_MS = 60_000;
/** Addresses remembered at most; past it the oldest windows are forgotten. */
const MAX_ADDRESSES = 100_000;

/**
 * Failed logins per client address: a request that sent credentials (a bearer token, a feed key, a sign-in) and got 401
 * counts against its address. Past `perMinute` failures in a one-minute window, every request with credentials
 * from that address is a 429 until the window ends, whatever token it tries. The general rate limit keys on the
 * token, so guessing with a fresh token per request used to get a fresh budget each time (issue 15, finding 5).
 * Register before authentication, so a blocked address's guesses are not even checked.
 */
export function loginFailureLimit(perMinute: number, trustedProxies: readonly string[] = [], now: () => number = Date.now): MiddlewareHandler<AppEnv> {
  const failures = new Map<string, { start: number; count: number }>();
  return async (c, next) => {
    // Credentials: a bearer token, a feed key, or the dashboard's sign-in form (POST /v1/session).
    const sentCredentials =
      c.req.header('authorization') !== undefined || c.req.query('key') !== undefined || (c.req.method === 'POST' && c.req.path === '/v1/session');
    if (perMinute === 0 || !sentCredentials) return next();
    const t = now();
    for (const [address, w] of failures) {
      if (t - w.start < WINDOW_MS && failures.size <= MAX_ADDRESSES) break;
      failures.delete(address);
    }
    const address = clientAddress(c, trustedProxies);
    let window = failures.get(address);
    if (window && t - window.start >= WINDOW_MS) {
      failures.delete(address);
      window = undefined;
    }
    if (window && window.count >= perMinute) {
      const retry = Math.max(1, Math.ceil((window.start + WINDOW_MS - t) / 1000));
      throw new ApiProblem(429, `Too many failed logins from this address; retry in ${retry} s`, undefined, { 'Retry-After': String(retry) });
    }
    await next();
    if (c.res.status !== 401) return;
    if (window) window.count++;
    else failures.set(address, { start: t, count: 1 }); // Map order = window start order, for the eviction above
  };
}
