import type { Core } from '@strapi/strapi';

/**
 * The limits the Content Manager shows editors are the API's. The schemas keep maxLength at twice
 * the API's limit, because Strapi counts UTF-16 units where the API counts characters (an emoji is
 * one character but two units); the panel would otherwise say "max. 400 characters" for a
 * 200-character title. The content-type descriptions the panel loads (/content-manager/init and
 * /content-manager/content-types…) are answered with the API's limits; the stored schemas and
 * the server's own validation are unchanged.
 */
export const API_LIMITS: Record<string, Record<string, number>> = {
  'api::post.post': { title: 200, description: 10_000 },
  'api::comment.comment': { content: 5_000 },
  'api::report.report': { details: 1_000 },
};

function patch(value: unknown, depth = 0): void {
  if (!value || typeof value !== 'object' || depth > 8) return;
  if (Array.isArray(value)) {
    for (const item of value) patch(item, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  const limits = typeof record.uid === 'string' ? API_LIMITS[record.uid] : undefined;
  const attributes = record.attributes as Record<string, { maxLength?: number }> | undefined;
  if (limits && attributes && typeof attributes === 'object') {
    for (const [field, max] of Object.entries(limits)) if (attributes[field]) attributes[field] = { ...attributes[field], maxLength: max };
  }
  for (const child of Object.values(record)) patch(child, depth + 1);
}

export function showApiLimitsInTheAdmin(strapi: Core.Strapi): void {
  strapi.server.use(async (ctx, next) => {
    await next();
    if (ctx.method !== 'GET' || ctx.status !== 200 || !ctx.path.startsWith('/content-manager/')) return;
    if (!/^\/content-manager\/(init|content-types)/.test(ctx.path)) return;
    patch(ctx.body);
  });
}
