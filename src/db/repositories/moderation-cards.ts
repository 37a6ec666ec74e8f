import type { Core } from '@strapi/strapi';
import type { Position } from '../../lib/cursor';
import type { KeyedPage } from '../../lib/cursor-page';
import type { MediaView } from '../../lib/shapes';
import { isTrue, q } from '../dialect';
import { MODERATION_LOG } from '../moderation-log';
import { prepared } from '../prepared';
import { tables } from '../tables';
import { isoTimestampSql } from '../utc-timestamps';
import { filesTable, MEDIA_TABLE, mediaColumns, morphTable, POST_UID, toMediaView } from './media';
import { iso, mapLog, queuePageOf, queuePageSql, type ItemKind, type ItemRef, type ItemRow, type LogEntry, type QueueKey } from './moderation';
import { toUserRecord, userRecordSql, type UserRecord } from './user-record';

/**
 * What the queue's cards show about their items, on PostgreSQL, in one statement: each item (its
 * content, the post a comment is on, its author), its open reports with their reporters, its
 * newest 20 log entries, a post's images, and its author's record. The reports, the log and the
 * images come back as JSON arrays built by PostgreSQL. The items are either given (two arrays) or
 * a page of the queue, read by the same statement (queueCardPage): one round trip for a page of
 * the console. Timestamps come as ISO strings when the process runs in UTC (src/db/utc-timestamps.ts). Each statement's text does not vary with the data, so it is prepared once per
 * connection (src/db/prepared.ts): planning it costs several times more than running it.
 * SQLite composes the same from the separate reads (src/moderation/cards.ts).
 */
export type OpenReport = { kind: ItemKind; itemId: number; id: number; reason: string; details: string | null; createdAt: string; reporter: { id: number; username: string } | null };
export type CardRow = { item: ItemRow; reports: OpenReport[]; log: LogEntry[]; media: MediaView[]; author: UserRecord | null };

/** Entries of an item's log on its card. */
export const CARD_LOG_LIMIT = 20;
const AUTHOR = 'a_';

/** A SELECT of the items wanted, in columns kind, id, ord (their order) and wanted (false: a row only carried along), and its bindings. */
type RefSource = { sql: string; bindings: unknown[] };

const statements = new Map<string, string>();

function cardSql(strapi: Core.Strapi, ref: string): string {
  const known = statements.get(ref);
  if (known) return known;
  const t = tables(strapi);
  const { postAuthor: pa, commentAuthor: ca, commentPost: cp, reportReporter: rr } = t;
  const m = morphTable(strapi);
  const ts = (column: string) => isoTimestampSql(column);
  const reportsOf = (link: typeof t.reportPost) =>
    `(SELECT json_agg(json_build_object('id', r.id, 'reason', r.reason, 'details', r.details, 'created_at', ${ts('r.created_at')}, 'u_id', u.id, 'u_name', u.username) ORDER BY r.created_at, r.id)
        FROM ${q(link.table)} l JOIN ${q(t.reports)} r ON r.id = l.${q(link.owner)}
        LEFT JOIN ${q(rr.table)} rr ON rr.${q(rr.owner)} = r.id LEFT JOIN ${q(t.users)} u ON u.id = rr.${q(rr.target)}
       WHERE l.${q(link.target)} = item.id AND r.state = 'open')`;
  // The same columns as the media repository's reads, as the keys of one JSON object per image.
  const mediaObject = mediaColumns('').map((column) => {
    const [expr, name] = column.split(' AS ');
    return `'${name}', ${expr}`;
  });
  const record = userRecordSql(strapi, AUTHOR, ts);
  const sql = `
    WITH ref AS (${ref}),
    item AS (
      SELECT ref.*, (p.id IS NOT NULL OR c.id IS NOT NULL) AS found, COALESCE(p.document_id, c.document_id) AS document_id, p.title,
             COALESCE(p.description, c.content) AS text,
             CASE WHEN ref.kind = 'post' THEN p.id ELSE cpp.id END AS post_id,
             CASE WHEN ref.kind = 'post' THEN p.title ELSE cpp.title END AS post_title,
             COALESCE(p.hidden, c.hidden) AS hidden, ${ts('COALESCE(p.created_at, c.created_at)')} AS created_at,
             COALESCE(pa.${q(pa.target)}, ca.${q(ca.target)}) AS author_id
        FROM ref
        LEFT JOIN ${q(t.posts)} p ON ref.wanted AND ref.kind = 'post' AND p.id = ref.id
        LEFT JOIN ${q(pa.table)} pa ON pa.${q(pa.owner)} = p.id
        LEFT JOIN ${q(t.comments)} c ON ref.wanted AND ref.kind = 'comment' AND c.id = ref.id
        LEFT JOIN ${q(ca.table)} ca ON ca.${q(ca.owner)} = c.id
        LEFT JOIN ${q(cp.table)} cp ON cp.${q(cp.owner)} = c.id
        LEFT JOIN ${q(t.posts)} cpp ON cpp.id = cp.${q(cp.target)}),
    author AS MATERIALIZED (SELECT ${record.columns.sql} FROM ${q(t.users)} u ${record.joins.sql} WHERE u.id IN (SELECT author_id FROM item))
    SELECT item.*, author.*,
           CASE WHEN NOT item.found THEN NULL WHEN item.kind = 'post' THEN ${reportsOf(t.reportPost)} ELSE ${reportsOf(t.reportComment)} END AS reports,
           CASE WHEN item.found THEN (SELECT json_agg(e ORDER BY e.id DESC) FROM (
              SELECT g.id, ${ts('g.created_at')} AS created_at, g.actor, g.action, g.kind, g.item_id, g.user_id, g.label, g.note, g.detail
                FROM ${q(MODERATION_LOG)} g WHERE g.kind = item.kind AND g.item_id = item.id ORDER BY g.id DESC LIMIT ${CARD_LOG_LIMIT}) e) END AS log,
           CASE WHEN item.found AND item.kind = 'post' THEN (SELECT json_agg(json_build_object(${mediaObject.join(', ')}) ORDER BY l.${q(m.order)})
              FROM ${q(m.table)} l JOIN ${q(filesTable(strapi))} f ON f.id = l.${q(m.file)} LEFT JOIN ${q(MEDIA_TABLE)} sm ON sm.file_id = f.id
             WHERE l.${q(m.id)} = item.id AND l.${q(m.type)} = '${POST_UID}' AND l.${q(m.field)} = 'media') END AS media
      FROM item LEFT JOIN author ON author.${AUTHOR}id = item.author_id
     ORDER BY item.ord`;
  statements.set(ref, sql);
  return sql;
}

