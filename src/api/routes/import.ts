import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { LIBRARY_FORMATS } from '../../library/entry.js';
import { importLibrary, LibraryFileProblem } from '../../library/import.js';
import { MAX_LIBRARY_ENTRIES } from '../../library/parse.js';
import { ownUserOnly, type AppEnv } from '../auth.js';
import { collectionOf, toApiOwnPaper } from '../collection-access.js';
import type { ApiDeps } from '../deps.js';
import { readLimited } from '../middleware/json-body.js';
import { ApiProblem } from '../problem.js';
import { PaperId, PaperSchema, problemResponse } from '../schemas.js';
import { UserId } from './users.js';

/** The largest library file taken (5 MB: some 10,000 BibTeX entries with abstracts; MAX_LIBRARY_ENTRIES caps entries). */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;
/** Imports running at once on this server; more get a 503 to retry (each parses in a thread and embeds). */
export const MAX_CONCURRENT_IMPORTS = 2;

const Where = { key: z.string().openapi({ description: 'The citation key, RIS ID, CSL id, or "#n" / "record n"' }), line: z.number().int().optional() };
const ImportReportSchema = z
  .object({
    format: z.enum(LIBRARY_FORMATS),
    entries: z.number().int(),
    into: z.union([z.object({ stars: z.literal(true) }), z.object({ collectionId: z.string() })]),
    matched: z.array(z.object({ ...Where, paperId: z.string(), by: z.enum(['arxiv', 'doi', 'title', 'own']) })),
    added: z.array(z.object({ ...Where, paperId: z.string(), title: z.string() })).openapi({ description: "New own papers: private to this user, they shape the user's feeds" }),
    skipped: z.array(z.object({ ...Where, title: z.string().nullable(), reason: z.string() })),
    newInTarget: z.number().int().openapi({ description: 'Papers that were not in the stars (or the collection) before' }),
  })
  .openapi('ImportReport');

const fileBody = { schema: z.string().openapi({ format: 'binary' }) };
const importRoute = createRoute({
  method: 'post',
  path: '/v1/users/{uid}/import',
  tags: ['users'],
  summary: 'Import a library (BibTeX, RIS or CSL-JSON, as Zotero or Mendeley export it) into the stars or a collection',
  description:
    'The file is the request body (UTF-8). Each entry is matched to a stored paper by arXiv id, then DOI, then normalised ' +
    "title; an unmatched entry with an abstract becomes one of the user's own papers (private: never listed to others, " +
    "never in search or trending; it shapes the user's feeds like a star). All or nothing: a file at fault is refused " +
    `whole (400 naming the entry and line), nothing written. At most ${IMPORT_MAX_BYTES} bytes and ${MAX_LIBRARY_ENTRIES} entries.`,
  security: [{ bearer: [] }],
  request: {
    params: z.object({ uid: UserId }),
    query: z.object({
      format: z.enum(LIBRARY_FORMATS).optional().openapi({ description: "The file's format; told from its first characters when absent" }),
      collection: z.string().min(1).max(200).optional().openapi({ description: 'Into this collection of the user, instead of the stars' }),
    }),
    body: {
      required: true,
      content: { 'application/x-bibtex': fileBody, 'application/x-research-info-systems': fileBody, 'application/vnd.citationstyles.csl+json': fileBody, 'text/plain': fileBody },
    },
  },
  responses: {
    200: { content: { 'application/json': { schema: ImportReportSchema } }, description: 'What happened to every entry' },
    400: problemResponse('A file at fault (the entry and line named), or an invalid query'),
    401: problemResponse('No or unknown bearer token'),
    404: problemResponse('No such user (or not yours), or no such collection'),
    413: problemResponse(`Larger than ${IMPORT_MAX_BYTES} bytes`),
    503: problemResponse('Too many imports running; retry shortly'),
  },
});

