import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export interface ProblemField {
  field: string;
  message: string;
}

/** The reason phrase of a status, as problem bodies and status lines carry it. */
export const problemTitle = (status: number): string => TITLES[status] ?? 'Error';

/** The JSON text of an RFC 9457 problem: every error this server sends, from Hono or from below it (server.ts). */
export function problemJson(status: number, detail: string, errors?: ProblemField[]): string {
  return JSON.stringify({ type: 'about:blank', title: problemTitle(status), status, detail, ...(errors ? { errors } : {}) });
}

/** An RFC 9457 problem+json response; `errors` names the fields at fault. */
export function problem(c: Context, status: ContentfulStatusCode, detail: string, errors?: ProblemField[]): Response {
  return c.body(problemJson(status, detail, errors), status, { 'Content-Type': 'application/problem+json' });
}

/** Thrown by handlers; app.onError renders it as problem+json. */
export class ApiProblem extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    detail: string,
    readonly errors?: ProblemField[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

export const notFound = (what: string, field: string) =>
  new ApiProblem(404, `No ${what}`, [{ field, message: 'unknown id' }]);

/** Turns a zod error on request part `where` (query, body, param) into a 400 naming every field at fault. */
export function validationProblem(c: Context, where: string, error: ZodError): Response {
  const errors = error.issues.map((i) => ({
    field: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return problem(c, 400, `Invalid request: ${detail}`, errors);
}
