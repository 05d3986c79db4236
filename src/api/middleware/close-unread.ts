import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../auth.js';

/**
 * Answers a request whose body was sent but not read in full (no route, no access, too large or too deep, a route
 * that takes none) with `Connection: close`, so Node closes the socket instead of reading and discarding the rest (up to megabytes)
 * to keep the connection alive: a refused upload costs the server nothing more (issue 15, finding 1).
 */
export function closeUnreadBodies(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const sentBody = c.req.header('transfer-encoding') !== undefined || Number(c.req.header('content-length') ?? 0) > 0;
    // Read in full only when it was accepted: a refused body (too large, too deep, …) was cut off while being read.
    if (!sentBody || (c.req.raw.bodyUsed && c.res.status < 400)) return;
    try {
      c.res.headers.set('Connection', 'close');
    } catch {
      // immutable headers: the connection is only kept alive
    }
  };
}
