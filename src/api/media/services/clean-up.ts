import type { Core } from '@strapi/strapi';
import { whenLockFree } from '../../../db/advisory-lock';
import { repositories } from '../../../db/repositories';
import { mediaRules } from './media';

/** Any constant of this app's, different from the start-up lock's. */
export const CLEANUP_LOCK_KEY = 731_522_015;
const DAY_MS = 24 * 60 * 60 * 1000;
const BATCH = 200;

/**
 * Deletes the API's uploads attached to nothing for MEDIA_ORPHAN_HOURS (24 by default), and those
 * whose uploader's account is gone, files in every format included, in batches. One node at a
 * time (a PostgreSQL advisory lock): a node that finds the lock taken skips this run. Returns how
 * many uploads it deleted, or null when another node held the lock.
 */
export async function cleanUpMedia(strapi: Core.Strapi, now = new Date()): Promise<number | null> {
  const hours = Number(process.env.MEDIA_ORPHAN_HOURS ?? 24);
  const cutoff = new Date(now.getTime() - (Number.isFinite(hours) && hours >= 0 ? hours * 3_600_000 : DAY_MS));
  const { media } = repositories(strapi);
  let deleted = 0;
  const ran = await whenLockFree(strapi, CLEANUP_LOCK_KEY, 'media-clean-up', async () => {
    const tried = new Set<number>();
    for (;;) {
      const ids = await media.expired(cutoff, BATCH);
      // An upload that could not be deleted (its store failed) waits for the next run.
      if (ids.length === 0 || ids.some((id) => tried.has(id))) break;
      for (const id of ids) tried.add(id);
      await mediaRules(strapi).deleteFiles(ids);
      deleted += ids.length;
      if (ids.length < BATCH) break;
    }
  });
  if (!ran) return null;
  if (deleted > 0) strapi.log.info(`Media clean-up: deleted ${deleted} upload(s) attached to nothing.`);
  return deleted;
}
