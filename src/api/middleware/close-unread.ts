import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../auth.js';

/**
 * Answers a request whose body was sent but never read (no route, no access, too large, a route that takes none)
 * with `Connection: close`, so Node closes the socket instead of reading and discarding the rest (up to megabytes)
 * to keep the connection alive: a refused upload costs the server nothing more (issue 15, finding 1).
 */
export function closeUnreadBodies(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const sentBody = c.req.header('transfer-encoding') !== undefined || Number(c.req.header('content-length') ?? 0) > 0;
    if (!sentBody || c.req.raw.bodyUsed) return;
    try {
      c.res.headers.set('Connection', 'close');
    } catch {
      // immutable headers: the connection is only kept alive
    }
  };
}
