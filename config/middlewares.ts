import os from 'node:os';
import type { Core } from '@strapi/strapi';

/**
 * The routes that take files ("METHOD path-regex"): the Media Library's upload and replace (admin
 * panel), the upload plugin's content API route (off for Public and Authenticated by default)
 * and the API's own POST /api/media.
 */
const MULTIPART_ROUTES = ['POST ^/upload/?$', 'POST ^/upload/files/[^/]+/replace/?$', 'POST ^/api/upload/?$', 'POST ^/api/media/?$'];

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Middlewares => [
  'strapi::logger',
  // Outside strapi::errors: rewrites the few plain-text API errors (405, 501) into the envelope.
  'global::error-envelope',
  'strapi::errors',
  // Inside strapi::errors: a database outage answers 503, not 500.
  'global::db-unavailable',
  // helmet's headers, but Strict-Transport-Security only over TLS (global::hsts).
  { name: 'strapi::security', config: { hsts: false } },
  'global::hsts',
  {
    name: 'strapi::cors',
    config: {
      // Explicit rather than Strapi's default (any origin *with* credentials). Tokens travel in
      // headers, never in cookies, so credentials are not needed across origins.
      origin: env.array('CORS_ORIGIN', ['*']),
      credentials: false,
      headers: ['Content-Type', 'Authorization', 'X-Access-Token', 'Origin', 'Accept'],
      // A browser app on another origin may read these answer headers: the cursor lists' Link,
      // and the rate limits' (src/rate-limit).
      expose: ['Link', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset', 'Retry-After'],
    },
  },
  // After strapi::cors, so that their answers carry the CORS headers a browser client needs.
  // A method the route table does not declare for one of its paths: 405 with Allow, before any route runs.
  'global::method-not-allowed',
  // Strapi's bare "Forbidden"/"Unauthorized" answers rewritten to say what happened and what to do.
  'global::explain-denials',
  // No strapi::poweredBy: an X-Powered-By header tells an attacker what to try, and a client nothing.
  'strapi::query',
  // Multipart only where a route takes files; 415 elsewhere, before the body is read.
  { name: 'global::multipart-guard', config: { routes: MULTIPART_ROUTES } },
  // Wraps strapi::body so that malformed, oversized or too slow bodies answer a quiet 4xx.
  'global::body-errors',
  { name: 'global::body-timeout', config: { ms: env.int('BODY_TIMEOUT_MS', 10_000) } },
  {
    name: 'strapi::body',
    config: {
      // DELETE too: DELETE /users/users is confirmed with the password in its body.
      parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
      jsonLimit: '1mb',
      formLimit: '1mb',
      textLimit: '1mb',
      // Multipart (on MULTIPART_ROUTES only): the whole upload is limited while it streams in.
      formidable: {
        maxFileSize: env.int('UPLOAD_MAX_BYTES', 10 * 1024 * 1024),
        maxFields: 20,
        maxFieldsSize: 1024 * 1024,
        uploadDir: env('UPLOAD_TMP_DIR', os.tmpdir()),
      },
    },
  },
  // Removes every temporary file a multipart body left, whatever the answer.
  'global::temp-files',
  // Both must follow strapi::body: they read the parsed JSON body.
  'global::reject-nul',
  'global::legacy-token',
  'strapi::session',
  'strapi::favicon',
  // Files under /uploads: the type of their (checked) extension and nosniff, never a browser's guess.
  'global::upload-headers',
  'strapi::public',
];

export default config;
