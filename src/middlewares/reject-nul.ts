import { errors } from '@strapi/utils';
import type { Context, Next } from 'koa';

/**
 * PostgreSQL cannot store or even compare a NUL character in text: a query that carries one
 * fails with "invalid byte sequence", which would be a 500. No legitimate client sends NUL, so a
 * NUL anywhere in the path, the query string or a JSON body string is refused with a 400 before
 * any route (ours or a plugin's) runs. Runs after strapi::body.
 */
const hasNul = (value: unknown, depth = 0): boolean => {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((item) => hasNul(item, depth + 1));
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || hasNul(item, depth + 1));
};

const decodedPath = (path: string): string => {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

export default () =>
  async (ctx: Context, next: Next): Promise<void> => {
    const body = (ctx.request as { body?: unknown }).body;
    if (decodedPath(ctx.path).includes('\u0000') || hasNul(ctx.query) || hasNul(body)) {
      throw new errors.ValidationError('NUL characters are not allowed');
    }
    await next();
  };
