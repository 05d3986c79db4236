import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../auth.js';

/**
 * CORS for the origins in CORS_ORIGINS (none by default: then no CORS header is ever sent). Preflights are answered
 * here, before rate limiting and authentication (a browser sends them without credentials). Credentials mode is
 * never allowed: the API authenticates with a bearer header, which a cross-origin app sends itself, so a `*`
 * allow-list can never expose a user's cookies.
 */
export function corsFor(origins: string[]): MiddlewareHandler<AppEnv> {
  if (origins.length === 0) return async (_c, next) => next();
  return cors({
    origin: origins.includes('*') ? '*' : origins,
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type'],
    exposeHeaders: ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'Retry-After', 'Location'],
    credentials: false,
    maxAge: 600,
  });
}
