import path from 'node:path';
import type { Core } from '@strapi/strapi';
import type { Context, Next } from 'koa';
import { enforce, settingsOf } from './limits';

/**
 * Stands in for users-permissions' own `plugin::users-permissions.rateLimit` (koa2-ratelimit, in
 * each process's memory), so the plugin's /auth/* routes share the app's mechanism and, with
 * Redis, every node's counters. The `auth` budget (RATE_LIMIT_MAX per RATE_LIMIT_INTERVAL_MS)
 * per route and client IP. Unlike the plugin, the body's `email` is not part of the key: varying
 * it would give a fresh budget on every request.
 */
const routeOf = (ctx: Context): string => {
  const normalized = path.posix.normalize(typeof ctx.request.path === 'string' ? ctx.request.path : '/');
  return normalized.toLowerCase().replace(/\/+$/, '') || '/';
};

export const authRateLimit =
  (_config: unknown, { strapi }: { strapi: Core.Strapi }) =>
  async (ctx: Context, next: Next): Promise<void> => {
    const settings = settingsOf(strapi);
    if (settings?.enabled) await enforce(strapi, ctx, [{ name: 'auth', budget: settings.budgets.auth, key: `${routeOf(ctx)}:${ctx.request.ip}` }]);
    await next();
  };