type ReportJson = { id: number; reason: string; details: string | null; created_at: string; u_id: number | null; u_name: string | null };

/** A row of the statement as a card, or null when its item is gone (or was only carried along). */
function cardOf(row: Record<string, unknown>): CardRow | null {
  if (!row.found) return null;
  const kind = row.kind as ItemKind;
  const id = Number(row.id);
  const item: ItemRow = {
    kind,
    id,
    documentId: row.document_id as string,
    title: kind === 'post' ? ((row.title as string | null) ?? null) : null,
    text: (row.text as string | null) ?? '',
    postId: row.post_id == null ? null : Number(row.post_id),
    postTitle: (row.post_title as string | null) ?? null,
    hidden: isTrue(row.hidden),
    createdAt: iso(row.created_at),
    authorId: row.author_id == null ? null : Number(row.author_id),
  };
  const reports = ((row.reports as ReportJson[] | null) ?? []).map((r) => ({
    kind,
    itemId: id,
    id: Number(r.id),
    reason: r.reason,
    details: r.details ?? null,
    createdAt: iso(r.created_at),
    reporter: r.u_id == null ? null : { id: Number(r.u_id), username: r.u_name as string },
  }));
  const log = ((row.log as Array<Record<string, unknown>> | null) ?? []).map(mapLog);
  const media = ((row.media as Array<Record<string, unknown>> | null) ?? []).map((image) => toMediaView(image));
  const author = row[`${AUTHOR}id`] == null ? null : toUserRecord(row, iso, AUTHOR);
  return { item, reports, log, media, author };
}

async function run(strapi: Core.Strapi, ref: RefSource): Promise<Array<Record<string, unknown>>> {
  const { columns, joins } = userRecordSql(strapi, AUTHOR, isoTimestampSql);
  // Bindings in the order of the text: the ref's, then the author record's.
  const bindings = [...ref.bindings, ...columns.bindings, ...joins.bindings];
  const result = (await prepared(strapi, strapi.db.connection.raw(cardSql(strapi, ref.sql), bindings))) as { rows: Array<Record<string, unknown>> };
  return result.rows;
}

/** The cards' rows of `refs` (PostgreSQL only), in their order; items that are gone are left out. */
export async function cardRows(strapi: Core.Strapi, refs: ItemRef[]): Promise<CardRow[]> {
  if (!refs.length) return [];
  const ref = {
    sql: 'SELECT kind, id, ord, true AS wanted FROM unnest(?::text[], ?::int[]) WITH ORDINALITY AS r(kind, id, ord)',
    bindings: [refs.map((r) => r.kind), refs.map((r) => Math.trunc(r.id))],
  };
  return (await run(strapi, ref)).flatMap((row) => cardOf(row) ?? []);
}

/**
 * A page of the queue and its cards (PostgreSQL only), in one statement. The page's extra row
 * (limit + 1, which only tells whether more follow) is carried along without a card.
 */
export async function queueCardPage(strapi: Core.Strapi, limit: number, position: Position | null): Promise<{ page: KeyedPage<QueueKey>; rows: CardRow[] }> {
  // The limit is in the text (see queuePageSql): one prepared statement per limit and direction.
  const page = queuePageSql(true, limit, position, true);
  const ref = {
    sql: `SELECT kind, item_id AS id, ord, ord <= ${Math.trunc(limit)} AS wanted, open_count, first_at, first_key
            FROM (SELECT qp.*, row_number() OVER (ORDER BY ${page.order}) AS ord FROM (${page.sql}) qp) qo`,
    bindings: page.bindings,
  };
  const rows = await run(strapi, ref);
  const pageRows = rows.map((row) => ({ ...row, item_id: row.id }));
  const cards = rows.flatMap((row) => cardOf(row) ?? []);
  return { page: queuePageOf(pageRows, limit, page.forward, true), rows: page.forward ? cards : cards.reverse() };
}
