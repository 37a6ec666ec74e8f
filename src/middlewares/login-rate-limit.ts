import type { Core } from '@strapi/strapi';
import type { Context, Next } from 'koa';
import { repositories } from '../db/repositories';
import { enforce, settingsOf } from '../rate-limit/limits';

/**
 * One password-guessing budget across every route that checks a password: POST /users/login,
 * the plugin's POST /auth/local and /auth/change-password, DELETE /users/users. The keys name the
 * account (resolved to its id, so an email and a username of one account share it) and the IP,
 * never the route: ten failures on /users/login leave none for /auth/local. Per window (the
 * `login` budget, RATE_LIMIT_MAX per RATE_LIMIT_INTERVAL_MS):
 * - `max` attempts per account from one IP;
 * - `perIpFactor` × max per IP over all accounts (cycling through accounts does not escape);
 * - `perAccountFactor` × max per account over all IPs (a spread-out guess at one account).
 * The three are counted by the app's one mechanism (src/rate-limit/limits.ts): shared by every
 * node when REDIS_URL is set. Turned off with RATE_LIMIT_ENABLED=false.
 */
type Config = { perIpFactor?: number; perAccountFactor?: number };

const identifierOf = (body: unknown): string => {
  const record = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const value = record.email ?? record.identifier;
  return typeof value === 'string' ? value.normalize('NFC').trim().toLowerCase() : '';
};

export default (config: Config, { strapi }: { strapi: Core.Strapi }) => {
  const perIpFactor = config?.perIpFactor ?? 3;
  const perAccountFactor = config?.perAccountFactor ?? 10;

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
    const settings = settingsOf(strapi);
    if (!settings?.enabled) return next();
    const { max, intervalMs } = settings.budgets.login;
    const ip = ctx.request.ip;
    const account = await accountOf(ctx);
    await enforce(strapi, ctx, [
      { name: 'login', budget: { max, intervalMs }, key: `account:${account}:${ip}` },
      { name: 'login-ip', budget: { max: max * perIpFactor, intervalMs }, key: ip },
      { name: 'login-account', budget: { max: max * perAccountFactor, intervalMs }, key: account },
    ]);
    await next();
  };
};
