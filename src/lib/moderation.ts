import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { tables } from './tables';

/** Hidden rows are stored as booleans (PostgreSQL) or 0/1 (SQLite); NULL counts as visible. */
export const isHidden = (value: unknown): boolean => value === true || value === 1 || value === '1';

/** The id of a post's author, or null for a post without one. */
export async function postAuthorId(strapi: Core.Strapi, db: Knex | Knex.Transaction, postId: number): Promise<number | null> {
  const t = tables(strapi);
  const row = await db(t.postAuthor.table).select(t.postAuthor.target).where(t.postAuthor.owner, postId).first();
  return row ? Number(row[t.postAuthor.target]) : null;
}

/** Whether the viewer may see a post: everyone unless a moderator hid it, then only its author. */
export async function canSeePost(
  strapi: Core.Strapi,
  db: Knex | Knex.Transaction,
  post: { id: number; hidden: boolean },
  viewerId?: number
): Promise<boolean> {
  if (!post.hidden) return true;
  if (viewerId === undefined) return false;
  return (await postAuthorId(strapi, db, post.id)) === viewerId;
}
