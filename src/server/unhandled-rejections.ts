import type { Core } from '@strapi/strapi';

/**
 * Strapi's Document Service emits its entry.create/update events after the commit, from a promise
 * nobody awaits: it re-reads the entry with every relation populated, for webhooks. If the
 * database drops in that moment, the rejection is unhandled and Node's default ends the process,
 * taking every request in flight with it (tests/db-outage.test.ts saw it: `select … from up_users
 * left join posts_liked_by_lnk … Connection terminated unexpectedly`). A rejected promise leaves
 * no half-done state behind, so it is logged, with its stack, and the server carries on.
 */
export function logUnhandledRejections(strapi: Core.Strapi): void {
  process.on('unhandledRejection', (reason) => {
    const detail = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
    strapi.log.error(`Unhandled promise rejection (the server keeps running): ${detail}`);
  });
}
