import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './auth.js';

type Doc = ReturnType<OpenAPIHono<AppEnv>['getOpenAPI31Document']>;
type Json = Record<string, unknown>;
type Operation = {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: Json[];
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses?: Record<string, unknown>;
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
/** Probes and the scraper are never rate limited (middleware/limits.ts). */
const NOT_LIMITED = new Set(['/healthz', '/readyz', '/metrics']);
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });

/** getV1PapersIdSimilar for GET /v1/papers/{id}/similar: unique, stable, derived from the route. */
function operationIdFor(method: string, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

/**
 * A request body's schema, inlined into the operation when no other part of the document refers to it.
 * openapi-typescript treats a property with a default as always present (right for responses), except under a
 * requestBody: inlined there, fields with defaults come out optional for the client, as they are for the server.
 */
function inlineBodySchema(media: { schema?: Json }, doc: Doc, components: Record<string, Json>): void {
  const ref = media.schema?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/components/schemas/')) return;
  const name = ref.slice('#/components/schemas/'.length);
  const uses = JSON.stringify(doc).split(`"${ref}"`).length - 1;
  if (uses !== 1 || !components[name]) return;
  media.schema = { title: name, ...components[name] };
  delete components[name];
}

/**
 * The generated document, finished for linters and client generators (redocly's `recommended` rules,
 * openapi-typescript): the server (PUBLIC_URL), an operationId on every operation, `security: []` on the public
 * ones, the 413 and 429 answers every route can give, fields with defaults optional on input, the license. Done here, once, for every
 * route, so route files only describe what is particular to them.
 */
export function finishForClients(doc: Doc, license: { name: string; url: string }, serverUrl: string): Doc {
  doc.info.license = license;
  doc.servers = [{ url: serverUrl, description: 'This service (PUBLIC_URL)' }];
  const components = (doc.components?.schemas ?? {}) as Record<string, Json>;
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Operation | undefined>)[method];
      if (!op) continue;
      op.operationId ??= operationIdFor(method, path);
      op.security ??= [];
      op.responses ??= {};
      if (op.requestBody) {
        op.responses['413'] ??= problem('The body is larger than this route takes');
        op.responses['415'] ??= problem('The body is not sent as application/json');
        for (const media of Object.values(op.requestBody.content ?? {})) inlineBodySchema(media, doc, components);
      }
      if (!NOT_LIMITED.has(path)) op.responses['429'] ??= problem('Rate limit or failed-login limit reached; see Retry-After');
      if (!Object.keys(op.responses).some((status) => status.startsWith('4'))) op.responses['400'] = problem('A malformed request (e.g. its Host header)');
      for (const p of op.parameters ?? []) if (p.required === true && p.in === 'query' && (p.schema as Json | undefined)?.default !== undefined) p.required = false;
    }
  }
  return doc;
}
