import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import Redis from 'ioredis';
import type { Context } from 'koa';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Every rate limit of the app, on one mechanism (rate-limiter-flexible): fixed windows counted in
 * this process's memory by default, or in Redis when REDIS_URL is set, so that every node spends
 * the same budget (an atomic INCR + expiry, one round trip per budget). Settings: config/rate-limits.ts.
 *
 * Redis unreachable or slower than RATE_LIMIT_REDIS_TIMEOUT_MS: the request is served without a
 * limit (fail open; never a 5xx), and a warning is logged once per outage. ioredis reconnects by
 * itself; the first answer from Redis ends the outage and sharing resumes.
 */

/** The budgets a route can be given (ContractRoute.rateLimit); `login` and `auth` belong to the /auth routes. */
export const ROUTE_BUDGETS = ['register', 'posts', 'comments', 'media', 'social', 'reports'] as const;
export type RouteBudget = (typeof ROUTE_BUDGETS)[number];
export type BudgetName = RouteBudget | 'login' | 'auth';

export type Budget = { max: number; intervalMs: number };
export type RateLimitSettings = {
  enabled: boolean;
  redis: { url: string; timeoutMs: number; prefix: string };
  budgets: Record<BudgetName, Budget>;
};

/** What one budget says about one request. */
export type Verdict = { limit: number; remaining: number; msBeforeReset: number; allowed: boolean };

/**
 * One unit to spend under `key` (a caller: `user:<id>`, `ip:<address>`, or finer) of a budget:
 * `name` (the counters' namespace) and its size.
 */
export type Spend = { name: string; budget: Budget; key: string };

export const settingsOf = (strapi: Core.Strapi): RateLimitSettings => strapi.config.get('rate-limits') as RateLimitSettings;

/** The caller a per-caller budget counts: the user with a token, else the client IP. */
export const callerOf = (ctx: Context): string => {
  const id = (ctx.state.user as { id?: number } | undefined)?.id;
  return id !== undefined ? `user:${id}` : `ip:${ctx.request.ip}`;
};

class RateLimits {
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  private readonly redis: Redis | undefined;
  private down = false;
  /** Until the first connection is up, a request that finds Redis not ready yet is no outage. */
  private everReady = false;

  constructor(
    private readonly strapi: Core.Strapi,
    private readonly settings: RateLimitSettings['redis']
  ) {
    if (!settings.url) return;
    this.redis = new Redis(settings.url, {
      // Never queue a command while disconnected, never retry one: a request must not wait for Redis.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: settings.timeoutMs,
      connectTimeout: Math.max(settings.timeoutMs, 2_000),
      // Reconnect for ever, at most every 2 s.
      retryStrategy: (times) => Math.min(times * 100, 2_000),
    });
    this.redis.on('error', (error: Error) => this.outage(error));
    this.redis.on('ready', () => {
      this.everReady = true;
      this.recovered();
    });
  }

  private outage(error: unknown): void {
    if (this.down) return;
    this.down = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.strapi.log.warn(`Rate limits: Redis is unreachable (${reason}); requests are served without limits until it is back`);
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.strapi.log.info('Rate limits: Redis is back; budgets are shared again');
  }

  /** One limiter per budget and its current size (a spec may change a budget at run time). */
  private limiterFor(name: string, budget: Budget): RateLimiterAbstract {
    const duration = Math.max(1, Math.ceil(budget.intervalMs / 1000));
    const id = `${name}:${budget.max}:${duration}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      const options = { points: budget.max, duration, keyPrefix: `${this.settings.prefix}${name}` };
      limiter = this.redis
        ? new RateLimiterRedis({ ...options, storeClient: this.redis, rejectIfRedisNotReady: true })
        : new RateLimiterMemory(options);
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  /** Spends one unit; null when the store cannot answer (the request goes unlimited). */
  async spend(name: string, budget: Budget, key: string): Promise<Verdict | null> {
    const verdict = (res: RateLimiterRes, allowed: boolean): Verdict => ({
      limit: budget.max,
      remaining: Math.max(0, res.remainingPoints),
      msBeforeReset: Math.max(0, res.msBeforeNext),
      allowed,
    });
    try {
      const res = await this.limiterFor(name, budget).consume(key);
      if (this.down) this.recovered();
      return verdict(res, true);
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        if (this.down) this.recovered();
        return verdict(error, false);
      }
      // Still connecting at start-up: served unlimited, but no warning (a refused connection
      // emits 'error', which does warn).
      if (this.everReady || this.redis?.status === 'end') this.outage(error);
      return null;
    }
  }

  async close(): Promise<void> {
    if (!this.redis) return;
    this.redis.removeAllListeners('error');
    this.redis.on('error', () => {});
    this.redis.disconnect();
  }
}

const instances = new WeakMap<Core.Strapi, RateLimits>();

const limitsOf = (strapi: Core.Strapi): RateLimits => {
  let limits = instances.get(strapi);
  if (!limits) {
    limits = new RateLimits(strapi, settingsOf(strapi).redis);
    instances.set(strapi, limits);
  }
  return limits;
};

/** Connects to Redis (when REDIS_URL is set) at start-up rather than at the first limited request. */
export const startRateLimits = (strapi: Core.Strapi): void => {
  if (settingsOf(strapi).enabled) limitsOf(strapi);
};

export const closeRateLimits = async (strapi: Core.Strapi): Promise<void> => {
  await instances.get(strapi)?.close();
  instances.delete(strapi);
};

/**
 * Spends every unit in `spends` (all of them, in parallel), then answers for the request:
 * X-RateLimit-Limit, -Remaining and -Reset (ISO 8601) of the tightest budget; over any budget, a
 * 429 RateLimitError with Retry-After (seconds). Nothing is set when limits are off or the store is
 * unreachable. Resolves when the request may go on. The caller checks `enabled` first.
 */
export async function enforce(strapi: Core.Strapi, ctx: Context, spends: readonly Spend[]): Promise<void> {
  if (spends.length === 0) return;
  const limits = limitsOf(strapi);
  const verdicts = await Promise.all(spends.map(({ name, budget, key }) => limits.spend(name, budget, key)));
  let tightest: Verdict | undefined;
  let retryMs = 0;
  for (const verdict of verdicts) {
    if (!verdict) continue;
    if (!verdict.allowed) retryMs = Math.max(retryMs, verdict.msBeforeReset);
    // A refusal wins over an allowance, the later refusal over the earlier (its Reset then agrees
    // with Retry-After); among allowances the fewest remaining, then the smaller budget.
    const worse =
      !tightest ||
      (!verdict.allowed && tightest.allowed) ||
      (!verdict.allowed && !tightest.allowed && verdict.msBeforeReset > tightest.msBeforeReset) ||
      (verdict.allowed && tightest.allowed && (verdict.remaining < tightest.remaining || (verdict.remaining === tightest.remaining && verdict.limit < tightest.limit)));
    if (worse) tightest = verdict;
  }
  if (!tightest) return;
  ctx.set('X-RateLimit-Limit', String(tightest.limit));
  ctx.set('X-RateLimit-Remaining', String(tightest.remaining));
  ctx.set('X-RateLimit-Reset', new Date(Date.now() + tightest.msBeforeReset).toISOString());
  if (tightest.allowed) return;
  ctx.set('Retry-After', String(Math.max(1, Math.ceil(retryMs / 1000))));
  throw new errors.RateLimitError();
}
