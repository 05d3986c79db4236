import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { PROJECT_ROOT } from '../../config.js';
import type { AppEnv } from '../auth.js';
import { ApiProblem, notFound } from '../problem.js';
import { problemResponse } from '../schemas.js';

/** Where `npm run build:web` (scripts/build-web.ts) writes the bundled dashboard. */
export const WEB_DIST = path.join(PROJECT_ROOT, 'web', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};
// A plain file name: no separators, no leading dot, so no way out of web/dist/assets.
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$/;

// Everything from our own origin; Chart.js draws on a canvas and sets element styles from script (allowed).

interface Loaded {
  mtimeMs: number;
  type: string;
  body: Buffer;
  gzip: Buffer | null;
}
const loaded = new Map<string, Loaded>();

/** Reads a built file (re-read when a rebuild changed it); undefined when it is missing. */
export function load(file: string): Loaded | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  if (!stat.isFile()) return undefined;
  const cached = loaded.get(file);
  if (cached && cached.mtimeMs === stat.mtimeMs) return cached;
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  const body = fs.readFileSync(file);
  const entry = { mtimeMs: stat.mtimeMs, type, body, gzip: /^(text|image\/svg)/.test(type) ? zlib.gzipSync(body) : null };
  loaded.set(file, entry);
  return entry;
}

export function send(c: Context<AppEnv>, f: Loaded, cacheControl: string): Response {
  const headers: Record<string, string> = {
    'Content-Type': f.type,
    'Cache-Control': cacheControl,
    Vary: 'Accept-Encoding',
  };
  if (f.gzip && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
    return c.body(new Uint8Array(f.gzip), 200, { ...headers, 'Content-Encoding': 'gzip' });
  }
  return c.body(new Uint8Array(f.body), 200, headers);
}

export const notBuilt = () => new ApiProblem(503, 'The dashboard is not built: run `npm run build:web` (postinstall and prestart do)');

const pageRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['service'],
  summary: 'The dashboard: trending, topic map, search, similar papers, and a signed-in user\'s feed and stars',
  responses: {
    200: { content: { 'text/html': { schema: z.string() } }, description: 'The dashboard page (works offline: no CDN)' },
    503: problemResponse('The front end has not been built (npm run build:web)'),
  },
});

const assetRoute = createRoute({
  method: 'get',
  path: '/assets/{file}',
  tags: ['service'],
  summary: 'Static files of the dashboard (script, styles, icon)',
  request: { params: z.object({ file: z.string().regex(SAFE_NAME, 'expected a file name').openapi({ example: 'app.js' }) }) },
  responses: {
    200: { content: { 'application/octet-stream': { schema: z.string() } }, description: 'The file, with its content type' },
    400: problemResponse('Not a plain file name'),
    404: problemResponse('No such file'),
  },
});

/** GET / (the dashboard page) and GET /assets/{file} (its bundled files, from web/dist). */
export function dashboardRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(pageRoute, (c) => {
    const page = load(path.join(WEB_DIST, 'index.html'));
    if (!page) throw notBuilt();
    return send(c, page, 'no-cache');
  });

  app.openapi(assetRoute, (c) => {
    const { file } = c.req.valid('param');
    const dir = path.join(WEB_DIST, 'assets');
    // Whitelist: only names the build wrote into web/dist/assets, with a known type.
    const known = TYPES[path.extname(file)] !== undefined && fs.existsSync(dir) && fs.readdirSync(dir).includes(file);
    const asset = known ? load(path.join(dir, file)) : undefined;
    if (!asset) throw notFound(`dashboard file "${file}"`, 'param.file');
    // Names are not content-hashed, so browsers revalidate (cheap: the server keeps them in memory).
    return send(c, asset, 'no-cache');
  });
}
