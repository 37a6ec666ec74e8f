import type { Core } from '@strapi/strapi';
import { moderationRepository, type NewLogEntry } from '../db/repositories/moderation';
import { actorOf } from '../moderation/service';

type Event = {
  model: { uid: string };
  params: { data?: Record<string, unknown>; where?: Record<string, unknown> };
  state: Record<string, unknown>;
};

const WATCHED: Record<string, { kind: 'post' | 'comment' | 'user'; field: 'hidden' | 'blocked'; on: string; off: string; label: string }> = {
  'api::post.post': { kind: 'post', field: 'hidden', on: 'hide', off: 'unhide', label: 'title' },
  'api::comment.comment': { kind: 'comment', field: 'hidden', on: 'hide', off: 'unhide', label: 'content' },
  'plugin::users-permissions.user': { kind: 'user', field: 'blocked', on: 'block', off: 'unblock', label: 'username' },
};

/**
 * The audit log also records `hidden` and `blocked` changed by hand in the Content Manager (or
 * by any other Query Engine write): before the update the rows' old values are read, after it
 * each row whose value changed gets a log entry with the admin of the request, if any ("system"
 * otherwise). The console's own writes go through its repository (knex), not the Query Engine,
 * and log themselves, so nothing is written twice.
 */
export function subscribeModerationLifecycles(strapi: Core.Strapi): void {
  const repo = moderationRepository(strapi);

  strapi.db.lifecycles.subscribe({
    models: Object.keys(WATCHED),
    async beforeUpdate(event: Event) {
      const watched = WATCHED[event.model.uid];
      if (!watched || !event.params.data || !(watched.field in event.params.data) || !event.params.where) return;
      const rows = (await strapi.db.query(event.model.uid as never).findMany({ where: event.params.where, select: ['id', watched.field, watched.label] } as never)) as Array<Record<string, unknown>>;
      event.state.moderationBefore = rows.map((row) => ({ id: Number(row.id), value: Boolean(row[watched.field]), label: row[watched.label] }));
    },
    async afterUpdate(event: Event) {
      const watched = WATCHED[event.model.uid];
      const before = event.state.moderationBefore as Array<{ id: number; value: boolean; label: unknown }> | undefined;
      if (!watched || !before?.length) return;
      const value = Boolean(event.params.data?.[watched.field]);
      const changed = before.filter((row) => row.value !== value);
      if (!changed.length) return;
      const ctx = strapi.requestContext.get();
      const admin = ctx?.state?.auth?.strategy?.name === 'admin' ? ctx.state.user : undefined;
      const actor = actorOf(admin);
      const uid = event.model.uid;
      const authorOf = async (id: number): Promise<number | null> => {
        if (watched.kind === 'user') return id;
        const row = (await strapi.db.query(uid as never).findOne({ where: { id }, select: ['id'], populate: { author: { select: ['id'] } } } as never)) as { author?: { id: number } | null } | null;
        return row?.author?.id ?? null;
      };
      const entries: NewLogEntry[] = [];
      for (const row of changed) {
        entries.push({
          actorId: actor.id,
          actor: actor.name,
          action: value ? watched.on : watched.off,
          kind: watched.kind,
          itemId: row.id,
          userId: await authorOf(row.id),
          label: typeof row.label === 'string' ? row.label : null,
          note: typeof event.params.data?.moderationNote === 'string' ? (event.params.data.moderationNote as string) : null,
          detail: { via: admin ? 'content-manager' : 'query-engine' },
        });
      }
      await strapi.db.transaction(async ({ trx }) => repo.log(trx, entries));
    },
  });
}
