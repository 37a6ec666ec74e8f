import type { Core } from '@strapi/strapi';
import { isTrue, q } from '../dialect';
import { MODERATION_LOG } from '../moderation-log';
import { prepared } from '../prepared';
import { tables } from '../tables';
import { iso, mapLog, type ItemKind, type ItemRef, type ItemRow, type LogEntry } from './moderation';
import { toUserRecord, userRecordSql, type UserRecord } from './user-record';

/**
 * What the queue's cards show about their items, on PostgreSQL, in one statement: each item (its
 * content, the post a comment is on, its author), its open reports with their reporters, its
 * newest 20 log entries, and its author's record, in the order of `refs`. The reports and the log
 * come back as JSON arrays built by PostgreSQL. The statement's text does not vary with the data
 * (the refs travel as two arrays), so it is prepared once per connection (src/db/prepared.ts):
 * planning it costs several times more than running it.
 * SQLite composes the same from the separate reads (src/moderation/cards.ts).
 */
export type OpenReport = { kind: ItemKind; itemId: number; id: number; reason: string; details: string | null; createdAt: string; reporter: { id: number; username: string } | null };
export type CardRow = { item: ItemRow; reports: OpenReport[]; log: LogEntry[]; author: UserRecord | null };

/** Entries of an item's log on its card. */
export const CARD_LOG_LIMIT = 20;
const AUTHOR = 'a_';

let cachedSql: string | undefined;

function cardSql(strapi: Core.Strapi): string {
  if (cachedSql) return cachedSql;
  const t = tables(strapi);
  const { postAuthor: pa, commentAuthor: ca, commentPost: cp, reportReporter: rr } = t;
  const reportsOf = (link: typeof t.reportPost) =>
    `(SELECT json_agg(json_build_object('id', r.id, 'reason', r.reason, 'details', r.details, 'created_at', r.created_at, 'u_id', u.id, 'u_name', u.username) ORDER BY r.created_at, r.id)
        FROM ${q(link.table)} l JOIN ${q(t.reports)} r ON r.id = l.${q(link.owner)}
        LEFT JOIN ${q(rr.table)} rr ON rr.${q(rr.owner)} = r.id LEFT JOIN ${q(t.users)} u ON u.id = rr.${q(rr.target)}
       WHERE l.${q(link.target)} = item.id AND r.state = 'open')`;
  const record = userRecordSql(strapi, AUTHOR);
  cachedSql = `
    WITH ref AS (SELECT kind, id, ord FROM unnest(?::text[], ?::int[]) WITH ORDINALITY AS r(kind, id, ord)),
    item AS (
      SELECT ref.ord, ref.kind, ref.id, COALESCE(p.document_id, c.document_id) AS document_id, p.title,
             COALESCE(p.description, c.content) AS text,
             CASE WHEN ref.kind = 'post' THEN p.id ELSE cpp.id END AS post_id,
             CASE WHEN ref.kind = 'post' THEN p.title ELSE cpp.title END AS post_title,
             COALESCE(p.hidden, c.hidden) AS hidden, COALESCE(p.created_at, c.created_at) AS created_at,
             COALESCE(pa.${q(pa.target)}, ca.${q(ca.target)}) AS author_id
        FROM ref
        LEFT JOIN ${q(t.posts)} p ON ref.kind = 'post' AND p.id = ref.id
        LEFT JOIN ${q(pa.table)} pa ON pa.${q(pa.owner)} = p.id
        LEFT JOIN ${q(t.comments)} c ON ref.kind = 'comment' AND c.id = ref.id
        LEFT JOIN ${q(ca.table)} ca ON ca.${q(ca.owner)} = c.id
        LEFT JOIN ${q(cp.table)} cp ON cp.${q(cp.owner)} = c.id
        LEFT JOIN ${q(t.posts)} cpp ON cpp.id = cp.${q(cp.target)}
       WHERE p.id IS NOT NULL OR c.id IS NOT NULL),
    author AS MATERIALIZED (SELECT ${record.columns.sql} FROM ${q(t.users)} u ${record.joins.sql} WHERE u.id IN (SELECT author_id FROM item))
    SELECT item.*, author.*,
           CASE WHEN item.kind = 'post' THEN ${reportsOf(t.reportPost)} ELSE ${reportsOf(t.reportComment)} END AS reports,
           (SELECT json_agg(e ORDER BY e.id DESC) FROM (
              SELECT g.id, g.created_at, g.actor, g.action, g.kind, g.item_id, g.user_id, g.label, g.note, g.detail
                FROM ${q(MODERATION_LOG)} g WHERE g.kind = item.kind AND g.item_id = item.id ORDER BY g.id DESC LIMIT ${CARD_LOG_LIMIT}) e) AS log
      FROM item LEFT JOIN author ON author.${AUTHOR}id = item.author_id
     ORDER BY item.ord`;
  return cachedSql;
}

type ReportJson = { id: number; reason: string; details: string | null; created_at: string; u_id: number | null; u_name: string | null };

/** The cards' rows of `refs` (PostgreSQL only), in their order; items that are gone are left out. */
export async function cardRows(strapi: Core.Strapi, refs: ItemRef[]): Promise<CardRow[]> {
  if (!refs.length) return [];
  const knex = strapi.db.connection;
  const { columns, joins } = userRecordSql(strapi, AUTHOR);
  const bindings = [refs.map((r) => r.kind), refs.map((r) => Math.trunc(r.id)), ...columns.bindings, ...joins.bindings];
  const result = (await prepared(strapi, knex.raw(cardSql(strapi), bindings))) as { rows: Array<Record<string, unknown>> };
  return result.rows.map((row) => {
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
    const author = row[`${AUTHOR}id`] == null ? null : toUserRecord(row, iso, AUTHOR);
    return { item, reports, log, author };
  });
}
