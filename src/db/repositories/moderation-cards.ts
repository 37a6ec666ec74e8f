import type { Core } from '@strapi/strapi';
import type { Position } from '../../lib/cursor';
import type { KeyedPage } from '../../lib/cursor-page';
import { q } from '../dialect';
import { LOG_DETAIL_JSON, MODERATION_LOG } from '../moderation-log';
import { prepared } from '../prepared';
import { tables } from '../tables';
import { isoUtcTextSql } from '../utc-timestamps';
import { filesTable, morphTable, POST_UID } from './media';
import { queuePageOf, queuePageSql, type ItemRef, type QueueKey } from './moderation';
import { userRecordJsonSql, userRecordSql } from './user-record';

/**
 * The console's cards on PostgreSQL, in one statement, written by PostgreSQL as the API's JSON:
 * each item (its content, the post a comment is on), its open reports with their reporters and
 * reasons, its newest 20 log entries, a post's images with their thumbnails, and its author's
 * record. The server sends that text on as it is: parsing rows of JSON into objects and writing
 * them out again was a fifth of the queue's CPU time (docs/PERFORMANCE.md). The items are either
 * given (two arrays) or a page of the queue, read by the same statement (queueCardPage): one round
 * trip for a page of the console. Each statement's text does not vary with the data, so it is
 * prepared once per connection (src/db/prepared.ts): planning it costs several times more than
 * running it. SQLite composes the same cards from separate reads (src/moderation/cards.ts), and
 * tests/moderation-console.test.ts checks that both write the same cards.
 */

/** Entries of an item's log on its card. */
export const CARD_LOG_LIMIT = 20;
/**
 * Open reports listed on a card, the oldest first; `openReports` and `reasons` still count them
 * all. A post reported by thousands would otherwise make a card (and the queue's first page, where
 * the most reported come first) hundreds of kilobytes.
 */
export const CARD_REPORT_LIMIT = 20;
const AUTHOR = 'a_';

/** A SELECT of the items wanted, in columns kind, id, ord (their order) and wanted (false: a row only carried along), and its bindings. */
type RefSource = { sql: string; bindings: unknown[] };

const statements = new Map<string, string>();

