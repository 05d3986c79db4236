import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDeps } from './deps.js';
import { adminOnly, ownUserOnly, type AppEnv } from './auth.js';
import { jsonBody } from './middleware/json-body.js';

/** Bodies of the small JSON routes (a user's name, one feedback, up to RECOMMEND_MAX_IDS ids) stay under this. */
export const SMALL_JSON_LIMIT = 1024 * 1024;
/** Room for the JSON around /v1/embed's texts. */
const EMBED_OVERHEAD = 64 * 1024;

/**
 * The only routes whose bodies are read: each with its own size limit (BODY_LIMIT_BYTES, 10 MB by default, only
 * where papers are posted) and its access check first. Every other route, and every path without a route, never
 * reads or parses a body. A route that takes JSON must be listed here (test/fuzz.test.ts checks every documented one).
 */
export function jsonRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'config' | 'users' | 'digests'>): void {
  const { BODY_LIMIT_BYTES, EMBED_MAX_TEXTS, EMBED_MAX_TEXT_CHARS } = d.config;
  const upTo = (n: number) => Math.min(n, BODY_LIMIT_BYTES);
  const ownUser = ownUserOnly(d.users);
  const admin = adminOnly;

  app.on('POST', '/v1/papers', admin, jsonBody({ limit: BODY_LIMIT_BYTES }));
  app.on('POST', '/v1/users', admin, jsonBody({ limit: upTo(SMALL_JSON_LIMIT) }));
  app.on('POST', '/v1/users/:uid/feedback', ownUser, jsonBody({ limit: upTo(SMALL_JSON_LIMIT) }));
  app.on('POST', '/v1/users/:uid/collections', ownUser, jsonBody({ limit: upTo(SMALL_JSON_LIMIT) }));
  // A library file (BibTeX, RIS, CSL-JSON) is read as text by its own route (routes/import.ts), with its own limit.
  app.on('POST', '/v1/session', jsonBody({ limit: upTo(SMALL_JSON_LIMIT) }));
  app.on('POST', '/v1/recommend', jsonBody({ limit: upTo(SMALL_JSON_LIMIT) }));
  app.on('POST', '/v1/similar', jsonBody({ limit: upTo(SMALL_JSON_LIMIT) }));
  if (d.digests) {
    app.on('POST', '/v1/users/:uid/subscriptions', ownUser, jsonBody({ limit: upTo(SMALL_JSON_LIMIT) }));
    app.on('POST', '/v1/subscriptions/trending', jsonBody({ limit: upTo(SMALL_JSON_LIMIT) }));
    app.on('POST', '/v1/subscriptions/manage', jsonBody({ limit: upTo(SMALL_JSON_LIMIT) }));
  }
  app.on('POST', '/v1/embed', jsonBody({ limit: upTo(EMBED_MAX_TEXTS * EMBED_MAX_TEXT_CHARS + EMBED_OVERHEAD) }));
}
