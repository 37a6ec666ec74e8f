import { httpError } from '../lib/http-error';
import type { Context, Next } from 'koa';

/**
 * Strapi's body parser accepts multipart/form-data on every path and writes each part to the
 * temporary folder before any route runs. Here multipart is refused with 415, before a byte of
 * the body is read, everywhere but on the routes that take files (config.routes: "METHOD regex"
 * entries, e.g. the Media Library's `POST /upload`). On those, strapi::body's formidable limits
 * the size while the parts stream in, and global::temp-files removes every part afterwards.
 */
type Config = { routes?: string[] };
type Rule = { method: string; path: RegExp };

const parse = (entry: string): Rule => {
  const [method, pattern] = entry.trim().split(/\s+/, 2);
  return { method: method.toUpperCase(), path: new RegExp(pattern) };
};

export default (config: Config) => {
  const rules = (config?.routes ?? []).map(parse);
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.is('multipart') && !rules.some((rule) => rule.method === ctx.method && rule.path.test(ctx.path))) {
      // Nothing was read: the client should not keep sending a body nobody wants.
      ctx.set('Connection', 'close');
      throw httpError(415, 'multipart/form-data is accepted only by routes that take files; send JSON');
    }
    await next();
  };
};