function cardSql(strapi: Core.Strapi, ref: string, pageColumns: boolean): string {
  const cacheKey = `${pageColumns}:${ref}`;
  const known = statements.get(cacheKey);
  if (known) return known;
  const t = tables(strapi);
  const { postAuthor: pa, commentAuthor: ca, commentPost: cp, reportReporter: rr, reportPost: rp, reportComment: rc } = t;
  const m = morphTable(strapi);
  const ts = (column: string) => isoUtcTextSql(column);
  const record = userRecordSql(strapi, AUTHOR, ts);
  // A post's images as the card shows them: the file, and as its thumbnail the upload plugin's
  // `thumbnail` format, else its narrowest other format, else the file itself.
  const formats = `jsonb_each(CASE WHEN jsonb_typeof(f.formats) = 'object' THEN f.formats END)`;
  const formatNumber = (key: 'width' | 'height') => `CASE WHEN jsonb_typeof(fm.value->'${key}') = 'number' THEN (fm.value->>'${key}')::numeric END`;
  const thumbnail = `(SELECT json_build_object('url', fm.value->>'url', 'width', ${formatNumber('width')}, 'height', ${formatNumber('height')})
      FROM ${formats} AS fm WHERE jsonb_typeof(fm.value->'url') = 'string' ORDER BY fm.key = 'thumbnail' DESC, ${formatNumber('width')} NULLS LAST, fm.key LIMIT 1)`;
  const media = `(SELECT json_agg(json_build_object('id', f.id, 'url', f.url, 'mime', f.mime, 'width', f.width, 'height', f.height, 'alternativeText', f.alternative_text,
        'thumbnail', COALESCE(${thumbnail}, json_build_object('url', f.url, 'width', f.width, 'height', f.height))) ORDER BY l.${q(m.order)})
      FROM ${q(m.table)} l JOIN ${q(filesTable(strapi))} f ON f.id = l.${q(m.file)}
     WHERE l.${q(m.id)} = item.id AND l.${q(m.type)} = '${POST_UID}' AND l.${q(m.field)} = 'media')`;
  const log = `(SELECT json_agg(json_build_object('id', g.id, 'at', ${ts('g.created_at')}, 'actor', g.actor, 'action', g.action, 'kind', g.kind, 'itemId', g.item_id,
        'userId', g.user_id, 'label', g.label, 'note', g.note, 'detail', ${LOG_DETAIL_JSON}(g.detail)) ORDER BY g.id DESC)
      FROM (SELECT * FROM ${q(MODERATION_LOG)} g WHERE g.kind = item.kind AND g.item_id = item.id ORDER BY g.id DESC LIMIT ${CARD_LOG_LIMIT}) g)`;
  const sql = `
    WITH ref AS (${ref}),
    item AS (
      SELECT ref.*, (p.id IS NOT NULL OR c.id IS NOT NULL) AS found, COALESCE(p.document_id, c.document_id) AS document_id, p.title,
             COALESCE(p.description, c.content) AS text, cpp.id AS post_id, cpp.title AS post_title,
             COALESCE(p.hidden, c.hidden) AS hidden, COALESCE(p.created_at, c.created_at) AS created_at,
             COALESCE(pa.${q(pa.target)}, ca.${q(ca.target)}) AS author_id
        FROM ref
        LEFT JOIN ${q(t.posts)} p ON ref.wanted AND ref.kind = 'post' AND p.id = ref.id
        LEFT JOIN ${q(pa.table)} pa ON pa.${q(pa.owner)} = p.id
        LEFT JOIN ${q(t.comments)} c ON ref.wanted AND ref.kind = 'comment' AND c.id = ref.id
        LEFT JOIN ${q(ca.table)} ca ON ca.${q(ca.owner)} = c.id
        LEFT JOIN ${q(cp.table)} cp ON cp.${q(cp.owner)} = c.id
        LEFT JOIN ${q(t.posts)} cpp ON cpp.id = cp.${q(cp.target)}),
    author AS MATERIALIZED (SELECT ${record.columns.sql} FROM ${q(t.users)} u ${record.joins.sql} WHERE u.id IN (SELECT author_id FROM item))
    SELECT item.kind, item.id, item.ord${pageColumns ? ', item.open_count, item.first_at, item.first_key' : ''},
           CASE WHEN item.found THEN json_build_object(
             'kind', item.kind, 'id', item.id, 'documentId', item.document_id,
             'title', CASE WHEN item.kind = 'post' THEN item.title END, 'text', COALESCE(item.text, ''),
             'post', CASE WHEN item.kind = 'comment' AND item.post_id IS NOT NULL THEN json_build_object('id', item.post_id, 'title', item.post_title) END,
             'hidden', COALESCE(item.hidden, false), 'createdAt', COALESCE(${ts('item.created_at')}, ''),
             'media', CASE WHEN item.kind = 'post' THEN COALESCE(${media}, '[]') ELSE '[]' END,
             'openReports', COALESCE(rep.n, 0), 'reasons', COALESCE(rep.reasons, '[]'), 'reports', COALESCE(rep.list, '[]'),
             'author', CASE WHEN author.${AUTHOR}id IS NOT NULL THEN ${userRecordJsonSql('author', AUTHOR)} END,
             'log', COALESCE(${log}, '[]'))::text END AS card
      FROM item LEFT JOIN author ON author.${AUTHOR}id = item.author_id
      LEFT JOIN LATERAL (
        SELECT count(*) AS n,
               json_agg(json_build_object('id', o.id, 'reason', o.reason, 'details', o.details, 'createdAt', COALESCE(${ts('o.created_at')}, ''),
                 'reporter', (SELECT json_build_object('id', u.id, 'username', u.username)
                                FROM ${q(rr.table)} rr JOIN ${q(t.users)} u ON u.id = rr.${q(rr.target)} WHERE rr.${q(rr.owner)} = o.id LIMIT 1))
                 ORDER BY o.pos) FILTER (WHERE o.pos <= ${CARD_REPORT_LIMIT}) AS list,
               json_agg(o.reason ORDER BY o.pos) FILTER (WHERE o.first_of_reason) AS reasons
          FROM (SELECT r.id, r.reason, r.details, r.created_at,
                       row_number() OVER (ORDER BY r.created_at, r.id) AS pos,
                       row_number() OVER (PARTITION BY r.reason ORDER BY r.created_at, r.id) = 1 AS first_of_reason
                  FROM (SELECT l.${q(rp.owner)} AS report_id FROM ${q(rp.table)} l WHERE item.kind = 'post' AND l.${q(rp.target)} = item.id
                        UNION ALL
                        SELECT l.${q(rc.owner)} FROM ${q(rc.table)} l WHERE item.kind = 'comment' AND l.${q(rc.target)} = item.id) l
                  JOIN ${q(t.reports)} r ON r.id = l.report_id AND r.state = 'open') o
      ) rep ON item.found
     ORDER BY item.ord`;
  statements.set(cacheKey, sql);
  return sql;
}
type CardRow = { kind: string; id: number; ord: number; card: string | null; [column: string]: unknown };

