import { errors } from '@strapi/utils';
import createError from 'http-errors';
import type { Context, Next } from 'koa';

/**
 * Keeps the message of a 401 or 403 that a controller or service throws ("Only the author can
 * delete this post"). Strapi's authorize step (@strapi/core, compose-endpoint.js) wraps the whole
 * rest of the route in a try/catch that turns any `ForbiddenError` into a bare `ctx.forbidden()`
 * and any `UnauthorizedError` into `ctx.unauthorized()`, dropping the message: deleting someone
 * else's post answered the same "Forbidden" as sending no token. Rethrown as the http-errors
 * error of the same status, it passes that catch and strapi::errors writes it with the same
 * status and name (`ForbiddenError`, `UnauthorizedError`), now with its message and details.
 * A `PolicyError` already passes through and is left alone.
 *
 * Every contract route runs it first among its route middlewares (src/lib/routes.ts).
 */
export default () =>
  async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      if (error instanceof errors.PolicyError) throw error;
      if (error instanceof errors.ForbiddenError) throw createError(403, error.message, { details: error.details ?? {} });
      if (error instanceof errors.UnauthorizedError) throw createError(401, error.message, { details: error.details ?? {} });
      throw error;
    }
  };
