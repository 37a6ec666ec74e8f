import type { Core } from '@strapi/strapi';
import type { Context, Next } from 'koa';

/**
 * Clients of the original app send their token in an `x-access-token` header or as a `token`
 * field of a JSON body. Both are turned into the `Authorization: Bearer` header that
 * users-permissions reads, but only when the request has no Authorization header of its own.
 * A token in the query string is never read: it would leak into access logs.
 */
const pickLegacyToken = (ctx: Context): string | undefined => {
  const header = ctx.request.headers['x-access-token'];
  if (typeof header === 'string' && header.trim() !== '') return header.trim();
  const body: unknown = (ctx.request as { body?: unknown }).body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const token = (body as Record<string, unknown>).token;
    if (typeof token === 'string' && token.trim() !== '') return token.trim();
  }
  return undefined;
};

export default (_config: unknown, _ctx: { strapi: Core.Strapi }) =>
  async (ctx: Context, next: Next): Promise<void> => {
    if (!ctx.request.headers.authorization) {
      const token = pickLegacyToken(ctx);
      if (token) ctx.request.headers.authorization = `Bearer ${token}`;
    }
    await next();
  };
