declare module 'koa2-ratelimit' {
  import type { Middleware } from 'koa';

  export type RateLimitOptions = {
    interval?: number | Record<string, number>;
    max?: number;
    prefixKey?: string;
    handler?: (ctx: unknown, next: unknown) => unknown;
    keyGenerator?: (ctx: unknown) => Promise<string> | string;
  };

  export const RateLimit: { middleware(options: RateLimitOptions): Middleware };
}
