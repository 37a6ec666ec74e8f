import type { Core } from '@strapi/strapi';
import { seedDefaultPermissions } from './bootstrap/permissions';

export default {
  register(_: { strapi: Core.Strapi }) {},

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    await seedDefaultPermissions(strapi);
  },
};
