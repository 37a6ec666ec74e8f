import type { Core } from '@strapi/strapi';
import type { Context, Next } from 'koa';

/**
 * When the database is unreachable, answer 503 in Strapi's envelope instead of a 500: the
 * request is fine, the service is not. Requests fail within DATABASE_CONNECTION_TIMEOUT (the
 * pool's acquire timeout) rather than hanging, and the pool reconnects by itself when the
 * database comes back, without a restart.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN']);
// PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now, connection failures (08xxx).
const PG_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string } | null;
  if (!e) return false;
  if (e.name === 'KnexTimeoutError') return true;
  if (e.code && (NETWORK_CODES.has(e.code) || PG_CODES.has(e.code))) return true;
  return /Connection terminated|connection (?:is )?closed|Timeout acquiring a connection/i.test(e.message ?? '');
}

/**
 * users-permissions turns any error while it loads the caller or the Public role's permissions
 * into "not authenticated", so a database outage would answer 401 to every request, and clients
 * would log their users out. A 401 is therefore checked against the database first (one cheap
 * query, on 401s only).
 */
async function databaseIsDown(strapi: Core.Strapi): Promise<boolean> {
  try {
    await strapi.db.connection.raw('select 1');
    return false;
  } catch (error) {
    return isDatabaseUnavailable(error);
  }
}

const answer503 = (strapi: Core.Strapi, ctx: Context, reason: string) => {
  strapi.log.warn(`Database unavailable: ${reason} (${ctx.method} ${ctx.path} answered 503)`);
  ctx.status = 503;
  ctx.set('Retry-After', '5');
  ctx.body = {
    data: null,
    error: { status: 503, name: 'ServiceUnavailableError', message: 'The database is unavailable; try again shortly', details: {} },
  };
};

export default (_config: unknown, { strapi }: { strapi: Core.Strapi }) =>
  async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      return answer503(strapi, ctx, (error as Error).message);
    }
    // Strapi writes the authentication failure as a 401 answer (ctx.unauthorized), not a throw.
    if (ctx.status === 401 && (await databaseIsDown(strapi))) {
      answer503(strapi, ctx, 'the caller could not be loaded');
    }
  };
