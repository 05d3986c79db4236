import type { Context, MiddlewareHandler } from 'hono';
import type { Collection, Library, OwnPaper, StoredPaper, Users } from '../store/ports.js';
import { requireUserAccess, type AppEnv } from './auth.js';
import { ApiProblem } from './problem.js';
import { paperUrl, toApiPaper } from './schemas.js';

/** The collection of a route's :cid, if it belongs to :uid; the same 404 otherwise, whoever asks. */
export async function collectionOf(library: Pick<Library, 'collection'>, uid: string, cid: string): Promise<Collection> {
  const collection = await library.collection(cid);
  if (!collection || collection.userId !== uid) throw new ApiProblem(404, `No collection "${cid}"`, [{ field: 'param.cid', message: 'unknown collection' }]);
  return collection;
}

/**
 * Who may see a collection: its owner (or the admin), always; anyone with its share key (?key=), for reading only
 * (GET). A key that is not this collection's current one is a 401, the same whatever is wrong with it. Runs before
 * query and body validation, so a caller without access learns nothing else.
 */
export const collectionAccess =
  (users: Pick<Users, 'get'>, library: Pick<Library, 'collection' | 'collectionForShareKey'>): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const uid = c.req.param('uid') ?? '';
    const cid = c.req.param('cid') ?? '';
    const key = c.req.query('key');
    if (c.req.method === 'GET' && key !== undefined) {
      if ((await library.collectionForShareKey(key)) !== cid || (await library.collection(cid))?.userId !== uid) {
        throw new ApiProblem(401, 'Unknown or revoked share key', [{ field: 'query.key', message: 'unknown or revoked share key' }]);
      }
    } else {
      await requireUserAccess(c, uid, users);
      await collectionOf(library, uid, cid);
    }
    await next();
  };

/** True when the request reads a collection through its share key (collectionAccess checked the key). */
export const viaShareKey = (c: Context<AppEnv>) => c.req.method === 'GET' && c.req.query('key') !== undefined;

/** An own (imported) paper as the API shows papers: no categories or upvotes; a link from its DOI. */
export function toApiOwnPaper(p: OwnPaper) {
  return { ...toApiPaper(p), url: p.doi ? paperUrl(p.doi) : null, meta: p.doi ? { doi: p.doi } : {} };
}

/** A stored or own paper for the API. */
export const toApiAnyPaper = (p: StoredPaper | OwnPaper) => ('vector' in p ? toApiOwnPaper(p) : toApiPaper(p));
