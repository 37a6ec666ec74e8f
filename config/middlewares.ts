import type { Core } from '@strapi/strapi';

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Middlewares => [
  'strapi::logger',
  // Outside strapi::errors: rewrites the few plain-text API errors (405, 501) into the envelope.
  'global::error-envelope',
  'strapi::errors',
  // Inside strapi::errors: a database outage answers 503, not 500.
  'global::db-unavailable',
  'strapi::security',
  {
    name: 'strapi::cors',
    config: {
      // Explicit rather than Strapi's default (any origin *with* credentials). Tokens travel in
      // headers, never in cookies, so credentials are not needed across origins.
      origin: env.array('CORS_ORIGIN', ['*']),
      credentials: false,
      headers: ['Content-Type', 'Authorization', 'X-Access-Token', 'Origin', 'Accept'],
    },
  },
  'strapi::poweredBy',
  'strapi::query',
  // Wraps strapi::body so that malformed or oversized bodies answer a quiet 4xx.
  'global::body-errors',
  {
    name: 'strapi::body',
    config: { jsonLimit: '1mb', formLimit: '1mb', textLimit: '1mb' },
  },
  // Both must follow strapi::body: they read the parsed JSON body.
  'global::reject-nul',
  'global::legacy-token',
  'strapi::session',
  'strapi::favicon',
  'strapi::public',
];

export default config;
