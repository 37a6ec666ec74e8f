import type { Core } from '@strapi/strapi';
import { ensureAuthGeneration } from '../database/derived/auth-generation';
import { ensureDerivedTables } from '../database/derived';
import { ensureAccountRules } from '../database/derived/accounts';
import { configureAdminViews } from './bootstrap/admin-views';
import { seedModeratorRole } from './bootstrap/moderator-role';
import { seedDefaultPermissions } from './bootstrap/permissions';
import { subscribeReportLifecycles } from './bootstrap/report-lifecycles';
import { installGracefulShutdown } from './lifecycle/graceful-shutdown';
import { correctGeneratedDescriptions } from './openapi/install';
import { logUnhandledRejections } from './lifecycle/unhandled-rejections';
import { acquireStartupLock, type Release } from './lifecycle/startup-lock';
import { assertProductionSecrets } from './utils/secrets';
import { useJwtKeyObject } from './auth/jwt-key';

let releaseStartupLock: Release | undefined;

export default {
  async register({ strapi }: { strapi: Core.Strapi }) {
    // Runs before any plugin's bootstrap, so a bad secret is named before anything uses it.
    assertProductionSecrets();
    useJwtKeyObject(strapi);
    // Before the routes mount: GET /api/openapi.json and `strapi openapi generate` both use it.
    correctGeneratedDescriptions();
    // Held until the end of bootstrap(): schema sync and first-boot seeding never race.
    releaseStartupLock = await acquireStartupLock(strapi);
  },

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    try {
      await ensureDerivedTables(strapi);
      await ensureAccountRules(strapi);
      await seedDefaultPermissions(strapi);
      await seedModeratorRole(strapi);
      await configureAdminViews(strapi);
      await ensureAuthGeneration(strapi);
    } finally {
      await releaseStartupLock?.();
      releaseStartupLock = undefined;
    }
    subscribeReportLifecycles(strapi);
    logUnhandledRejections(strapi);
    installGracefulShutdown(strapi, Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 25_000));
  },
};
