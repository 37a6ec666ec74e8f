import type { Core } from '@strapi/strapi';
import type { Context, Next } from 'koa';
import { callerOf, enforce, settingsOf, type RouteBudget } from '../rate-limit/limits';

/**
 * `global::rate-limit` with `{ budget }`: one unit of that budget (config/rate-limits.ts) per
 * request, per caller (the user with a token, the client IP without). A route middleware, so it
 * runs after authentication and the permission check: a refused request spends nothing.
 * Routes of the route table get it from their `rateLimit` field (src/lib/routes.ts).
 */
export default (config: { budget: RouteBudget }, { strapi }: { strapi: Core.Strapi }) => {
  const { budget } = config;
  if (!budget) throw new Error('global::rate-limit needs a budget');
  return async (ctx: Context, next: Next): Promise<void> => {
    const settings = settingsOf(strapi);
    if (settings?.enabled) await enforce(strapi, ctx, [{ name: budget, budget: settings.budgets[budget], key: callerOf(ctx) }]);
    await next();
  };
};
