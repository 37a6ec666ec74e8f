import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { notHidden } from './moderation';
import { tables, toCount, type Tables } from './tables';
import { AUTHOR_FIELDS, iso, toAuthor, type CommentView, type PostView } from './views';

/** How many comments a post carries inline; `commentsCount` counts them all. */
export const INLINE_COMMENTS = 25;

type PostRow = {
  id: number;
  documentId: string;
  title: string;
  description: string | null;
  hidden?: boolean | null;
  createdAt: unknown;
  updatedAt: unknown;
  author?: { id: number; documentId: string; username: string; name?: string | null } | null;
};

type CommentRow = {
  id: number;
  documentId: string;
  content: string;
  createdAt: unknown;
  author?: { id: number; documentId: string; username: string; name?: string | null } | null;
};

const countBy = (rows: Array<Record<string, unknown>>, key: string): Map<number, number> =>
  new Map(rows.map((row) => [Number(row[key]), toCount(row.count)]));

/**
 * Loads the posts with these ids as the API shows them, in the order of `ids`. A fixed number of
 * queries whatever the page size: rows with authors, grouped like and comment counts, the
 * caller's likes, and the first comments of every post (a window function, one query).
 */
export async function loadPostViews(strapi: Core.Strapi, ids: number[], viewerId?: number): Promise<PostView[]> {
  if (ids.length === 0) return [];
  const t = tables(strapi);
  const knex: Knex = strapi.db.connection;

  const [rows, likeCounts, commentCounts, likedByViewer, firstComments] = await Promise.all([
    strapi.db.query('api::post.post').findMany({
      where: { id: { $in: ids } },
      select: ['id', 'documentId', 'title', 'description', 'hidden', 'createdAt', 'updatedAt'],
      populate: { author: { select: [...AUTHOR_FIELDS] } },
    }) as Promise<PostRow[]>,
    knex(t.likes.table).select(`${t.likes.owner} as post`).count('* as count').whereIn(t.likes.owner, ids).groupBy(t.likes.owner),
    visibleComments(knex, t)
      .select(`l.${t.commentPost.target} as post`)
      .count('* as count')
      .whereIn(`l.${t.commentPost.target}`, ids)
      .groupBy(`l.${t.commentPost.target}`),
    viewerId === undefined
      ? Promise.resolve([] as Array<{ post: number }>)
      : knex(t.likes.table).select(`${t.likes.owner} as post`).where(t.likes.target, viewerId).whereIn(t.likes.owner, ids),
    loadFirstComments(strapi, ids),
  ]);

  const likes = countBy(likeCounts as Array<Record<string, unknown>>, 'post');
  const commentsCount = countBy(commentCounts as Array<Record<string, unknown>>, 'post');
  const liked = new Set((likedByViewer as Array<{ post: unknown }>).map((row) => Number(row.post)));
  const byId = new Map(rows.map((row) => [row.id, row]));

  return ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    return [
      {
        id: row.id,
        documentId: row.documentId,
        title: row.title,
        description: row.description ?? '',
        createdAt: iso(row.createdAt),
        updatedAt: iso(row.updatedAt),
        author: toAuthor(row.author),
        hidden: row.hidden === true,
        likes: likes.get(id) ?? 0,
        likedByMe: liked.has(id),
        commentsCount: commentsCount.get(id) ?? 0,
        comments: firstComments.get(id) ?? [],
      },
    ];
  });
}

/** Comment links (`l`) joined to their comments (`c`), without the comments moderators hid. */
function visibleComments(knex: Knex, t: Tables): Knex.QueryBuilder {
  return knex(`${t.commentPost.table} as l`)
    .join(`${t.comments} as c`, 'c.id', `l.${t.commentPost.owner}`)
    .where(notHidden('c.hidden'));
}

/** The first INLINE_COMMENTS comments of each post, oldest first, ties by lowest id. */
async function loadFirstComments(strapi: Core.Strapi, postIds: number[]): Promise<Map<number, CommentView[]>> {
  const t = tables(strapi);
  const knex: Knex = strapi.db.connection;
  const ranked = visibleComments(knex, t)
    .whereIn(`l.${t.commentPost.target}`, postIds)
    .select(`c.id as id`, `l.${t.commentPost.target} as post`)
    .select(knex.raw(`row_number() over (partition by l.?? order by c.created_at asc, c.id asc) as rn`, [t.commentPost.target]));
  const picked: Array<{ id: unknown; post: unknown }> = await knex
    .from(ranked.as('r'))
    .where('rn', '<=', INLINE_COMMENTS)
    .select('id', 'post');
  const result = new Map<number, CommentView[]>();
  if (picked.length === 0) return result;

  const postOf = new Map(picked.map((row) => [Number(row.id), Number(row.post)]));
  const comments = (await strapi.db.query('api::comment.comment').findMany({
    where: { id: { $in: [...postOf.keys()] } },
    select: ['id', 'documentId', 'content', 'createdAt'],
    populate: { author: { select: [...AUTHOR_FIELDS] } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  })) as CommentRow[];

  for (const comment of comments) {
    const postId = postOf.get(comment.id);
    if (postId === undefined) continue;
    const list = result.get(postId) ?? [];
    list.push(toCommentView(comment));
    result.set(postId, list);
  }
  return result;
}

export function toCommentView(row: CommentRow): CommentView {
  return {
    id: row.id,
    documentId: row.documentId,
    content: row.content,
    createdAt: iso(row.createdAt),
    author: toAuthor(row.author),
  };
}
