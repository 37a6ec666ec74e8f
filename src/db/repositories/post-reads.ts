import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { iso, isoOrNull, type Author, type CommentView, type PostView } from '../../lib/shapes';
import { DERIVED } from '../derived/definitions';
import { isPostgres, isTrue, pgIntArray } from '../dialect';
import { prepared } from '../prepared';
import { tables } from '../tables';
import { visibleComment, visiblePost } from '../visibility';
import { processRunsInUtc } from '../utc-timestamps';
import { mediaRepository } from './media';
import { loadPostViewsPg } from './post-views-pg';

/** How many comments a post carries inline; `commentsCount` counts them all. */
export const INLINE_COMMENTS = 25;

/** Which posts to load: ids (a page) or one post by id or documentId (a read). */
export type PostSelector = { ids: number[] } | { id: number } | { documentId: string };

type Row = Record<string, unknown>;

const authorOf = (row: Row): Author | null =>
  row.a_id == null
    ? null
    : { id: Number(row.a_id), documentId: String(row.a_doc), username: String(row.a_username), name: (row.a_name as string | null) ?? null };

/**
 * Posts as the API shows them, in the selector's order (a page) or the one post (a read). Only
 * posts the viewer may see are loaded (src/db/visibility.ts). Cost does not grow with likes,
 * comments or followers. On PostgreSQL in a process that runs in UTC, one statement builds the
 * posts' JSON (post-views-pg.ts); elsewhere loadPostsByRows reads rows and builds them here.
 */
export async function loadPosts(strapi: Core.Strapi, selector: PostSelector, viewerId?: number): Promise<PostView[]> {
  if ('ids' in selector && selector.ids.length === 0) return [];
  if (!isPostgres(strapi) || !processRunsInUtc()) return loadPostsByRows(strapi, selector, viewerId);
  const views = await loadPostViewsPg(strapi, selector, viewerId, INLINE_COMMENTS);
  const order = 'ids' in selector ? selector.ids : [...views.keys()];
  return order.flatMap((id) => views.get(id) ?? []);
}

/**
 * The same posts in three queries whatever the page size and however popular the posts: (1) the
 * rows with author, counters (social_post_stats) and the caller's like; (2) the first
 * INLINE_COMMENTS comments of each post, one index range scan per post on social_post_comments;
 * (3) their media, in order (src/db/repositories/media.ts). All run at once. SQLite's loader, and
 * PostgreSQL's outside UTC (the timestamps are then the driver's Dates); tests compare it with
 * loadPostViewsPg on PostgreSQL.
 */
export async function loadPostsByRows(strapi: Core.Strapi, selector: PostSelector, viewerId?: number): Promise<PostView[]> {
  const t = tables(strapi);
  const knex: Knex = strapi.db.connection;
  if ('ids' in selector && selector.ids.length === 0) return [];

  const rowsQuery = knex(`${t.posts} as p`)
    .leftJoin(`${t.postAuthor.table} as pa`, `pa.${t.postAuthor.owner}`, 'p.id')
    .leftJoin(`${t.users} as u`, 'u.id', `pa.${t.postAuthor.target}`)
    .leftJoin(`${DERIVED.postStats} as s`, 's.post_id', 'p.id')
    .select(
      'p.id', 'p.document_id', 'p.title', 'p.description', 'p.hidden', 'p.created_at', 'p.updated_at', 'p.edited_at',
      'u.id as a_id', 'u.document_id as a_doc', 'u.username as a_username', 'u.name as a_name',
      's.likes', 's.comments'
    );
  rowsQuery.where(visiblePost(strapi, 'p', viewerId, `pa.${t.postAuthor.target}`));
  if (viewerId !== undefined) {
    rowsQuery.select(
      knex.raw(`EXISTS (SELECT 1 FROM ?? lk WHERE lk.?? = p.id AND lk.?? = ?) AS liked`, [t.likes.table, t.likes.owner, t.likes.target, viewerId])
    );
  }
  // `= ANY(array)` on PostgreSQL: one SQL text for every page size, so it can be a prepared statement.
  if ('ids' in selector && isPostgres(strapi)) rowsQuery.whereRaw('p.id = ANY(?::int[])', [pgIntArray(selector.ids)]);
  else if ('ids' in selector) rowsQuery.whereIn('p.id', selector.ids);
  else if ('id' in selector) rowsQuery.where('p.id', selector.id);
  else rowsQuery.where('p.document_id', selector.documentId);

  const [rows, comments, media] = await Promise.all([
    prepared(strapi, rowsQuery) as Promise<Row[]>,
    firstComments(strapi, selector, viewerId),
    mediaRepository(strapi).ofPosts('ids' in selector ? selector.ids : 'id' in selector ? [selector.id] : { documentId: selector.documentId }),
  ]);

  const byId = new Map(rows.map((row) => [Number(row.id), row]));
  const order = 'ids' in selector ? selector.ids : rows.map((row) => Number(row.id));
  return order.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    return [
      {
        id,
        documentId: String(row.document_id),
        title: String(row.title),
        description: (row.description as string | null) ?? '',
        createdAt: iso(row.created_at),
        updatedAt: iso(row.updated_at),
        editedAt: isoOrNull(row.edited_at),
        author: authorOf(row),
        media: media.get(id) ?? [],
        hidden: isTrue(row.hidden),
        likes: Number(row.likes ?? 0),
        likedByMe: isTrue(row.liked),
        commentsCount: Number(row.comments ?? 0),
        comments: comments.get(id) ?? [],
      },
    ];
  });
}

