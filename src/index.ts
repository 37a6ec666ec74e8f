import type { Core } from '@strapi/strapi';
import { seedDefaultPermissions } from './bootstrap/permissions';
import { assertProductionSecrets } from './utils/secrets';

export default {
  register(_: { strapi: Core.Strapi }) {
    // Runs before any plugin's bootstrap, so a bad secret is named before anything uses it.
    assertProductionSecrets();
  },

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    await seedDefaultPermissions(strapi);
  },
};
