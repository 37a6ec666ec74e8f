import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context, Next } from 'koa';
import { RateLimit } from 'koa2-ratelimit';
import { repositories } from '../db/repositories';

/**
 * One password-guessing budget across every route that checks a password: POST /users/login,
 * the plugin's POST /auth/local and /auth/change-password, DELETE /users/users. The keys name the
 * account (resolved to its id, so an email and a username of one account share it) and the IP,
 * never the route: ten failures on /users/login leave none for /auth/local. Per window
 * (plugin::users-permissions.ratelimit, RATE_LIMIT_*):
 * - `max` attempts per account from one IP;
 * - `perIpFactor` × max per IP over all accounts (cycling through accounts does not escape);
 * - `perAccountFactor` × max per account over all IPs (a spread-out guess at one account).
 * Turned off with RATE_LIMIT_ENABLED=false.
 */
type RateLimitConfig = { enabled?: boolean; interval?: number; max?: number };
type Config = { perIpFactor?: number; perAccountFactor?: number };

const identifierOf = (body: unknown): string => {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const value = record.email ?? record.identifier;
  return typeof value === 'string' ? value.normalize('NFC').trim().toLowerCase() : '';
};

export default (config: Config, { strapi }: { strapi: Core.Strapi }) => {
  const perIpFactor = config?.perIpFactor ?? 3;
  const perAccountFactor = config?.perAccountFactor ?? 10;
  const limiter = (key: string, max: number, interval: number) =>
    RateLimit.middleware({
      interval,
      max,
      prefixKey: key,
      keyGenerator: async () => key,
      handler() {
        throw new errors.RateLimitError();
      },
    });

  /** The account a request is about: the caller, or the user the identifier names (else the identifier itself). */
  const accountOf = async (ctx: Context): Promise<string> => {
    const caller = (ctx.state.user as { id?: number } | undefined)?.id;
    if (caller !== undefined) return `user:${caller}`;
    const identifier = identifierOf(ctx.request.body);
    if (identifier === '') return 'none';
    const id = await repositories(strapi).users.idByIdentifier(identifier);
    return id !== null ? `user:${id}` : `name:${identifier}`;
  };

  return async (ctx: Context, next: Next): Promise<void> => {
    const settings = (strapi.config.get('plugin::users-permissions.ratelimit') ?? {}) as RateLimitConfig;
    if (settings.enabled === false) return next();
    const interval = settings.interval ?? 60_000;
    const max = settings.max ?? 10;
    const ip = ctx.request.ip;
    const account = await accountOf(ctx);
    const perIp = limiter(`login:ip:${ip}`, max * perIpFactor, interval);
    const perAccount = limiter(`login:account:${account}`, max * perAccountFactor, interval);
    const perAccountAndIp = limiter(`login:account:${account}:${ip}`, max, interval);
    await perIp(ctx, () => perAccount(ctx, () => perAccountAndIp(ctx, next)));
  };
};
