import type { Core } from '@strapi/strapi';

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Server => ({
  host: env('HOST', '0.0.0.0'),
  port: env.int('PORT', 1337),
  app: { keys: env.array('APP_KEYS', []) },
  // The public URL (e.g. https://api.example.com) used for links and the admin panel's API calls.
  url: env('PUBLIC_URL', ''),
  // Behind a reverse proxy, trust X-Forwarded-For/-Proto/-Host: client IPs (rate limits, logs)
  // and https detection then come from the proxy's headers.
  proxy: { koa: env.bool('TRUST_PROXY', false) },
});

export default config;
