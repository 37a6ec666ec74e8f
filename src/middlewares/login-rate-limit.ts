import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context, Next } from 'koa';
import { RateLimit } from 'koa2-ratelimit';

/**
 * Rate limit for POST /users/login, on the same store and settings as the plugin's /auth/local
 * (`plugin::users-permissions.ratelimit`): at most `max` attempts per `interval` for one IP and
 * one email, and `perIpFactor` times that for one IP over all emails, so cycling through emails
 * does not escape the limit either. Turned off with RATE_LIMIT_ENABLED=false.
 */
type RateLimitConfig = { enabled?: boolean; interval?: number; max?: number };

const emailOf = (body: unknown): string => {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const value = record.email ?? record.identifier;
  return typeof value === 'string' ? value.trim().toLowerCase() : '';
};

export default (config: { perIpFactor?: number }, { strapi }: { strapi: Core.Strapi }) => {
  const perIpFactor = config?.perIpFactor ?? 3;
  const limiter = (ctx: Context, prefixKey: string, max: number, interval: number) =>
    RateLimit.middleware({
      interval,
      max,
      prefixKey,
      handler() {
        throw new errors.RateLimitError();
      },
    });

  return async (ctx: Context, next: Next): Promise<void> => {
    const settings = (strapi.config.get('plugin::users-permissions.ratelimit') ?? {}) as RateLimitConfig;
    if (settings.enabled === false) return next();
    const interval = settings.interval ?? 60_000;
    const max = settings.max ?? 10;
    const ip = ctx.request.ip;
    const perIp = limiter(ctx, `login:ip:${ip}`, max * perIpFactor, interval);
    const perEmail = limiter(ctx, `login:email:${emailOf(ctx.request.body)}:${ip}`, max, interval);
    await perIp(ctx, () => perEmail(ctx, next));
  };
};
