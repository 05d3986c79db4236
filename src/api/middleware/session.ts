import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Users } from '../../store/ports.js';
import type { AppEnv } from '../auth.js';
import { ApiProblem } from '../problem.js';

/** The dashboard's session: the user's token in an HttpOnly cookie, so no page script can read it. */
export const SESSION_COOKIE = 'pf_session';
/** Sent by the dashboard on every call; a custom header no other site can add without a CORS preflight we refuse. */
export const CSRF_HEADER = 'X-Paperfeed-CSRF';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Signs in requests that carry the dashboard's session cookie (and no Authorization header): `authenticate` then
 * sees the cookie's token as if it were a bearer token. The cookie is SameSite=Strict, and a state-changing
 * request signed in by it must also carry CSRF_HEADER and, when the browser sent one, an Origin of ours (the
 * request's own or PUBLIC_URL's). A cookie whose token is no longer valid is ignored (the request is anonymous).
 */
export function sessionCookie(users: Pick<Users, 'userForToken'>, publicUrl: () => string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token === undefined || c.req.header('authorization') !== undefined || !(await users.userForToken(token))) return next();
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin');
      const ours = [new URL(c.req.url).origin, publicUrl() && new URL(publicUrl()!).origin];
      if (c.req.header(CSRF_HEADER) !== '1' || (origin !== undefined && !ours.includes(origin))) {
        throw new ApiProblem(403, `A request signed in by the dashboard's session cookie must come from the dashboard (${CSRF_HEADER} header, same origin)`, [
          { field: `header.${CSRF_HEADER.toLowerCase()}`, message: 'missing, or a cross-site request' },
        ]);
      }
    }
    c.set('sessionToken', token);
    await next();
  };
}
