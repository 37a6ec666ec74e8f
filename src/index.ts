import type { Core } from '@strapi/strapi';
import { ensureAccountRules } from './db/accounts';
import { ensureAuthGeneration } from './db/auth-generation';
import { ensureAdminAuthGeneration } from './db/admin-auth-generation';
import { ensureDerivedTables } from './db/derived/ensure';
import { ensureMediaTables } from './db/repositories/media';
import { ensureNotificationEvents } from './db/notification-events';
import { closeNotificationStreams } from './server/notification-stream';
import { configureContentManagerLayouts, configureModerationViews } from './bootstrap/content-manager-layouts';
import { addModeratorEditedAt, addModeratorMediaFields, seedModeratorRole } from './bootstrap/moderator-role';
import { seedDefaultPermissions } from './bootstrap/permissions';
import { subscribeReportLifecycles } from './bootstrap/report-lifecycles';
import { subscribeModerationLifecycles } from './bootstrap/moderation-lifecycles';
import { ensureModerationLog } from './db/moderation-log';
import { ensureModerationQueue } from './db/moderation-queue';
import { grantModeratorConsole, registerModerationActions } from './moderation/permissions';
import { registerModerationRoutes } from './moderation/routes';
import { showApiLimitsInTheAdmin } from './moderation/admin-limits';
import { correctGeneratedDescriptions } from './openapi/install';
import { installGracefulShutdown } from './server/graceful-shutdown';
import { logUnhandledRejections } from './server/unhandled-rejections';
import { acquireStartupLock, type Release } from './server/startup-lock';
import { assertProductionSecrets } from './server/secrets';
import { useJwtKeyObjects } from './auth/jwt-key';
import { closeRateLimits, startRateLimits } from './rate-limit/limits';

let releaseStartupLock: Release | undefined;

export default {
  async register({ strapi }: { strapi: Core.Strapi }) {
    // Runs before any plugin's bootstrap, so a bad secret is named before anything uses it.
    assertProductionSecrets();
    useJwtKeyObjects(strapi);
    // Before the routes mount: GET /api/openapi.json and `strapi openapi generate` both use it.
    correctGeneratedDescriptions();
    // Held until the end of bootstrap(): schema sync and first-boot seeding never race.
    releaseStartupLock = await acquireStartupLock(strapi);
    // The moderation console: its RBAC actions before the admin's bootstrap cleans unknown ones.
    await registerModerationActions(strapi);
    registerModerationRoutes(strapi);
    showApiLimitsInTheAdmin(strapi);
  },

  async bootstrap({ strapi }: { strapi: Core.Strapi }) {
    try {
      await ensureDerivedTables(strapi);
      await ensureNotificationEvents(strapi);
      await ensureAccountRules(strapi);
      await ensureMediaTables(strapi);
      await seedDefaultPermissions(strapi);
      await seedModeratorRole(strapi);
      await addModeratorMediaFields(strapi);
      await addModeratorEditedAt(strapi);
      await ensureModerationLog(strapi);
      await ensureModerationQueue(strapi);
      await grantModeratorConsole(strapi);
      await configureContentManagerLayouts(strapi);
      await configureModerationViews(strapi);
      await ensureAuthGeneration(strapi);
      await ensureAdminAuthGeneration(strapi);
    } finally {
      await releaseStartupLock?.();
      releaseStartupLock = undefined;
    }
    subscribeReportLifecycles(strapi);
    subscribeModerationLifecycles(strapi);
    logUnhandledRejections(strapi);
    installGracefulShutdown(strapi, Number(process.env.SHUTDOWN_TIMEOUT_MS ?? 25_000));
    // With REDIS_URL: connect now, so an unreachable Redis is logged at start-up.
    startRateLimits(strapi);
  },

  async destroy({ strapi }: { strapi: Core.Strapi }) {
    await closeNotificationStreams(strapi);
    await closeRateLimits(strapi);
  },
};