const ownParams = z.object({ uid: UserId });
const ownProblems = { 401: problemResponse('No or unknown bearer token'), 404: problemResponse('No such user (or not yours), or no such own paper') };
const listOwn = createRoute({
  method: 'get',
  path: '/v1/users/{uid}/own-papers',
  tags: ['users'],
  summary: "The user's own papers (added by library imports; private to the user), newest first",
  security: [{ bearer: [] }],
  request: { params: ownParams },
  responses: { 200: { content: { 'application/json': { schema: z.object({ items: z.array(PaperSchema) }).openapi('OwnPapers') } }, description: 'Own papers' }, ...ownProblems },
});
const deleteOwn = createRoute({
  method: 'delete',
  path: '/v1/users/{uid}/own-papers/{paperId}',
  tags: ['users'],
  summary: 'Delete one of your own papers (and it from your stars and collections)',
  security: [{ bearer: [] }],
  request: { params: ownParams.extend({ paperId: PaperId }) },
  responses: { 200: { content: { 'application/json': { schema: z.object({ deleted: z.literal(true) }) } }, description: 'Deleted' }, ...ownProblems },
});

export function importRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'users' | 'papers' | 'library' | 'model' | 'config'>): void {
  app.use('/v1/users/:uid/import', ownUserOnly(d.users));
  app.use('/v1/users/:uid/own-papers', ownUserOnly(d.users));
  app.use('/v1/users/:uid/own-papers/*', ownUserOnly(d.users));

  app.openapi(listOwn, async (c) => {
    const { uid } = c.req.valid('param');
    return c.json({ items: (await d.library.ownPapers(uid)).map(toApiOwnPaper) }, 200);
  });

  app.openapi(deleteOwn, async (c) => {
    const { uid, paperId } = c.req.valid('param');
    if (!(await d.library.deleteOwnPaper(uid, paperId))) {
      throw new ApiProblem(404, `You have no own paper "${paperId}"`, [{ field: 'param.paperId', message: 'not an own paper of this user' }]);
    }
    return c.json({ deleted: true as const }, 200);
  });
  let running = 0;

  // The documented route has the file as its body; the route served has none declared, so no validator reads the
  // body: the handler reads it itself, after the access check, with its own size limit.
  app.openAPIRegistry.registerPath(importRoute);
  const { body: _body, ...request } = importRoute.request;
  app.openapi({ ...importRoute, request, hide: true }, async (c) => {
    const { uid } = c.req.valid('param');
    const { format, collection } = c.req.valid('query');
    if (collection !== undefined) await collectionOf(d.library, uid, collection).catch(() => {
      throw new ApiProblem(404, `No collection "${collection}"`, [{ field: 'query.collection', message: 'unknown collection' }]);
    });
    const limit = Math.min(IMPORT_MAX_BYTES, d.config.BODY_LIMIT_BYTES);
    const declared = c.req.header('content-length');
    if (declared !== undefined && /^\d+$/.test(declared.trim()) && Number(declared) > limit) {
      throw new ApiProblem(413, `The library file is larger than ${limit} bytes`, [{ field: 'body', message: `at most ${limit} bytes` }]);
    }
    if (running >= MAX_CONCURRENT_IMPORTS) throw new ApiProblem(503, 'Other imports are running; retry shortly', undefined, { 'Retry-After': '5' });
    running++;
    try {
      const bytes = c.req.raw.body ? await readLimited(c.req.raw.body, limit, Infinity) : new Uint8Array(0);
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new ApiProblem(400, 'The library file is not valid UTF-8', [{ field: 'body', message: 'not valid UTF-8' }]);
      }
      if (!text.trim()) throw new ApiProblem(400, 'The library file is empty', [{ field: 'body', message: 'empty' }]);
      const report = await importLibrary({ papers: d.papers, library: d.library, model: d.model }, { userId: uid, text, format: format ?? null, collectionId: collection });
      return c.json(report, 200);
    } catch (err) {
      if (!(err instanceof LibraryFileProblem)) throw err;
      const { message, entry, line } = err.error;
      const at = [entry !== undefined ? `entry "${entry}"` : '', line !== undefined ? `line ${line}` : ''].filter(Boolean).join(', ');
      const field = /say which with \?format/.test(message) ? 'query.format' : 'body';
      throw new ApiProblem(400, message, [{ field, message: at ? `${at}: ${message}` : message }]);
    } finally {
      running--;
    }
  });
}
