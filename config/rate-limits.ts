import type { Core } from '@strapi/strapi';

/**
 * Rate limits (src/rate-limit): whether they are on, where their counters live, and every budget.
 * Read at each request (`strapi.config.get('rate-limits')`), so a spec can change a budget at run
 * time; the store (memory, or Redis when REDIS_URL is set) is chosen once, at the first request.
 * Windows are in ms, as RATE_LIMIT_INTERVAL_MS always was; the counters count whole seconds.
 */
const config = ({ env }: Core.Config.Shared.ConfigParams) => {
  const budget = (name: string, max: number, intervalMs: number) => ({
    max: env.int(`RATE_LIMIT_${name}_MAX`, max),
    intervalMs: env.int(`RATE_LIMIT_${name}_INTERVAL_MS`, intervalMs),
  });
  const password = { max: env.int('RATE_LIMIT_MAX', 10), intervalMs: env.int('RATE_LIMIT_INTERVAL_MS', 60_000) };
  return {
    enabled: env.bool('RATE_LIMIT_ENABLED', true),
    redis: {
      url: env('REDIS_URL', ''),
      // A Redis slower than this is treated as down for that request (the limit fails open).
      timeoutMs: env.int('RATE_LIMIT_REDIS_TIMEOUT_MS', 500),
      prefix: env('RATE_LIMIT_REDIS_PREFIX', 'social:rl:'),
    },
    budgets: {
      // Every route that checks a password (src/middlewares/login-rate-limit.ts).
      login: password,
      // The plugin's other /auth/* routes: per route and IP.
      auth: password,
      register: budget('REGISTER', 5, 60 * 60_000),
      posts: budget('POSTS', 30, 30 * 60_000),
      comments: budget('COMMENTS', 60, 30 * 60_000),
      media: budget('MEDIA', 30, 30 * 60_000),
      social: budget('SOCIAL', 300, 30 * 60_000),
      reports: budget('REPORTS', 30, 60 * 60_000),
    },
  };
};

export default config;
