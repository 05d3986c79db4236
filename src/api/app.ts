import { OpenAPIHono } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { Paperfeed } from '../service.js';
import { ApiProblem, problem, validationProblem } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { paperRoutes } from './routes/papers.js';

/** The HTTP app: every route validated by its zod schema, every error a problem+json. */
export function createApp(feed: Paperfeed) {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (!result.success) return validationProblem(c, result.target, result.error as unknown as ZodError);
    },
  });

  healthRoutes(app, feed);
  paperRoutes(app, feed);

  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'paperfeed', version: '0.1.0', description: 'Semantic recommendations for research papers' },
  });

  app.notFound((c) => problem(c, 404, `No route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  app.onError((err, c) => {
    if (err instanceof ApiProblem) {
      const res = problem(c, err.status, err.message, err.errors);
      for (const [k, v] of Object.entries(err.headers ?? {})) res.headers.set(k, v);
      return res;
    }
    feed.log(`error on ${c.req.method} ${c.req.path}: ${err.stack ?? err.message}`);
    return problem(c, 500, 'Internal error');
  });
  return app;
}
