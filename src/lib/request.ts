import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';

/** The authenticated caller's id, or undefined for a Public request. */
export function viewerId(ctx: Context): number | undefined {
  const user = ctx.state.user as { id?: number } | undefined;
  return user?.id;
}

/** For routes only Authenticated should reach: a role that grants them to Public still gets no data. */
export function requireViewer(ctx: Context): number {
  const id = viewerId(ctx);
  if (id === undefined) {
    throw new errors.UnauthorizedError(
      'This route acts for a logged-in user: send the header "Authorization: Bearer <jwt>", with the jwt from POST /api/users/login.'
    );
  }
  return id;
}

/**
 * Runs Strapi's own query validation for the content type the route reads, so a caller cannot
 * filter, sort or populate on private fields (password, reset tokens) even where we ignore them.
 */
export async function validateQuery(strapi: Core.Strapi, ctx: Context, uid: string): Promise<void> {
  // Nothing to validate in an empty query string: the common case skips Strapi's validator.
  if (Object.keys(ctx.query).length === 0) return;
  const schema = strapi.getModel(uid as never);
  await strapi.contentAPI.validate.query(ctx.query as Record<string, unknown>, schema, {
    auth: ctx.state.auth,
  });
}

/** The authenticated caller's id and documentId, or a 401 for a Public request. */
export function callerOf(ctx: Context): { id: number; documentId: string } {
  requireViewer(ctx);
  const user = ctx.state.user as { id: number; documentId: string };
  return { id: user.id, documentId: user.documentId };
}
