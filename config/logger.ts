import type { Core } from '@strapi/strapi';
import { formats, winston } from '@strapi/logger';
import { redactCredentials } from '../src/server/log-redaction';

/**
 * LOG_LEVEL (default `http`: requests and up) and LOG_FORMAT: `pretty` (default, for people) or
 * `json` (one JSON object a line with a timestamp, for log collectors in production).
 * Either way, credentials in logged URLs (`?token=`, `?access_token=`, `?jwt=`, `?code=`, …) are
 * replaced by [REDACTED] first (src/server/log-redaction.ts).
 */
const config = ({ env }: Core.Config.Shared.ConfigParams) => ({
  level: env('LOG_LEVEL', 'http'),
  format:
    env('LOG_FORMAT', 'pretty') === 'json'
      ? winston.format.combine(redactCredentials(), winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json())
      : winston.format.combine(redactCredentials(), formats.prettyPrint({ timestamps: 'YYYY-MM-DD HH:mm:ss.SSS' })),
  transports: [new winston.transports.Console()],
  // No check for newer Strapi releases at start-up: versions are pinned and upgraded on purpose.
  updates: { enabled: false },
});

export default config;
