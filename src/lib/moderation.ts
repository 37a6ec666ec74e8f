import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { isTrue, tables } from './tables';

/** A stored `hidden` flag (boolean or 0/1); NULL counts as visible. */
export const isHidden = isTrue;

/** Everyone sees a post unless a moderator hid it; then only its author does. */
export const mayView = (post: { hidden: boolean; authorId: number | null }, viewerId?: number): boolean =>
  !post.hidden || (viewerId !== undefined && post.authorId === viewerId);

/** The id of a post's author, or null for a post without one. */
export async function postAuthorId(strapi: Core.Strapi, db: Knex | Knex.Transaction, postId: number): Promise<number | null> {
  const t = tables(strapi);
  const row = await db(t.postAuthor.table).select(t.postAuthor.target).where(t.postAuthor.owner, postId).first();
  return row ? Number(row[t.postAuthor.target]) : null;
}

/** mayView for a post whose author is not loaded yet: looked up only when the post is hidden. */
export async function canSeePost(
  strapi: Core.Strapi,
  db: Knex | Knex.Transaction,
  post: { id: number; hidden: boolean },
  viewerId?: number
): Promise<boolean> {
  if (!post.hidden || viewerId === undefined) return mayView({ hidden: post.hidden, authorId: null }, viewerId);
  return mayView({ hidden: true, authorId: await postAuthorId(strapi, db, post.id) }, viewerId);
}
