import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { MediaView, PostView } from '../../lib/shapes';
import { DERIVED } from '../derived/definitions';
import { pgIntArray, q } from '../dialect';
import { prepared } from '../prepared';
import { tables } from '../tables';
import { visibleComment, visiblePost } from '../visibility';
import { filesTable, MEDIA_TABLE, mediaColumns, morphTable, POST_UID, toMediaView } from './media';
import type { PostSelector } from './post-reads';

type Row = Record<string, unknown>;
type Sql = { sql: string; bindings: readonly unknown[] };

/** The JSON of a user as a post's or a comment's author (API.md's Author), or null without one. */
const authorJson = (u: string) =>
  `CASE WHEN ${u}.id IS NULL THEN NULL ELSE json_build_object('id', ${u}.id, 'documentId', ${u}.document_id, 'username', ${u}.username, 'name', ${u}.name) END`;

/**
 * PostgreSQL, when the process runs in UTC (src/db/utc-timestamps.ts, where the stored timestamps
 * are UTC): posts as the API shows
 * them, in ONE statement that builds each post's JSON in the database, its first
 * `inlineComments` comments and its media included (a correlated LIMITed index range scan on
 * social_post_comments each, as the three-query loader did).
 *
 * Why: on this kind of host a query's round trip costs the server more than the rows it brings
 * (the pg driver's socket write was 17% of a post read's CPU profile), and decoding rows field by
 * field (a Date parse and an ISO write per timestamp) grew with the page: a page of 20 posts with
 * their inline comments is ~90 rows. Here the driver decodes one JSON value per post (JSON.parse,
 * native), and one round trip serves the page. The answer is identical to the three-query loader's
 * (tests/post-views.test.ts compares the two on every kind of post).
 */
export async function loadPostViewsPg(strapi: Core.Strapi, selector: PostSelector, viewerId: number | undefined, inlineComments: number): Promise<Map<number, PostView>> {
  const t = tables(strapi);
  const knex: Knex = strapi.db.connection;
  // to_json writes a timestamp as ISO 8601 without a zone (to_char cost 1 ms a page of 20 in
  // PostgreSQL); isoFromJson below makes it the API's millisecond UTC form.
  const ts = (column: string) => `to_json(${column})`;
  const m = morphTable(strapi);

  const [source, sourceBinding] =
    'ids' in selector
      ? ['unnest(?::int[]) AS x(id)', pgIntArray(selector.ids)]
      : 'id' in selector
        ? ['(SELECT ?::int AS id) x', selector.id]
        : [`(SELECT id FROM ${q(t.posts)} WHERE document_id = ?) x`, selector.documentId];

  const shownPost = visiblePost(strapi, 'p', viewerId, `pa.${q(t.postAuthor.target)}`).toSQL() as Sql;
  const shownComment = visibleComment(strapi, 'pc.comment_id', viewerId).toSQL() as Sql;
  const liked: Sql =
    viewerId === undefined
      ? { sql: 'false', bindings: [] }
      : { sql: `EXISTS (SELECT 1 FROM ${q(t.likes.table)} lk WHERE lk.${q(t.likes.owner)} = p.id AND lk.${q(t.likes.target)} = ?)`, bindings: [viewerId] };

  const comments = `COALESCE((
      SELECT json_agg(json_build_object(
               'id', c.id, 'documentId', c.document_id, 'content', c.content,
               'createdAt', ${ts('c.created_at')}, 'editedAt', ${ts('c.edited_at')}, 'author', ${authorJson('cu')})
             ORDER BY f.created_at, f.comment_id)
        FROM (SELECT pc.comment_id, pc.created_at FROM ${q(DERIVED.postComments)} pc
               WHERE pc.post_id = p.id AND ${shownComment.sql}
               ORDER BY pc.created_at, pc.comment_id LIMIT ${Math.trunc(inlineComments)}) f
        JOIN ${q(t.comments)} c ON c.id = f.comment_id
        LEFT JOIN ${q(t.commentAuthor.table)} ca ON ca.${q(t.commentAuthor.owner)} = c.id
        LEFT JOIN ${q(t.users)} cu ON cu.id = ca.${q(t.commentAuthor.target)}), '[]'::json)`;

  // The media's raw columns (mediaColumns' names), shaped by toMediaView as the other loaders do.
  const mediaObject = mediaColumns('')
    .map((column) => column.split(' AS '))
    .map(([expression, name]) => `'${name}', ${expression}`)
    .join(', ');
  const media = `COALESCE((
      SELECT json_agg(json_build_object(${mediaObject}) ORDER BY l.${q(m.order)})
        FROM ${q(m.table)} l
        JOIN ${q(filesTable(strapi))} f ON f.id = l.${q(m.file)}
        LEFT JOIN ${q(MEDIA_TABLE)} sm ON sm.file_id = f.id
       WHERE l.${q(m.id)} = p.id AND l.${q(m.type)} = '${POST_UID}' AND l.${q(m.field)} = 'media'), '[]'::json)`;

  // Keys in PostView's order, so the answer reads as the three-query loader's did.
  const sql = `
    SELECT p.id, json_build_object(
             'id', p.id, 'documentId', p.document_id, 'title', p.title, 'description', COALESCE(p.description, ''),
             'createdAt', ${ts('p.created_at')}, 'updatedAt', ${ts('p.updated_at')}, 'editedAt', ${ts('p.edited_at')},
             'author', ${authorJson('u')}, 'media', ${media}, 'hidden', COALESCE(p.hidden, false),
             'likes', COALESCE(s.likes, 0), 'likedByMe', ${liked.sql}, 'commentsCount', COALESCE(s.comments, 0),
             'comments', ${comments}) AS view
      FROM ${source}
      JOIN ${q(t.posts)} p ON p.id = x.id
      LEFT JOIN ${q(t.postAuthor.table)} pa ON pa.${q(t.postAuthor.owner)} = p.id
      LEFT JOIN ${q(t.users)} u ON u.id = pa.${q(t.postAuthor.target)}
      LEFT JOIN ${q(DERIVED.postStats)} s ON s.post_id = p.id
     WHERE ${shownPost.sql}`;
  // Bindings in the order of the text: the like's viewer, the comments' rule, the source, the post's rule.
  const bindings = [...liked.bindings, ...shownComment.bindings, sourceBinding, ...shownPost.bindings];
  const result = (await prepared(strapi, knex.raw(sql, bindings as Knex.RawBinding[]))) as { rows: Row[] };

  const views = new Map<number, PostView>();
  for (const row of result.rows) {
    const view = row.view as PostView & { media: Row[] };
    view.createdAt = isoFromJson(view.createdAt) as string;
    view.updatedAt = isoFromJson(view.updatedAt) as string;
    view.editedAt = isoFromJson(view.editedAt);
    for (const comment of view.comments) {
      comment.createdAt = isoFromJson(comment.createdAt) as string;
      comment.editedAt = isoFromJson(comment.editedAt);
    }
    view.media = view.media.map((m): MediaView => toMediaView(m));
    views.set(Number(row.id), view);
  }
  return views;
}

/**
 * A `timestamp without time zone` as to_json writes it ("2026-11-30T23:42:20", then as many
 * fraction digits as it has, up to 6) in the form Date.prototype.toISOString writes it: three
 * digits (truncated, as the driver's parse does) and Z, the stored value being UTC in a process
 * that runs in UTC (the only case this loader serves).
 */
export function isoFromJson(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.length === 19 ? `${value}.000Z` : `${`${value}00`.slice(0, 23)}Z`;
}
