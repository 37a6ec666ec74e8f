import type { Knex } from 'knex';
import type { KeyPart, Position } from '../lib/cursor';
import type { KeyedPage, PageRequest } from '../lib/cursor-page';
import type { Dialect } from './dialect';

/**
 * Keyset paging in SQL: the one translation of a cursor position (src/lib/cursor.ts) into a
 * WHERE condition and an ORDER BY over a list's key columns, for both dialects. A page is an
 * index range scan from the position, so page 50 costs what page 1 costs, and rows inserted at
 * the top never shift what `next` returns (unlike OFFSET).
 *
 * Columns are trusted SQL expressions written in the repositories; key values are always bound.
 */
export type KeyColumn = { expr: string; time?: boolean };
export type Keyset = { columns: KeyColumn[]; order: 'asc' | 'desc' };
export type Fragment = { sql: string; bindings: KeyPart[] };

/** PostgreSQL timestamps travel in cursors as text to the microsecond, so no precision is lost. */
const PG_TIME_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.US'`;

/** The key columns as k0, k1, … for keyOf(). */
export function keySelect(dialect: Dialect, keyset: Keyset): string {
  return keyset.columns
    .map(({ expr, time }, i) => `${time && dialect === 'postgres' ? `to_char(${expr}, ${PG_TIME_FORMAT})` : expr} AS k${i}`)
    .join(', ');
}

/** A row's key, read from the k0, k1, … that keySelect() named. */
export function keyOf(row: Record<string, unknown>, keyset: Keyset): KeyPart[] {
  return keyset.columns.map((_, i) => {
    const value = row[`k${i}`];
    return typeof value === 'number' || typeof value === 'string' ? value : Number(value);
  });
}

/** Which way a position reads in the list's order: `next` goes with it, `prev` against it. */
const readsForward = (keyset: Keyset, position: Position | null) => !position || position.direction === 'next';

/** ORDER BY for reading from a position (prev reads against the list's order, then reverses). */
export function keyOrder(keyset: Keyset, position: Position | null): string {
  const forward = readsForward(keyset, position);
  const ascending = (keyset.order === 'asc') === forward;
  return keyset.columns.map(({ expr }) => `${expr} ${ascending ? 'ASC' : 'DESC'}`).join(', ');
}

/** Whether rows come back against the list's order (so the caller reverses them). */
export const readsBackward = (keyset: Keyset, position: Position | null): boolean => !readsForward(keyset, position);

/**
 * The condition "after the position, in reading order": for (a, b) below (x, y) it is
 * `a <= x AND (a < x OR b < y)`, which both databases turn into one index range scan (a row
 * comparison would be shorter but SQLite and PostgreSQL plan it differently with DESC indexes).
 */
export function keyCondition(dialect: Dialect, keyset: Keyset, position: Position | null): Fragment | null {
  if (!position) return null;
  const ascending = (keyset.order === 'asc') === readsForward(keyset, position);
  const op = ascending ? '>' : '<';
  const param = (column: KeyColumn) => (column.time && dialect === 'postgres' ? '?::timestamp' : '?');
  const [first, ...rest] = keyset.columns;
  const [k0, ...ks] = position.key;
  if (rest.length === 0) return { sql: `(${first.expr} ${op}${position.inclusive ? '=' : ''} ${param(first)})`, bindings: [k0] };
  if (rest.length !== 1) throw new Error('keysets of more than two columns are not supported');
  const [second] = rest;
  return {
    sql: `(${first.expr} ${op}= ${param(first)} AND (${first.expr} ${op} ${param(first)} OR ${second.expr} ${op}${position.inclusive ? '=' : ''} ${param(second)}))`,
    bindings: [k0, k0, ks[0]],
  };
}

/** A page of ids as a list read returns it: in the list's order, each with its key. */
export type IdPage = KeyedPage<number>;

/**
 * Reads one page from a query that already has its FROM, joins and filters: adds the position's
 * condition, the order and `limit + 1` (to know whether more follow), and selects the key and the
 * item's id (`idExpr`). Rows read upwards (prev) come back reversed, in the list's order.
 */
export type PageRequestLike = PageRequest;

export async function readIdPage(
  knex: Knex,
  dialect: Dialect,
  query: Knex.QueryBuilder,
  keyset: Keyset,
  idExpr: string,
  request: PageRequestLike,
  run: (query: Knex.QueryBuilder) => Promise<unknown> = async (q) => q
): Promise<IdPage> {
  const condition = keyCondition(dialect, keyset, request.position);
  if (condition) query.whereRaw(condition.sql, condition.bindings);
  query
    .clearSelect()
    .select(knex.raw(`${idExpr} AS item_id, ${keySelect(dialect, keyset)}`))
    .orderByRaw(keyOrder(keyset, request.position))
    .limit(request.limit + 1);
  return idPageOf((await run(query)) as Array<Record<string, unknown>>, keyset, request);
}

/** Rows with item_id and k0, k1, … (read with limit + 1) as a page in the list's order. */
export function idPageOf(rows: Array<Record<string, unknown>>, keyset: Keyset, request: PageRequestLike): IdPage {
  const more = rows.length > request.limit;
  const page = rows.slice(0, request.limit).map((row) => ({ key: keyOf(row, keyset), item: Number(row.item_id) }));
  if (readsBackward(keyset, request.position)) page.reverse();
  return { items: page, more };
}
