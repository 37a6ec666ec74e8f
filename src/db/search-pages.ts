import type { Knex } from 'knex';
import type { KeyPart, Position } from '../lib/cursor';
import { keyCondition, keyOrder, readIdPage, type IdPage, type Keyset, type PageRequestLike } from './keyset';

/**
 * How a search reads one page so that its cost stays flat however common the words are
 * (src/db/repositories/search.ts uses these).
 */

/** How many rows of a search table the first plan walks in page order (SEARCH_WALK_ROWS). */
export const walkRows = (): number => {
  const value = Number(process.env.SEARCH_WALK_ROWS);
  return Number.isInteger(value) && value >= 1 ? value : 1000;
};

/**
 * Which plan a PostgreSQL search uses: chosen per search from the data (`auto`), or forced by
 * SEARCH_PLAN=walk|index (the tests run every search both ways; an operator can rule one out).
 */
export function searchPlan(auto: () => Promise<boolean>): Promise<boolean> {
  const forced = process.env.SEARCH_PLAN;
  if (forced === 'walk') return Promise.resolve(true);
  if (forced === 'index') return Promise.resolve(false);
  return auto();
}

export type SearchPageSpec = {
  /** The search table, read under the alias `s`. */
  table: string;
  /** Its columns the page needs (the keyset's, the id, the document). */
  columns: string[];
  /** The words' condition on `s` (bound values only). */
  match: Knex.Raw;
  keyset: Keyset;
  idExpr: string;
  /**
   * Adds the list's joins and visibility rules to a query over `s`. A join must be one that the
   * planner cannot turn into a hash join over the whole table (a LATERAL subquery with OFFSET 0),
   * so that a walk stops after a page.
   */
  finish: (query: Knex.QueryBuilder) => Knex.QueryBuilder;
  /** Runs a built query (as a prepared statement: each plan's shape is fixed, whatever the words). */
  run: (query: Knex.QueryBuilder) => Promise<unknown>;
};

/**
 * PostgreSQL: a search page by whichever of two plans suits the words, decided by the data
 * rather than by the planner's estimate (a word outside the column's statistics counts as 0.5%
 * of rows, so the planner walked all 100,000 posts newest first for a word that is in one, and
 * sorted all 111,000 users whose username starts with "user1"):
 *
 * 1. Walk: at most walkRows() rows of the search table in page order from the position, keeping
 *    the matches. A common word fills the page within a few rows; the walk is conclusive when it
 *    finds more than a page.
 * 2. Otherwise the words are rare here (at most about limit / walkRows() of the rows match): the
 *    GIN index finds every match (a materialized CTE, so it is not walked again) and they are sorted.
 *
 * Either way a page reads at most walkRows() rows plus the rare words' matches. `walkFirst`
 * false goes to the index at once, for words the caller knows to be rare (post search asks the
 * word statistics, src/db/search-word-stats.ts).
 */
export async function walkThenIndex(knex: Knex, spec: SearchPageSpec, request: PageRequestLike, walkFirst: boolean): Promise<IdPage> {
  const { table, columns, match, keyset, idExpr, finish, run } = spec;
  const selected = columns.map((column) => `s.${column}`);

  if (walkFirst) {
    const window = knex(`${table} as s`).select(selected);
    const condition = keyCondition('postgres', keyset, request.position);
    if (condition) window.whereRaw(condition.sql, condition.bindings);
    window.orderByRaw(keyOrder(keyset, request.position)).limit(walkRows());
    const walked = await readIdPage(knex, 'postgres', finish(knex.from(window.as('s')).where(match)), keyset, idExpr, request, run);
    if (walked.more) return walked;
  }

  const matches = knex(`${table} as s`).select(selected).where(match);
  const indexed = knex.withMaterialized('search_matches', matches).from('search_matches as s');
  return readIdPage(knex, 'postgres', finish(indexed), keyset, idExpr, request, run);
}

/** One rank of a ranked list: a page of ids within the rank, for a position on the id alone (or none). */
export type RankReader = (request: PageRequestLike) => Promise<IdPage>;

/** Past every id: a backward read of a whole rank starts here. */
const END: KeyPart = 2_147_483_647;

/**
 * A page of a list ordered by (rank, id), read rank by rank: each rank is an id-ordered list of
 * its own with its own plan (user search: the exact username, then every other match by id).
 * The key is [rank, id]; positions, `inclusive` and reading upwards work as in readIdPage.
 */
export async function rankedPage(ranks: RankReader[], request: PageRequestLike): Promise<IdPage> {
  const { position, limit } = request;
  const backward = position?.direction === 'prev';
  const startRank = position ? Number(position.key[0]) : 0;
  const need = limit + 1;
  let collected: IdPage['items'] = [];
  let more = false;

  const order = backward ? ranks.map((_, i) => i).filter((i) => i <= startRank).reverse() : ranks.map((_, i) => i).filter((i) => i >= startRank);
  for (const rank of order) {
    const within: Position | null =
      position && rank === startRank
        ? { direction: position.direction, key: [position.key[1]], inclusive: position.inclusive }
        : backward
          ? { direction: 'prev', key: [END], inclusive: true }
          : null;
    const page = await ranks[rank]({ limit: need - collected.length, position: within });
    const items = page.items.map(({ item, key }) => ({ item, key: [rank, key[0]] }));
    collected = backward ? [...items, ...collected] : [...collected, ...items];
    if (page.more || collected.length >= need) {
      more = true;
      break;
    }
  }
  more = more || collected.length > limit;
  const kept = backward ? collected.slice(Math.max(0, collected.length - limit)) : collected.slice(0, limit);
  return { items: kept, more };
}
