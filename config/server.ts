import type { Core } from '@strapi/strapi';

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Server => ({
  host: env('HOST', '0.0.0.0'),
  port: env.int('PORT', 1337),
  app: { keys: env.array('APP_KEYS', []) },
  // The public URL (e.g. https://api.example.com) used for links and the admin panel's API calls.
  url: env('PUBLIC_URL', ''),
  // Behind a reverse proxy, trust X-Forwarded-For/-Proto/-Host: client IPs (rate limits, logs)
  // and https detection then come from the proxy's headers.
  // Only the last PROXY_HOPS addresses of X-Forwarded-For are trusted (those our own proxies
  // appended), so a client cannot pick its rate-limit key by sending the header itself.
  proxy: { koa: env.bool('TRUST_PROXY', false), maxIpsCount: env.int('PROXY_HOPS', 1) },
});

export default config;
