import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { dialectOf, q } from './dialect';
import { tables } from './tables';
import { syncTriggers, type TriggerSpec } from './triggers';

/**
 * The moderation queue's index: one row per reported item with open reports, its number of open
 * reports and its oldest open report, kept by triggers in the writer's transaction (a report
 * filed, its status changed, a report or its item deleted), so the queue's first page is an index
 * range scan over (open_count DESC, first_at, kind, item_id) instead of a GROUP BY over every open
 * report. Each trigger recomputes the rows of the items it touches from the reports themselves.
 * Idempotent; run from bootstrap() under the startup lock; made and backfilled once.
 */
export const MODERATION_QUEUE = 'social_moderation_queue';
const PREFIX = 'social_modq_';
const VERSION = 'v1_';

type Link = { table: string; owner: string; target: string };

/** Upserts the rows of the items `ids` (a SQL subquery or list of item ids) and drops those with no open report. */
function recompute(kind: 'post' | 'comment', link: Link, reports: string, ids: string): string[] {
  const l = (c: string) => `l.${q(c)}`;
  return [
    `INSERT INTO ${q(MODERATION_QUEUE)} (kind, item_id, open_count, first_at)
       SELECT '${kind}', ${l(link.target)}, COUNT(*), MIN(r.created_at)
         FROM ${q(link.table)} l JOIN ${q(reports)} r ON r.id = ${l(link.owner)}
        WHERE ${l(link.target)} IN (${ids}) AND r.state = 'open'
        GROUP BY ${l(link.target)}
       ON CONFLICT (kind, item_id) DO UPDATE SET open_count = excluded.open_count, first_at = excluded.first_at`,
    `DELETE FROM ${q(MODERATION_QUEUE)} WHERE kind = '${kind}' AND item_id IN (${ids})
       AND NOT EXISTS (SELECT 1 FROM ${q(link.table)} l JOIN ${q(reports)} r ON r.id = ${l(link.owner)}
                        WHERE ${l(link.target)} = ${q(MODERATION_QUEUE)}.item_id AND r.state = 'open')`,
  ];
}

function specs(strapi: Core.Strapi): TriggerSpec[] {
  const t = tables(strapi);
  const out: TriggerSpec[] = [];
  for (const [kind, link] of [['post', t.reportPost], ['comment', t.reportComment]] as const) {
    out.push(
      { name: `${PREFIX}${VERSION}${kind}_link_ins`, table: link.table, events: ['INSERT'], body: recompute(kind, link, t.reports, `NEW.${q(link.target)}`) },
      { name: `${PREFIX}${VERSION}${kind}_link_del`, table: link.table, events: ['DELETE'], body: recompute(kind, link, t.reports, `OLD.${q(link.target)}`) },
      {
        name: `${PREFIX}${VERSION}${kind}_report_upd`,
        table: t.reports,
        events: [{ update: ['state', 'created_at'] }],
        when: `OLD.state IS DISTINCT FROM NEW.state OR OLD.created_at IS DISTINCT FROM NEW.created_at`,
        body: recompute(kind, link, t.reports, `SELECT ${q(link.target)} FROM ${q(link.table)} WHERE ${q(link.owner)} = NEW.id`),
      }
    );
  }
  return out;
}

export async function ensureModerationQueue(strapi: Core.Strapi): Promise<void> {
  const knex: Knex = strapi.db.connection;
  const dialect = dialectOf(strapi);
  const t = tables(strapi);
  const fresh = !(await knex.schema.hasTable(MODERATION_QUEUE));
  if (fresh) {
    const time = dialect === 'postgres' ? 'timestamp(6)' : 'bigint';
    await knex.transaction(async (trx) => {
      await trx.raw(`CREATE TABLE ${q(MODERATION_QUEUE)} (kind varchar(16) NOT NULL, item_id integer NOT NULL, open_count integer NOT NULL, first_at ${time}, PRIMARY KEY (kind, item_id))`);
      await trx.raw(`CREATE INDEX ${q(`${MODERATION_QUEUE}_order`)} ON ${q(MODERATION_QUEUE)} (open_count DESC, first_at, kind, item_id)`);
    });
  }
  await syncTriggers(knex, dialect, PREFIX, specs(strapi));
  if (fresh) {
    // Backfill once, after the triggers exist (a report filed meanwhile upserts its own row).
    for (const [kind, link] of [['post', t.reportPost], ['comment', t.reportComment]] as const) {
      const [insert] = recompute(kind, link, t.reports, `SELECT ${q(link.target)} FROM ${q(link.table)}`);
      await knex.raw(insert);
    }
  }
}
