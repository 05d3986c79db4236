import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { problemResponse, WindowQuery } from '../schemas.js';

const CalendarSchema = z
  .object({
    oldest: z.string().nullable().openapi({ description: 'The oldest published date in the store (YYYY-MM-DD)' }),
    newest: z.string().nullable().openapi({ description: 'The newest published date: default windows end here, not at the wall clock' }),
    days: z.array(z.object({ date: z.string(), papers: z.number().int() })).openapi({ description: 'Every day with papers, oldest first' }),
  })
  .openapi('Calendar');

const getCalendar = createRoute({
  method: 'get',
  path: '/v1/calendar',
  tags: ['papers'],
  summary: 'The days that have papers, with counts: what the date pages (?date=, ?week=, ?month=) step through',
  request: { query: z.object({ category: WindowQuery.category }) },
  responses: {
    200: { content: { 'application/json': { schema: CalendarSchema } }, description: 'The calendar of published dates' },
    400: problemResponse('Invalid category'),
  },
});

/** GET /v1/calendar. */
export function calendarRoutes(app: OpenAPIHono<AppEnv>, { papers }: Pick<ApiDeps, 'papers'>): void {
  app.openapi(getCalendar, async (c) => {
    const { category } = c.req.valid('query');
    const days = await papers.papersPerDay(category);
    return c.json({ oldest: days[0]?.date ?? null, newest: days.at(-1)?.date ?? null, days }, 200);
  });
}
