import createError from 'http-errors';

/**
 * 409: the decision was already taken (by another moderator, a moment ago). An http-errors error
 * like src/lib/http-error.ts, so strapi::errors writes Strapi's envelope; details carry the log
 * entry that did it.
 */
export function conflict(message: string, entry: unknown): Error {
  return createError(409, message, { details: { done: entry ?? null } });
}
