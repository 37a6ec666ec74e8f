import { STATUS_CODES } from 'node:http';
import type { Context, Next } from 'koa';

/**
 * Some 4xx answers of the API are written below Strapi's error handling, as plain text: the
 * router's 405 Method Not Allowed (e.g. DELETE /api/posts/), or its 501 for a method it does not
 * know at all (TRACE, PROPFIND, M-SEARCH). Clients expect every API error as JSON in Strapi's
 * envelope, so such answers are rewritten into it, and a 501 becomes the 405 it is: the server
 * did not fail, the method is not allowed here (with the `Allow` header of what is).
 */
const isEnvelope = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && 'error' in body && (body as { data?: unknown }).data === null;

export default () =>
  async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.status < 400 || !ctx.path.startsWith('/api/') || isEnvelope(ctx.body)) return;
    let message = typeof ctx.body === 'string' && ctx.body ? ctx.body : undefined;
    if (ctx.status === 501) {
      ctx.status = 405;
      message = `${ctx.method} is not allowed on this path`;
    }
    const phrase = STATUS_CODES[ctx.status] ?? 'Error';
    const allow = ctx.response.get('Allow');
    if (ctx.status === 405 && !allow) ctx.set('Allow', '');
    ctx.body = {
      data: null,
      error: {
        status: ctx.status,
        name: `${phrase.replace(/[^A-Za-z]/g, '')}Error`,
        message: message ?? phrase,
        details: allow ? { allow: allow.split(/,\s*/) } : {},
      },
    };
  };
