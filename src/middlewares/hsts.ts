import type { Context, Next } from 'koa';

/**
 * Strict-Transport-Security only on answers to requests that came over TLS: directly, or through
 * a proxy we trust (TRUST_PROXY, which makes `ctx.secure` read X-Forwarded-Proto). Sent over plain
 * HTTP the header means nothing to a browser, and a development server on http://localhost would
 * teach the browser to refuse plain HTTP to that host for a year. Replaces helmet's
 * unconditional header (strapi::security has `hsts: false`).
 */
type Config = { maxAge?: number; includeSubDomains?: boolean };

export default (config: Config) => {
  const value = `max-age=${config?.maxAge ?? 31_536_000}${config?.includeSubDomains === false ? '' : '; includeSubDomains'}`;
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } finally {
      if (ctx.secure) ctx.set('Strict-Transport-Security', value);
    }
  };
};
