import type { Core } from '@strapi/strapi';
import { requireSecret } from '../src/utils/secrets';

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Admin => ({
  auth: { secret: requireSecret('ADMIN_JWT_SECRET') },
  apiToken: { salt: requireSecret('API_TOKEN_SALT') },
  transfer: { token: { salt: requireSecret('TRANSFER_TOKEN_SALT') } },
  secrets: { encryptionKey: requireSecret('ENCRYPTION_KEY') },
  flags: {
    nps: env.bool('FLAG_NPS', false),
    promoteEE: env.bool('FLAG_PROMOTE_EE', false),
  },
});

export default config;
