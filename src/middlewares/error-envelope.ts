import { STATUS_CODES } from 'node:http';
import type { Context, Next } from 'koa';

/**
 * Some 4xx answers of the API are written below Strapi's error handling, as plain text: the
 * router's 405 Method Not Allowed (e.g. DELETE /api/posts/), or 501. Clients expect every API
 * error as JSON in Strapi's envelope, so such answers are rewritten into it.
 */
const isEnvelope = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && 'error' in body && (body as { data?: unknown }).data === null;

export default () =>
  async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.status < 400 || !ctx.path.startsWith('/api/') || isEnvelope(ctx.body)) return;
    const phrase = STATUS_CODES[ctx.status] ?? 'Error';
    const allow = ctx.response.get('Allow');
    ctx.body = {
      data: null,
      error: {
        status: ctx.status,
        name: `${phrase.replace(/[^A-Za-z]/g, '')}Error`,
        message: typeof ctx.body === 'string' && ctx.body ? ctx.body : phrase,
        details: allow ? { allow: allow.split(/,\s*/) } : {},
      },
    };
  };
