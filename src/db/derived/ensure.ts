import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { dialectOf, q } from '../dialect';
import { tables } from '../tables';
import { dropTrigger, existingTriggers, triggerNames, triggerStatements } from '../triggers';
import {
  DERIVED,
  DERIVED_VERSION,
  TRIGGER_PREFIX,
  analyzedTables,
  plannerHintStatements,
  backfillStatements,
  createTableStatements,
  dropTableNames,
  listIndexStatements,
  triggerSpecs,
} from './definitions';
import { DEFAULT_THRESHOLDS, type FeedThresholds } from './home-timeline';
import { blockTriggerSpecs } from './blocks';
import { searchAnalyzedTables, searchBackfillStatements, searchDropTableNames, searchIndexStatements, searchTableStatements, searchTriggerSpecs } from './search';

type State = { version: number; pullFollowers: number; pullPosts: number };

async function storedState(knex: Knex): Promise<State | null> {
  try {
    const row = await knex(DERIVED.state).select('version', 'pull_followers', 'pull_posts').where('id', 1).first();
    return row ? { version: Number(row.version), pullFollowers: Number(row.pull_followers), pullPosts: Number(row.pull_posts) } : null;
  } catch {
    return null; // the table does not exist yet, or is from a version without these columns
  }
}

/** The feed thresholds from config/feed.ts, whole numbers of at least 1. */
export function feedThresholds(strapi: Core.Strapi): FeedThresholds {
  const read = (key: string, fallback: number): number => {
    const value = Number(strapi.config.get(`feed.${key}`, fallback));
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`feed.${key} must be a whole number of at least 1, not ${value}`);
    return value;
  };
  return { pullFollowers: read('pullFollowers', DEFAULT_THRESHOLDS.pullFollowers), pullPosts: read('pullPosts', DEFAULT_THRESHOLDS.pullPosts) };
}


/**
 * Makes the derived tables (counters and ordered indexes, see definitions.ts) exist, with their
 * triggers, and be exact. Runs in bootstrap(), after Strapi's schema sync and, on PostgreSQL,
 * under the start-up lock. If anything is missing or from another version, it rebuilds all of it
 * in one transaction: drop, create, recount from the source tables, create the triggers. On
 * PostgreSQL the source tables are locked against writes meanwhile (other nodes wait, they do not
 * write uncounted rows). Otherwise it costs two catalogue reads.
 */
export async function ensureDerivedTables(strapi: Core.Strapi): Promise<{ rebuilt: boolean; ms: number }> {
  const started = Date.now();
  const dialect = dialectOf(strapi);
  const knex = strapi.db.connection as Knex;
  const t = tables(strapi);
  const thresholds = feedThresholds(strapi);
  // The search indexes (search.ts) are derived tables like the others: same version, same rebuild.
  // So are the follows a block removes (blocks.ts).
  const specs = [...triggerSpecs(t, thresholds, dialect), ...searchTriggerSpecs(t, dialect, TRIGGER_PREFIX), ...blockTriggerSpecs(t, TRIGGER_PREFIX)];

  for (const sql of listIndexStatements(t)) await knex.raw(sql);
  const [state, triggers] = await Promise.all([storedState(knex), existingTriggers(knex, dialect, TRIGGER_PREFIX)]);
  const present = new Set(triggers.map((trigger) => trigger.name));
  const current =
    state?.version === DERIVED_VERSION && state.pullFollowers === thresholds.pullFollowers && state.pullPosts === thresholds.pullPosts;
  if (current && specs.every((spec) => triggerNames(dialect, spec).every((name) => present.has(name)))) {
    return { rebuilt: false, ms: Date.now() - started };
  }

  await knex.transaction(async (trx) => {
    const run = async (sql: string) => {
      await trx.raw(sql);
    };
    if (dialect === 'postgres') {
      const sources = [
        t.posts,
        t.comments,
        t.users,
        t.likes.table,
        t.follows.table,
        t.postAuthor.table,
        t.commentPost.table,
        t.commentAuthor.table,
        t.blocks.table,
        t.mutes.table,
        t.reports,
        t.reportPost.table,
        t.reportComment.table,
      ];
      await run(`LOCK TABLE ${sources.map(q).join(', ')} IN SHARE MODE`);
    }
    for (const trigger of await existingTriggers(trx, dialect, TRIGGER_PREFIX)) await dropTrigger(trx, dialect, trigger);
    for (const name of [...searchDropTableNames(), ...dropTableNames()]) await run(`DROP TABLE IF EXISTS ${q(name)}`);
    for (const sql of [...createTableStatements(dialect), ...searchTableStatements(dialect)]) await run(sql);
    for (const sql of plannerHintStatements(dialect)) await run(sql);
    for (const sql of [...backfillStatements(t, thresholds), ...searchBackfillStatements(t, dialect)]) await run(sql);
    for (const sql of searchIndexStatements(dialect)) await run(sql);
    for (const spec of specs) for (const sql of triggerStatements(dialect, spec)) await run(sql);
    await trx(DERIVED.state).insert({ id: 1, version: DERIVED_VERSION, pull_followers: thresholds.pullFollowers, pull_posts: thresholds.pullPosts });
  });
  // Statistics of the new rows, after the commit (an ANALYZE inside would hold the source locks longer).
  for (const table of [...analyzedTables(), ...searchAnalyzedTables(dialect)]) await knex.raw(`ANALYZE ${q(table)}`);

  const ms = Date.now() - started;
  strapi.log.info(`Counters and ordered indexes rebuilt and recounted in ${ms} ms.`);
  return { rebuilt: true, ms };
}
