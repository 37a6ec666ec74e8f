import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { iso, type NotificationView } from '../../lib/shapes';
import { NOTIFY, type NotificationType } from '../derived/notifications';
import { dialectOf, flagSql, isPostgres, pgIntArray } from '../dialect';
import { readIdPage, type IdPage, type Keyset, type PageRequestLike } from '../keyset';
import { prepared } from '../prepared';
import { tables } from '../tables';
import { notBlocked, notMuted } from '../visibility';
import { commentRepository } from './comments';

/** Newest first: the notifications' ids are given out in the order they are made. */
const NEWEST_FIRST: Keyset = { columns: [{ expr: 'n.id' }], order: 'desc' };
export const NOTIFICATION_KEY_LENGTH = 1;

/**
 * The notifications aggregate. The rows are written by database triggers only
 * (src/db/derived/notifications.ts); here they are read, and marked read.
 */
export function notificationRepository(strapi: Core.Strapi) {
  const knex = (): Knex => strapi.db.connection;
  const N = NOTIFY.notifications;
  const comments = commentRepository(strapi);

  /** The caller's notifications they are shown: not from a user blocked either way, nor muted. */
  const shownTo = (userId: number): Knex.QueryBuilder =>
    knex()(`${N} as n`).where('n.user_id', userId).andWhere(notBlocked(strapi, 'n.actor_id', userId)).andWhere(notMuted(strapi, 'n.actor_id', userId));

  const whereIds = (query: Knex.QueryBuilder, column: string, ids: number[]) =>
    isPostgres(strapi) ? query.whereRaw(`${column} = ANY(?::bigint[])`, [pgIntArray(ids)]) : query.whereIn(column, ids);

  return {
    /** A page of the ids of the caller's notifications, newest first. */
    page(userId: number, request: PageRequestLike): Promise<IdPage> {
      return readIdPage(knex(), dialectOf(strapi), shownTo(userId), NEWEST_FIRST, 'n.id', request, (built) => prepared(strapi, built));
    },

    /** The notifications of `ids` that `userId` receives and is shown, as the API shows them, in the order of `ids`. */
    async views(userId: number, ids: number[]): Promise<NotificationView[]> {
      if (ids.length === 0) return [];
      const t = tables(strapi);
      // Three primary-key reads rather than one join: joined, PostgreSQL merge-joined the users
      // table in id order, a scan that grew with the number of users (the viral author's page 1).
      const query = whereIds(shownTo(userId), 'n.id', ids).select('n.id', 'n.type', 'n.created_at', 'n.is_read', 'n.comment_id', 'n.actor_id', 'n.post_id');
      const found = (await query) as Array<Record<string, unknown>>;
      const idsOf = (column: string) => [...new Set(found.flatMap((row) => (row[column] == null ? [] : [Number(row[column])])))];
      const actorIds = idsOf('actor_id');
      const postIds = idsOf('post_id');
      const [actors, posts] = await Promise.all([
        actorIds.length === 0 ? [] : whereIds(knex()(`${t.users} as u`).select('u.id', 'u.document_id', 'u.username', 'u.name'), 'u.id', actorIds),
        postIds.length === 0 ? [] : whereIds(knex()(`${t.posts} as p`).select('p.id', 'p.document_id', 'p.title'), 'p.id', postIds),
      ]);
      const actorById = new Map((actors as Array<Record<string, unknown>>).map((u) => [Number(u.id), u]));
      const postById = new Map((posts as Array<Record<string, unknown>>).map((p) => [Number(p.id), p]));
      const rows = found.flatMap((row) => {
        const actor = actorById.get(Number(row.actor_id));
        const post = row.post_id == null ? undefined : postById.get(Number(row.post_id));
        if (!actor) return [];
        return [
          {
            ...row,
            a_id: actor.id,
            a_doc: actor.document_id,
            a_username: actor.username,
            a_name: actor.name,
            p_id: post?.id ?? null,
            p_doc: post?.document_id ?? null,
            p_title: post?.title ?? null,
          } as Record<string, unknown>,
        ];
      });
      const commentIds = rows.flatMap((row) => (row.comment_id == null ? [] : [Number(row.comment_id)]));
      const commentsById = new Map((await comments.views(commentIds)).map((view) => [view.id, view]));
      const byId = new Map<number, NotificationView>();
      for (const row of rows) {
        const comment = row.comment_id == null ? null : (commentsById.get(Number(row.comment_id)) ?? null);
        // A comment deleted between the two reads: its notification is gone too.
        if (row.comment_id != null && !comment) continue;
        byId.set(Number(row.id), {
          id: Number(row.id),
          type: String(row.type) as NotificationType,
          createdAt: iso(row.created_at),
          read: Number(row.is_read) === 1,
          actor: { id: Number(row.a_id), documentId: String(row.a_doc), username: String(row.a_username), name: (row.a_name as string | null) ?? null },
          post: row.p_id == null ? null : { id: Number(row.p_id), documentId: String(row.p_doc), title: String(row.p_title) },
          comment,
        });
      }
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    /** The caller's unread count: one counter row (kept by triggers), never a COUNT(*). */
    async unread(userId: number): Promise<number> {
      const row = (await prepared(strapi, knex()(NOTIFY.unread).select('unread').where('user_id', userId).first())) as { unread: number | string } | undefined;
      return row ? Number(row.unread) : 0;
    },

    /** Marks the caller's notifications read, all or those with an id up to `upTo`; the triggers keep the counter. */
    async markRead(userId: number, upTo?: number): Promise<void> {
      const query = knex()(N).where('user_id', userId).andWhere('is_read', 0);
      if (upTo !== undefined) query.andWhere('id', '<=', upTo);
      await query.update({ is_read: 1 });
    },

    /** Notifications made after `afterId`, in id order (SQLite's stream source: one writer, so ids commit in order). */
    async since(afterId: number, limit: number): Promise<Array<{ id: number; userId: number }>> {
      const rows = (await knex()(N).select('id', 'user_id').where('id', '>', afterId).orderBy('id', 'asc').limit(limit)) as Array<Record<string, unknown>>;
      return rows.map((row) => ({ id: Number(row.id), userId: Number(row.user_id) }));
    },

    async lastId(): Promise<number> {
      const row = (await knex()(N).max('id as id').first()) as { id: number | string | null } | undefined;
      return Number(row?.id ?? 0);
    },

    /** Of `userIds`, those that still exist and are not blocked by a moderator (open streams are held to it). */
    async activeUsers(userIds: number[]): Promise<Set<number>> {
      if (userIds.length === 0) return new Set();
      const query = knex()(tables(strapi).users).select('id').whereRaw(`${flagSql('blocked')} = 0`);
      const rows = (await whereIds(query, 'id', userIds)) as Array<{ id: number | string }>;
      return new Set(rows.map((row) => Number(row.id)));
    },
  };
}
