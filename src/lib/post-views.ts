import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { DERIVED } from '../../database/derived';
import { isHidden } from './moderation';
import { tables } from './tables';
import { iso, toAuthor, type Author, type CommentView, type PostView } from './views';

/** How many comments a post carries inline; `commentsCount` counts them all. */
export const INLINE_COMMENTS = 25;

/** Which posts to load: ids (a page) or one post by id or documentId (a read). */
export type PostSelector = { ids: number[] } | { id: number } | { documentId: string };

type Row = Record<string, unknown>;

const authorOf = (row: Row): Author | null =>
  row.a_id == null
    ? null
    : { id: Number(row.a_id), documentId: String(row.a_doc), username: String(row.a_username), name: (row.a_name as string | null) ?? null };

const truthy = (value: unknown): boolean => value === true || value === 1 || value === '1' || value === 't';

/**
 * Posts as the API shows them, in two queries whatever the page size and however popular the
 * posts: (1) the rows with author, counters (social_post_stats) and the caller's like; (2) the
 * first INLINE_COMMENTS comments of each post, one index range scan per post on
 * social_post_comments. Both run at once. Cost does not grow with likes, comments or followers.
 */
export async function loadPosts(strapi: Core.Strapi, selector: PostSelector, viewerId?: number): Promise<PostView[]> {
  const t = tables(strapi);
  const knex: Knex = strapi.db.connection;
  if ('ids' in selector && selector.ids.length === 0) return [];

  const rowsQuery = knex(`${t.posts} as p`)
    .leftJoin(`${t.postAuthor.table} as pa`, `pa.${t.postAuthor.owner}`, 'p.id')
    .leftJoin(`${t.users} as u`, 'u.id', `pa.${t.postAuthor.target}`)
    .leftJoin(`${DERIVED.postStats} as s`, 's.post_id', 'p.id')
    .select(
      'p.id', 'p.document_id', 'p.title', 'p.description', 'p.hidden', 'p.created_at', 'p.updated_at',
      'u.id as a_id', 'u.document_id as a_doc', 'u.username as a_username', 'u.name as a_name',
      's.likes', 's.comments'
    );
  if (viewerId !== undefined) {
    rowsQuery.select(
      knex.raw(`EXISTS (SELECT 1 FROM ?? lk WHERE lk.?? = p.id AND lk.?? = ?) AS liked`, [t.likes.table, t.likes.owner, t.likes.target, viewerId])
    );
  }
  if ('ids' in selector) rowsQuery.whereIn('p.id', selector.ids);
  else if ('id' in selector) rowsQuery.where('p.id', selector.id);
  else rowsQuery.where('p.document_id', selector.documentId);

  const [rows, comments] = await Promise.all([rowsQuery as Promise<Row[]>, firstComments(strapi, selector)]);

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
        author: authorOf(row),
        hidden: isHidden(row.hidden),
        likes: Number(row.likes ?? 0),
        likedByMe: truthy(row.liked),
        commentsCount: Number(row.comments ?? 0),
        comments: comments.get(id) ?? [],
      },
    ];
  });
}

/** The first INLINE_COMMENTS visible comments of each selected post, oldest first, ties by id. */
async function firstComments(strapi: Core.Strapi, selector: PostSelector): Promise<Map<number, CommentView[]>> {
  const t = tables(strapi);
  const knex: Knex = strapi.db.connection;
  const postIds: Array<{ sql: string; binding: number | string }> =
    'ids' in selector
      ? selector.ids.map((id) => ({ sql: '?', binding: id }))
      : 'id' in selector
        ? [{ sql: '?', binding: selector.id }]
        : [{ sql: `(SELECT id FROM "${t.posts}" WHERE document_id = ?)`, binding: selector.documentId }];

  // One LIMITed index range scan per post, glued with UNION ALL (SQLite has no LATERAL).
  const pc = DERIVED.postComments;
  const firsts = postIds
    .map(({ sql }, i) => `SELECT * FROM (SELECT post_id, comment_id, created_at FROM "${pc}" WHERE post_id = ${sql}
                          ORDER BY created_at, comment_id LIMIT ${INLINE_COMMENTS}) f${i}`)
    .join(' UNION ALL ');
  const rows = (await knex.raw(
    `SELECT f.post_id, c.id, c.document_id, c.content, c.created_at,
            u.id AS a_id, u.document_id AS a_doc, u.username AS a_username, u.name AS a_name
       FROM (${firsts}) f
       JOIN ?? c ON c.id = f.comment_id
       LEFT JOIN ?? ca ON ca.?? = c.id
       LEFT JOIN ?? u ON u.id = ca.??
      ORDER BY f.post_id, f.created_at, f.comment_id`,
    [...postIds.map((p) => p.binding), t.comments, t.commentAuthor.table, t.commentAuthor.owner, t.users, t.commentAuthor.target]
  )) as Row[] | { rows: Row[] };

  const result = new Map<number, CommentView[]>();
  for (const row of Array.isArray(rows) ? rows : rows.rows) {
    const postId = Number(row.post_id);
    const list = result.get(postId) ?? [];
    list.push({
      id: Number(row.id),
      documentId: String(row.document_id),
      content: String(row.content),
      createdAt: iso(row.created_at),
      author: authorOf(row),
    });
    result.set(postId, list);
  }
  return result;
}

/** A page of posts by id, in the order given. */
export const loadPostViews = (strapi: Core.Strapi, ids: number[], viewerId?: number): Promise<PostView[]> =>
  loadPosts(strapi, { ids }, viewerId);

export type CommentRow = {
  id: number;
  documentId: string;
  content: string;
  createdAt: unknown;
  author?: { id: number; documentId: string; username: string; name?: string | null } | null;
};

export function toCommentView(row: CommentRow): CommentView {
  return {
    id: row.id,
    documentId: row.documentId,
    content: row.content,
    createdAt: iso(row.createdAt),
    author: toAuthor(row.author),
  };
}
