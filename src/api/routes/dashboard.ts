import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Paperfeed } from '../../service.js';
import type { AppEnv } from '../auth.js';

export function dashboardRoutes(_app: OpenAPIHono<AppEnv>, _feed: Paperfeed): void {
  // filled in by the dashboard work
}
