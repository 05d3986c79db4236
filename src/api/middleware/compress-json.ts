import type { MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';

const JSON_TYPES = /^application\/(json|problem\+json)\b/;

/**
 * JSON answers gzipped for clients that send Accept-Encoding, with hono/compress. A request without the header
 * skips it: compress adds `Vary` through c.header(), which on a finished response rebuilds it around its body as a
 * stream, and Node then writes it chunk by chunk — a third of the CPU of a /similar request (BENCHMARKS.md). Here
 * `Vary` goes onto the response's own headers, which keeps the body a string that Node writes at once.
 */
export function compressJson(): MiddlewareHandler {
  const gzip = compress({ encoding: 'gzip', contentTypeFilter: JSON_TYPES });
  return async (c, next) => {
    if (c.req.header('accept-encoding') !== undefined) return gzip(c, next);
    await next();
    if (JSON_TYPES.test(c.res.headers.get('content-type') ?? '') && !/\baccept-encoding\b/i.test(c.res.headers.get('vary') ?? '')) {
      c.res.headers.append('Vary', 'Accept-Encoding');
    }
  };
}
