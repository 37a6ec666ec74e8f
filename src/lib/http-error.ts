import createError from 'http-errors';

/**
 * An HTTP error for the statuses Strapi has no error class for (405, 408, 415). It comes from the
 * same http-errors release as @strapi/utils (pinned alike in package.json), so it is an instance of
 * `errors.HttpError`: strapi::errors writes the envelope and does not log it as a server failure.
 */
export function httpError(status: 405 | 408 | 415, message: string, details: Record<string, unknown> = {}): Error {
  return createError(status, message, { details });
}
