import type { Core } from '@strapi/strapi';
import { cleanUpMedia } from '../src/api/media/services/clean-up';

/**
 * Strapi's cron (config/server.ts, `cron.enabled`). Every node schedules the tasks; each task
 * takes a PostgreSQL advisory lock first, so one node at a time runs it.
 */
export default {
  mediaCleanUp: {
    task: async ({ strapi }: { strapi: Core.Strapi }) => {
      await cleanUpMedia(strapi);
    },
    // Every hour, at a minute no other hourly job of the app uses.
    options: { rule: process.env.MEDIA_CLEANUP_CRON || '17 * * * *' },
  },
};
