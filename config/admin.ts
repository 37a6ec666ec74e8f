// Secrets default to '' (never to a value): an empty secret is refused at start-up in production
// (src/server/secrets.ts) and by Strapi itself elsewhere.
import type { Core } from '@strapi/strapi';

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Admin => ({
  auth: { secret: env('ADMIN_JWT_SECRET', '') },
  apiToken: { salt: env('API_TOKEN_SALT', '') },
  transfer: { token: { salt: env('TRANSFER_TOKEN_SALT', '') } },
  secrets: { encryptionKey: env('ENCRYPTION_KEY', '') },
  // API-only nodes (and the multi-node tests, which have no admin build) can skip the panel.
  serveAdminPanel: env.bool('SERVE_ADMIN_PANEL', true),
  // No "Set up preview" in the edit views: this backend has no front end to preview in.
  preview: { enabled: false, config: { handler: () => null } },
  flags: {
    nps: env.bool('FLAG_NPS', false),
    promoteEE: env.bool('FLAG_PROMOTE_EE', false),
  },
});

export default config;
