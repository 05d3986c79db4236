import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { ApiDeps } from '../deps.js';
import { sameSecret, type AppEnv } from '../auth.js';
import { SESSION_COOKIE } from '../middleware/session.js';
import { ApiProblem } from '../problem.js';
import { problemResponse } from '../schemas.js';
import { UserId } from './users.js';

const SESSION_DAYS = 30;
const Session = z.object({ user: z.object({ id: UserId, name: z.string() }).nullable() }).openapi('Session');
const json = (description: string) => ({ content: { 'application/json': { schema: Session } }, description });

const signIn = createRoute({
  method: 'post',
  path: '/v1/session',
  tags: ['session'],
  summary: "The dashboard's sign-in: a user id and that user's token become an HttpOnly, SameSite=Strict session cookie",
  description: 'The admin token is refused here: the dashboard is for users. Failed attempts count as failed logins.',
  security: [],
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ userId: UserId, token: z.string().min(1).max(512) }).openapi('SignIn') } },
    },
  },
  responses: {
    200: json('Signed in; the cookie is set'),
    400: problemResponse('Invalid body, or the admin token'),
    401: problemResponse('Unknown user id or token'),
  },
});

const current = createRoute({
  method: 'get',
  path: '/v1/session',
  tags: ['session'],
  summary: 'Who the session cookie signs in (user null when nobody)',
  security: [],
  responses: { 200: json('The signed-in user, or null') },
});

const signOut = createRoute({
  method: 'delete',
  path: '/v1/session',
  tags: ['session'],
  summary: 'Sign out: the session cookie is removed',
  security: [],
  responses: { 200: json('Signed out'), 403: problemResponse('A cross-site request') },
});

/** POST/GET/DELETE /v1/session: the dashboard's sign-in, kept in a cookie page scripts cannot read (finding 4). */
export function sessionRoutes(app: OpenAPIHono<AppEnv>, d: Pick<ApiDeps, 'adminToken' | 'users' | 'config'>): void {
  app.openapi(signIn, async (c) => {
    const { userId, token } = c.req.valid('json');
    if (sameSecret(token, d.adminToken)) {
      throw new ApiProblem(400, 'The admin token cannot sign in to the dashboard: use a user token (POST /v1/users)', [
        { field: 'body.token', message: 'the admin token is not a user token' },
      ]);
    }
    if ((await d.users.userForToken(token)) !== userId) {
      throw new ApiProblem(401, 'Unknown user id or token', [{ field: 'body.token', message: 'unknown user id or token' }]);
    }
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: (d.config.PUBLIC_URL ?? '').startsWith('https:'),
      maxAge: SESSION_DAYS * 86_400,
    });
    return c.json({ user: { id: userId, name: (await d.users.get(userId))!.name } }, 200);
  });

  app.openapi(current, async (c) => {
    const p = c.get('principal');
    const user = p.kind === 'user' && c.get('sessionToken') !== undefined ? await d.users.get(p.userId) : undefined;
    return c.json({ user: user ? { id: user.id, name: user.name } : null }, 200);
  });

  app.openapi(signOut, (c) => {
    deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict' });
    return c.json({ user: null }, 200);
  });
}
