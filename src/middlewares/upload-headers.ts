import type { Context, Next } from 'koa';

/**
 * Every answer under /uploads/ carries `X-Content-Type-Options: nosniff`, and a file whose
 * extension is not one of the image types the API stores is sent as a download
 * (`application/octet-stream` with `Content-Disposition: attachment`), so a browser never runs
 * what it finds there as a page or a script. The API stores only JPEG, PNG, WebP and GIF, with
 * the extension of the type read from their bytes (src/api/media/services/media.ts); the Media
 * Library of the admin panel may store other types.
 */
const IMAGE_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

export default () =>
  async (ctx: Context, next: Next): Promise<void> => {
    if (!ctx.path.startsWith('/uploads/')) return next();
    await next();
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (ctx.status !== 200 && ctx.status !== 206 && ctx.status !== 304) return;
    const ext = ctx.path.slice(ctx.path.lastIndexOf('.')).toLowerCase();
    const type = IMAGE_TYPES[ext];
    if (type) ctx.type = type;
    else {
      ctx.type = 'application/octet-stream';
      ctx.set('Content-Disposition', 'attachment');
    }
  };
