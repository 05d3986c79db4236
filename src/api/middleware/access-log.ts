import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { RequestIdVariables } from 'hono/request-id';
import type { AppEnv } from '../auth.js';

export interface AccessLine {
  time: string;
  level: 'info' | 'warn' | 'error';
  msg: 'request';
  requestId: string;
  method: string;
  /** The route pattern (never the raw path, which may carry ids and keys). */
  route: string;
  status: number;
  ms: number;
}

/**
 * One structured line per request (LOG_FORMAT=json): its id (X-Request-Id, taken from the client when it sent a
 * sane one, else generated, by hono/request-id registered before this), route pattern, status and duration.
 * Queries are left out on purpose: feed keys travel there.
 */
export function accessLog(write: (line: AccessLine) => void): MiddlewareHandler<AppEnv & { Variables: RequestIdVariables }> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = [...matchedRoutes(c)].reverse().find((r) => r.method !== 'ALL')?.path ?? 'unmatched';
      const status = c.res.status;
      write({
        time: new Date().toISOString(),
        level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info',
        msg: 'request',
        requestId: c.get('requestId'),
        method: c.req.method,
        route,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  };
}
