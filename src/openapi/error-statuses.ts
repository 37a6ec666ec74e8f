import type { Core } from '@strapi/strapi';

/**
 * The error statuses a route can answer, read off the route itself (docs/API.md, "Errors"):
 * - every route: 400 (a bad parameter, body or query: Strapi's query validation runs on every
 *   route), 401 (a bad token, public routes included), 403 (the caller's role may not use the
 *   route, or the item is someone else's) and 503 (the database is unreachable);
 * - a route with a path parameter: 404 (nothing has that id);
 * - a route that takes a body: 413 (over 1 MB) and 415 (multipart, or an unknown encoding);
 * - a rate-limited route, and an event stream (a few per user): 429.
 * Never a 500: the contract promises none, and tests/fuzz.test.ts holds it to that.
 */
export type ErrorStatus = 400 | 401 | 403 | 404 | 413 | 415 | 429 | 503;

export const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'ValidationError (or ApplicationError): a parameter, body field or query key missing, of the wrong type, empty or too long; the message says which',
  401: 'UnauthorizedError: a token that is malformed, forged, expired, or of a deleted or blocked user',
  403: "ForbiddenError: the caller's role may not use this route (e.g. no token), or the item is someone else's",
  404: 'NotFoundError: no such post, comment or user',
  413: 'PayloadTooLargeError: a body over 1 MB',
  415: 'UnsupportedMediaTypeError: a multipart body, or an unknown Content-Encoding',
  429: 'RateLimitError: over the budget of this route; retry after Retry-After seconds (every answer of a limited route carries X-RateLimit-Limit, -Remaining and -Reset)',
  503: 'ServiceUnavailableError: the database is unreachable; retry after Retry-After seconds',
};

const RATE_LIMITS = new Set(['global::login-rate-limit', 'global::rate-limit', 'plugin::users-permissions.rateLimit']);

/** A middleware's name: a string, or `{ name, config }` (how routes get `global::rate-limit` and its budget). */
const nameOf = (middleware: unknown): string | undefined =>
  typeof middleware === 'string' ? middleware : (middleware as { name?: string } | null)?.name;

/** A route of the route table with a `rateLimit` budget (src/lib/routes.ts), or a route with a limiter middleware. */
const isRateLimited = (route: Core.RouteInput & { rateLimit?: string }): boolean =>
  route.rateLimit !== undefined || (route.config?.middlewares ?? []).some((middleware) => RATE_LIMITS.has(nameOf(middleware) ?? ''));

export function errorStatusesOf(route: Core.RouteInput): ErrorStatus[] {
  const statuses: ErrorStatus[] = [400, 401, 403];
  if (route.path.includes(':')) statuses.push(404);
  if (route.request?.body) statuses.push(413, 415);
  if (isRateLimited(route) || (route as { eventStream?: boolean }).eventStream) statuses.push(429);
  statuses.push(503);
  return statuses;
}
