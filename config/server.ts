import type { Core } from '@strapi/strapi';
import tasks from './cron-tasks';

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
  // GET /api/openapi.json: the OpenAPI 3.1 description of the API, for anyone (it describes
  // routes, never data). Strapi's file cache is off: the app generates the document once, in
  // memory (src/openapi/install.ts), so a file left by an older build is never served.
  openapi: { 'content-api': { access: 'public', cache: { enabled: false } } },
  // The clean-up of uploads attached to nothing (config/cron-tasks.ts); CRON_ENABLED=false turns it off.
  cron: { enabled: env.bool('CRON_ENABLED', true), tasks },
});

export default config;
