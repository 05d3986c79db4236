import type { MiddlewareHandler } from 'hono';
import type { Config } from '../../config.js';
import type { AppEnv } from '../auth.js';

/** 413 for bodies over BODY_LIMIT_BYTES. */
export function bodyLimit(_config: Config): MiddlewareHandler<AppEnv> {
  return async (_c, next) => next();
}

/** 429 with Retry-After past RATE_LIMIT_PER_MINUTE per token (or address); off at 0. */
export function rateLimit(_config: Config): MiddlewareHandler<AppEnv> {
  return async (_c, next) => next();
}
