import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../auth.js';
import { ApiProblem } from '../problem.js';

const JSON_MEDIA = /^application\/([\w.-]+\+)?json$/i;

/** Nesting depth any of our request bodies needs is 4 ({papers:[{authors:[…]}]}); this leaves room and no more. */
export const MAX_JSON_DEPTH = 32;

export interface JsonBodyOptions {
  /** Largest body in bytes: 413 beyond, at once from Content-Length or while a chunked body streams in. */
  limit: number;
  /** Deepest nesting of arrays and objects: 400 beyond, found by a byte scan before anything is parsed. */
  maxDepth?: number;
}

const tooLarge = (limit: number) =>
  new ApiProblem(413, `The request body is larger than ${limit} bytes`, [{ field: 'body', message: `at most ${limit} bytes` }]);

/**
 * Tracks the nesting depth of JSON text fed to it in chunks: a linear scan of the bytes that skips strings (bytes of
 * multi-byte UTF-8 never equal these ASCII ones). `feed` says whether the text so far nests deeper than `maxDepth`,
 * so a body like `[[[[…` is refused after its first bytes, before the rest is even read, where JSON.parse would
 * build millions of levels first (seconds of a blocked event loop).
 */
export class DepthScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxDepth: number) {}

  feed(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === 0x5c) this.escaped = true;
        else if (b === 0x22) this.inString = false;
      } else if (b === 0x22) this.inString = true;
      else if (b === 0x5b || b === 0x7b) {
        if (++this.depth > this.maxDepth) return true;
      } else if (b === 0x5d || b === 0x7d) this.depth--;
    }
    return false;
  }
}

const tooDeep = (maxDepth: number) =>
  new ApiProblem(400, `The JSON body nests deeper than ${maxDepth} levels`, [{ field: 'body', message: `nested deeper than ${maxDepth} levels` }]);

/**
 * Reads a body stream into memory, refusing it as soon as it passes `limit` bytes (whatever Content-Length said)
 * or nests deeper than `maxDepth`: either way the rest is never read.
 */
export async function readLimited(stream: ReadableStream<Uint8Array>, limit: number, maxDepth: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const depth = new DepthScanner(maxDepth);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    const refusal = size > limit ? tooLarge(limit) : depth.feed(value) ? tooDeep(maxDepth) : undefined;
    if (refusal) {
      await reader.cancel().catch(() => {});
      throw refusal;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * The body of a route that takes JSON, read and parsed once, with this route's size and nesting limits. Register
 * it per route, after the route's access check, so nobody's body is read before they are known to be allowed,
 * and no body is read at all for routes that take none (or do not exist). Anything but application/json is a 415,
 * a body that does not parse a 400, both problem+json naming the part at fault.
 */
export function jsonBody({ limit, maxDepth = MAX_JSON_DEPTH }: JsonBodyOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const req = c.req.raw;
    const declared = c.req.header('content-length');
    if (declared !== undefined && /^\d+$/.test(declared.trim()) && Number(declared) > limit) throw tooLarge(limit);
    const contentType = c.req.header('content-type');
    const isJson = contentType !== undefined && JSON_MEDIA.test(contentType.split(';')[0].trim());
    if (!isJson && (req.body !== null || contentType !== undefined)) {
      throw new ApiProblem(415, 'Send the body as application/json', [{ field: 'header.content-type', message: 'expected application/json' }]);
    }

    const bytes = req.body ? await readLimited(req.body, limit, maxDepth) : new Uint8Array(0);
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (err) {
      const reason = err instanceof SyntaxError ? err.message : 'not valid UTF-8';
      throw new ApiProblem(400, `Malformed JSON in request body: ${reason}`, [{ field: 'body', message: 'malformed JSON' }]);
    }
    // Hono keeps parsed bodies as promises in bodyCache (typed loosely); the route's validator reads it from there.
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const cache = c.req.bodyCache as Record<string, Promise<unknown>>;
    cache.arrayBuffer = Promise.resolve(buffer);
    cache.json = Promise.resolve(parsed);
    return next();
  };
}
