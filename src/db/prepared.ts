import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { isPostgres } from './dialect';

/**
 * On PostgreSQL, runs a hot query as a named prepared statement. The pg driver prepares it once
 * per connection, and PostgreSQL can then reuse a plan: on the post read, planning took ~0.3 ms
 * against ~0.04 ms of execution per query (EXPLAIN ANALYZE, docs/PERFORMANCE.md).
 *
 * The query is only flagged here; src/db/connection/postgres.ts names it from its SQL text when knex
 * hands it to the connection (compiling it a second time here cost ~20 µs a query). A name is a
 * hash of the text, so two texts never share one, which pg refuses. Only for queries whose text
 * does not vary with the data (`= ANY(?)` rather than IN lists). SQLite: the query is unchanged
 * (its statements are cached by text anyway, src/db/connection/sqlite.ts).
 */
export const PREPARE_FLAG = 'socialPrepared';

export function prepared<Q extends Knex.QueryBuilder | Knex.Raw>(strapi: Core.Strapi, query: Q): Q {
  if (!isPostgres(strapi)) return query;
  return (query as Knex.QueryBuilder).options({ [PREPARE_FLAG]: true }) as unknown as Q;
}