async function run(strapi: Core.Strapi, ref: RefSource, pageColumns: boolean): Promise<CardRow[]> {
  const { columns, joins } = userRecordSql(strapi, AUTHOR, isoUtcTextSql);
  // Bindings in the order of the text: the ref's, then the author record's.
  const bindings = [...ref.bindings, ...columns.bindings, ...joins.bindings];
  const result = (await prepared(strapi, strapi.db.connection.raw(cardSql(strapi, ref.sql, pageColumns), bindings))) as { rows: CardRow[] };
  return result.rows;
}

const cardsOf = (rows: CardRow[]): string[] => rows.flatMap((row) => (row.card === null ? [] : [row.card]));

/** The cards of `refs` as JSON texts (PostgreSQL only), in their order; items that are gone are left out. */
export async function cardTexts(strapi: Core.Strapi, refs: ItemRef[]): Promise<string[]> {
  if (!refs.length) return [];
  const ref = {
    sql: 'SELECT kind, id, ord, true AS wanted FROM unnest(?::text[], ?::int[]) WITH ORDINALITY AS r(kind, id, ord)',
    bindings: [refs.map((r) => r.kind), refs.map((r) => Math.trunc(r.id))],
  };
  return cardsOf(await run(strapi, ref, false));
}

/**
 * A page of the queue and its cards as JSON texts (PostgreSQL only), in one statement. The page's
 * extra row (limit + 1, which only tells whether more follow) is carried along without a card.
 */
export async function queueCardPage(strapi: Core.Strapi, limit: number, position: Position | null): Promise<{ page: KeyedPage<QueueKey>; cards: string[] }> {
  // The limit is in the text (see queuePageSql): one prepared statement per limit and direction.
  const page = queuePageSql(true, limit, position, true);
  const ref = {
    sql: `SELECT kind, item_id AS id, ord, ord <= ${Math.trunc(limit)} AS wanted, open_count, first_at, first_key
            FROM (SELECT qp.*, row_number() OVER (ORDER BY ${page.order}) AS ord FROM (${page.sql}) qp) qo`,
    bindings: page.bindings,
  };
  const rows = await run(strapi, ref, true);
  const cards = cardsOf(rows);
  return { page: queuePageOf(rows.map((row) => ({ ...row, item_id: row.id })), limit, page.forward, true), cards: page.forward ? cards : cards.reverse() };
}
