import crypto from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { Users } from '../store/ports.js';
import { ApiProblem } from './problem.js';

export type Principal = { kind: 'admin' } | { kind: 'user'; userId: string } | { kind: 'anonymous' };
/** `sessionToken`: the token of the dashboard's session cookie, once middleware/session.ts accepted it. */
export type AppEnv = { Variables: { principal: Principal; sessionToken?: string; accessChecked?: string } };

/** Equal-length digests compared in constant time, so response timing says nothing about the admin token. */
export function sameSecret(a: string, b: string): boolean {
  const da = crypto.createHash('sha256').update(a).digest();
  const db = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(da, db);
}

/**
 * Resolves `Authorization: Bearer <token>` to a principal. No header → anonymous (public routes still work);
 * a header with an unknown token → 401, so a client with a typo'd token learns it at once.
 */
export function authenticate(adminToken: string, users: Pick<Users, 'userForToken'>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const session = c.get('sessionToken');
    const header = c.req.header('authorization') ?? (session !== undefined ? `Bearer ${session}` : undefined);
    let principal: Principal = { kind: 'anonymous' };
    if (header !== undefined) {
      const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
      if (!match) throw new ApiProblem(401, 'Authorization must be "Bearer <token>"', [{ field: 'header.authorization', message: 'malformed' }], { 'WWW-Authenticate': 'Bearer' });
      const token = match[1];
      const userId = sameSecret(token, adminToken) ? null : await users.userForToken(token);
      if (userId === null) principal = { kind: 'admin' };
      else if (userId) principal = { kind: 'user', userId };
      else throw new ApiProblem(401, 'Unknown token', [{ field: 'header.authorization', message: 'unknown token' }], { 'WWW-Authenticate': 'Bearer' });
    }
    c.set('principal', principal);
    await next();
  };
}

export function requireAdmin(c: Context<AppEnv>): void {
  const p = c.get('principal');
  if (p.kind === 'anonymous') throw new ApiProblem(401, 'This route needs the admin token', undefined, { 'WWW-Authenticate': 'Bearer' });
  if (p.kind !== 'admin') throw new ApiProblem(403, 'This route needs the admin token');
}

/**
 * Admin, or the user `uid` themself. Anyone else gets the same 404 as for a user that does not exist, so a
 * token can neither read another user's data nor learn which user ids exist.
 */
export async function requireUserAccess(c: Context<AppEnv>, uid: string, users: Pick<Users, 'get'>): Promise<void> {
  if (c.get('accessChecked') === uid) return; // checked already for this request (body reading comes after it)
  const p = c.get('principal');
  if (p.kind === 'anonymous') throw new ApiProblem(401, 'This route needs a bearer token', undefined, { 'WWW-Authenticate': 'Bearer' });
  const allowed = p.kind === 'admin' || (p.kind === 'user' && p.userId === uid);
  if (!allowed || !(await users.get(uid))) throw new ApiProblem(404, `No user "${uid}"`, [{ field: 'param.uid', message: 'unknown user' }]);
  c.set('accessChecked', uid);
}

/**
 * requireUserAccess for the :uid of a route, as middleware: it runs before body and query validation, so a caller
 * without access learns nothing, not even which fields are wrong. Hono hands over the percent-decoded uid, so encoded
 * variants of an id are the same user.
 */
export const ownUserOnly =
  (users: Pick<Users, 'get'>): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    await requireUserAccess(c, c.req.param('uid') ?? '', users);
    await next();
  };

/** requireAdmin as middleware. */
export const adminOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  requireAdmin(c);
  await next();
};
