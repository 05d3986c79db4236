import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Paperfeed } from '../../service.js';
import type { AppEnv } from '../auth.js';

export function topicsRoutes(_app: OpenAPIHono<AppEnv>, _feed: Paperfeed): void {
  // filled in by the topics work
}
