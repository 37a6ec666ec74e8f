import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { tables } from './tables';

/** Hidden rows are stored as booleans (PostgreSQL) or 0/1 (SQLite); NULL counts as visible. */
export const isHidden = (value: unknown): boolean => value === true || value === 1 || value === '1';

/** Whether the viewer may see a post: everyone unless a moderator hid it, then only its author. */
export async function canSeePost(
  strapi: Core.Strapi,
  db: Knex | Knex.Transaction,
  post: { id: number; hidden: boolean },
  viewerId?: number
): Promise<boolean> {
  if (!post.hidden) return true;
  if (viewerId === undefined) return false;
  const t = tables(strapi);
  const row = await db(t.postAuthor.table).select(t.postAuthor.target).where(t.postAuthor.owner, post.id).first();
  return row !== undefined && Number(row[t.postAuthor.target]) === viewerId;
}