/** The first INLINE_COMMENTS visible comments of each selected post, oldest first, ties by id (none by a user the viewer blocked or who blocked the viewer). */
async function firstComments(strapi: Core.Strapi, selector: PostSelector, viewerId?: number): Promise<Map<number, CommentView[]>> {
  const rows = isPostgres(strapi) ? await firstCommentRowsPg(strapi, selector, viewerId) : await firstCommentRowsSqlite(strapi, selector, viewerId);
  const result = new Map<number, CommentView[]>();
  for (const row of rows) {
    const postId = Number(row.post_id);
    const list = result.get(postId) ?? [];
    list.push({
      id: Number(row.id),
      documentId: String(row.document_id),
      content: String(row.content),
      createdAt: iso(row.created_at),
      editedAt: isoOrNull(row.edited_at),
      author: authorOf(row),
    });
    result.set(postId, list);
  }
  return result;
}

/** Comment columns and authors, joined to `f` (post_id, comment_id, created_at). */
const commentColumns = (t: ReturnType<typeof tables>) => ({
  select: `SELECT f.post_id, c.id, c.document_id, c.content, c.created_at, c.edited_at,
                  u.id AS a_id, u.document_id AS a_doc, u.username AS a_username, u.name AS a_name`,
  joins: `JOIN "${t.comments}" c ON c.id = f.comment_id
          LEFT JOIN "${t.commentAuthor.table}" ca ON ca."${t.commentAuthor.owner}" = c.id
          LEFT JOIN "${t.users}" u ON u.id = ca."${t.commentAuthor.target}"
          ORDER BY f.post_id, f.created_at, f.comment_id`,
});

/** PostgreSQL: one LATERAL index range scan per post; one SQL text per selector kind (prepared). */
async function firstCommentRowsPg(strapi: Core.Strapi, selector: PostSelector, viewerId?: number): Promise<Row[]> {
  const t = tables(strapi);
  const knex: Knex = strapi.db.connection;
  const [source, binding] =
    'ids' in selector
      ? ['unnest(?::int[]) AS x(post_id)', pgIntArray(selector.ids)]
      : 'id' in selector
        ? ['(SELECT ?::int AS post_id) x', selector.id]
        : [`(SELECT id AS post_id FROM "${t.posts}" WHERE document_id = ?) x`, selector.documentId];
  const { select, joins } = commentColumns(t);
  const shown = visibleComment(strapi, 'pc.comment_id', viewerId).toSQL();
  const result = (await prepared(
    strapi,
    knex.raw(
      `${select}
         FROM ${source}
         CROSS JOIN LATERAL (SELECT pc.post_id, pc.comment_id, pc.created_at FROM "${DERIVED.postComments}" pc
                              WHERE pc.post_id = x.post_id AND ${shown.sql}
                              ORDER BY pc.created_at, pc.comment_id LIMIT ${INLINE_COMMENTS}) f
         ${joins}`,
      [binding, ...shown.bindings]
    )
  )) as { rows: Row[] };
  return result.rows;
}

/** SQLite (no LATERAL): one LIMITed index range scan per post, glued with UNION ALL. */
async function firstCommentRowsSqlite(strapi: Core.Strapi, selector: PostSelector, viewerId?: number): Promise<Row[]> {
  const t = tables(strapi);
  const knex: Knex = strapi.db.connection;
  const postIds: Array<{ sql: string; binding: number | string }> =
    'ids' in selector
      ? selector.ids.map((id) => ({ sql: '?', binding: id }))
      : 'id' in selector
        ? [{ sql: '?', binding: selector.id }]
        : [{ sql: `(SELECT id FROM "${t.posts}" WHERE document_id = ?)`, binding: selector.documentId }];

  const pc = DERIVED.postComments;
  const shown = visibleComment(strapi, 'pc.comment_id', viewerId).toSQL();
  const firsts = postIds
    .map(({ sql }, i) => `SELECT * FROM (SELECT pc.post_id, pc.comment_id, pc.created_at FROM "${pc}" pc WHERE pc.post_id = ${sql} AND ${shown.sql}
                          ORDER BY pc.created_at, pc.comment_id LIMIT ${INLINE_COMMENTS}) f${i}`)
    .join(' UNION ALL ');
  const { select, joins } = commentColumns(t);
  return (await knex.raw(`${select} FROM (${firsts}) f ${joins}`, postIds.flatMap((p) => [p.binding, ...shown.bindings]))) as Row[];
}
