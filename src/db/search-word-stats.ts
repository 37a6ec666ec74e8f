import type { Knex } from 'knex';

/**
 * PostgreSQL: how common the words of a search table's documents are, from the statistics that
 * ANALYZE keeps anyway (pg_stats.most_common_elems: the most common words and the share of rows
 * holding each). A word missing from them is rarer than every word listed. Read at most once a
 * minute per table; autovacuum refreshes them as the table grows.
 */
type WordShares = { read: number; shares: Promise<Map<string, number>> };

const REFRESH_MS = 60_000;
const cache = new WeakMap<Knex, Map<string, WordShares>>();

async function readShares(knex: Knex, table: string): Promise<Map<string, number>> {
  const result = (await knex.raw(
    `SELECT most_common_elems::text::text[] AS words, most_common_elem_freqs AS shares
       FROM pg_stats WHERE schemaname = current_schema() AND tablename = ? AND attname = 'doc'`,
    [table]
  )) as { rows: Array<{ words: string[] | null; shares: number[] | null }> };
  const row = result.rows[0];
  const shares = new Map<string, number>();
  if (row?.words && row.shares) row.words.forEach((word, i) => shares.set(word, Number(row.shares![i])));
  return shares;
}

/** The share of the table's rows (0 to 1) that hold every one of `words`, at most: the rarest word's share. */
export async function wordShare(knex: Knex, table: string, words: string[]): Promise<number> {
  let tables = cache.get(knex);
  if (!tables) cache.set(knex, (tables = new Map()));
  let entry = tables.get(table);
  if (!entry || Date.now() - entry.read > REFRESH_MS) {
    // One read shared by every search that asks meanwhile; a failed read is retried by the next.
    const shares = readShares(knex, table);
    entry = { read: Date.now(), shares };
    tables.set(table, entry);
    shares.catch(() => tables!.delete(table));
  }
  const shares = await entry.shares;
  return Math.min(...words.map((word) => shares.get(word) ?? 0));
}
