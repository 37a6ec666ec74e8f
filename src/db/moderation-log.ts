import type { Core } from '@strapi/strapi';
import { isPostgres } from './dialect';

/**
 * The moderation audit log: one row per decision (who, what, which item, the note, when). It is a
 * plain table, not a content type, so the Content Manager never offers it for editing: moderators
 * read it through the console's read-only routes and nothing in the app updates or deletes a row.
 * `detail` holds JSON (a suspension's list of the items it hid, so an unblock restores exactly those).
 *
 * Idempotent; run from bootstrap() under the startup lock.
 */
export const MODERATION_LOG = 'social_moderation_log';

/**
 * PostgreSQL: a log entry's `detail` as JSON for the statements that write the console's JSON
 * themselves (src/db/repositories/moderation-cards.ts): the parsed value, or the text as a JSON
 * string when it is not JSON (as mapLog reads it), so a row written by hand cannot fail a page.
 */
export const LOG_DETAIL_JSON = 'social_log_detail_json';

export async function ensureModerationLog(strapi: Core.Strapi): Promise<void> {
  const knex = strapi.db.connection;
  if (isPostgres(strapi)) {
    await knex.raw(`CREATE OR REPLACE FUNCTION ${LOG_DETAIL_JSON}(detail text) RETURNS json LANGUAGE plpgsql IMMUTABLE AS $fn$
      BEGIN RETURN detail::json; EXCEPTION WHEN others THEN RETURN to_json(detail); END $fn$`);
  }
  if (await knex.schema.hasTable(MODERATION_LOG)) return;
  await knex.schema.createTable(MODERATION_LOG, (table) => {
    table.increments('id').primary();
    table.timestamp('created_at', { useTz: false }).notNullable();
    table.integer('actor_id').nullable();
    table.string('actor', 255).notNullable();
    table.string('action', 32).notNullable();
    table.string('kind', 16).notNullable();
    table.integer('item_id').notNullable();
    table.integer('user_id').nullable();
    table.string('label', 255).nullable();
    table.text('note').nullable();
    table.text('detail').nullable();
    table.index(['kind', 'item_id', 'id'], 'social_moderation_log_item');
    table.index(['user_id', 'id'], 'social_moderation_log_user');
    table.index(['created_at'], 'social_moderation_log_time');
  });
}
