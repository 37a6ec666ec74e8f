import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { moderationRepository, type ItemKind, type ItemRef, type LogEntry } from '../db/repositories/moderation';
import { repositories } from '../db/repositories';
import { conflict } from './conflict';

/**
 * The console's decisions. Each runs in one transaction that first locks the item's row (or the
 * user's) on PostgreSQL; SQLite runs one writer at a time. The check that there is something to
 * do (open reports on the item, a user not yet blocked) happens after the lock, so of two
 * moderators acting on the same item at once exactly one acts and the other gets a 409 that says
 * who did what.
 */
export type Actor = { id: number | null; name: string };
export type ItemAction = 'hide' | 'dismiss' | 'hide-and-block' | 'delete';
export type Outcome = { kind: ItemKind; id: number; action: ItemAction; reportsClosed: number; authorBlocked?: boolean };

const made = new WeakMap<Core.Strapi, ReturnType<typeof make>>();
export const moderation = (strapi: Core.Strapi) => {
  let found = made.get(strapi);
  if (!found) made.set(strapi, (found = make(strapi)));
  return found;
};

export const actorOf = (user: { id?: number; firstname?: string | null; lastname?: string | null; email?: string } | undefined): Actor => ({
  id: user?.id ?? null,
  name: user ? [user.firstname, user.lastname].filter(Boolean).join(' ') + (user.email ? ` <${user.email}>` : '') : 'system',
});

const describe = (entry: LogEntry | null) => (entry ? `${entry.action} by ${entry.actor} at ${entry.at}` : 'it has no open reports');

function make(strapi: Core.Strapi) {
  const repo = moderationRepository(strapi);
  const { posts } = repositories(strapi);

  const transaction = <T>(work: (trx: Parameters<Parameters<typeof strapi.db.transaction>[0]>[0]['trx']) => Promise<T>) =>
    strapi.db.transaction(async ({ trx }) => work(trx));

  async function actOnItem(ref: ItemRef, action: ItemAction, actor: Actor, note: string | undefined): Promise<Outcome> {
    return transaction(async (trx) => {
      const item = await repo.lockItem(trx, ref);
      if (!item) {
        const last = await repo.lastEntry(trx, ref.kind, ref.id);
        if (last?.action === 'delete') throw conflict(`Already done: this ${ref.kind} was deleted (${describe(last)})`, last);
        throw new errors.NotFoundError(`No ${ref.kind} with id ${ref.id}`);
      }
      const open = await repo.openReportIds(trx, ref);
      if (open.length === 0) {
        const last = await repo.lastEntry(trx, ref.kind, ref.id);
        throw conflict(`Already done: this ${ref.kind} has no open reports (${describe(last)})`, last);
      }
      const base = { actorId: actor.id, actor: actor.name, kind: ref.kind, itemId: ref.id, userId: item.authorId, label: item.label, note: note ?? null };
      const outcome: Outcome = { kind: ref.kind, id: ref.id, action, reportsClosed: open.length };
      if (action === 'dismiss') {
        await repo.closeReports(trx, ref, open, 'dismissed', actor.name);
        await repo.log(trx, [{ ...base, action: 'dismiss', detail: { reports: open } }]);
        return outcome;
      }
      await repo.closeReports(trx, ref, open, 'resolved', actor.name);
      if (action === 'delete') {
        await repo.log(trx, [{ ...base, action: 'delete', detail: { reports: open } }]);
        if (ref.kind === 'post') {
          const key = await posts.findKey(trx, { id: ref.id });
          if (key) await posts.deleteWithComments(trx, key);
        } else {
          const row = await trx(strapi.db.metadata.get('api::comment.comment' as never).tableName).select('document_id').where('id', ref.id).first();
          if (row) await strapi.documents('api::comment.comment').delete({ documentId: row.document_id });
        }
        return outcome;
      }
      await repo.setHidden(trx, ref, true, note);
      const entries = [{ ...base, action: 'hide', detail: { reports: open, wasHidden: item.hidden } }];
      if (action === 'hide-and-block' && item.authorId !== null) {
        const user = await repo.lockUser(trx, item.authorId);
        if (user && !user.blocked) {
          await repo.setBlocked(trx, item.authorId, true);
          entries.push({ ...base, kind: 'user' as ItemKind, itemId: item.authorId, label: user.username, action: 'block', detail: { from: { kind: ref.kind, id: ref.id } } as never });
          outcome.authorBlocked = true;
        } else outcome.authorBlocked = false;
      }
      await repo.log(trx, entries);
      return outcome;
    });
  }

  return {
    repo,
    actOnItem,

    /** Bulk: each item in its own transaction, so one already handled does not undo the others. */
    async actOnItems(refs: ItemRef[], action: ItemAction, actor: Actor, note: string | undefined) {
      const results: Array<{ kind: ItemKind; id: number; status: number; outcome?: Outcome; error?: string }> = [];
      for (const ref of refs) {
        try {
          results.push({ ...ref, status: 200, outcome: await actOnItem(ref, action, actor, note) });
        } catch (error) {
          const e = error as { status?: number; message?: string; name?: string };
          const status = e.name === 'NotFoundError' ? 404 : e.status && e.status < 500 ? e.status : 0;
          if (!status) throw error;
          results.push({ ...ref, status, error: e.message });
        }
      }
      return results;
    },

    /** Blocks a user; with `hideAll`, hides everything they wrote that is visible, recorded for the unblock. */
    async block(userId: number, actor: Actor, note: string, hideAll: boolean) {
      return transaction(async (trx) => {
        const user = await repo.lockUser(trx, userId);
        if (!user) throw new errors.NotFoundError(`No user with id ${userId}`);
        if (user.blocked) throw conflict('Already done: this user is blocked', await repo.lastEntry(trx, 'user', userId));
        await repo.setBlocked(trx, userId, true);
        const hidden = hideAll ? await repo.visibleItemsOf(trx, userId) : [];
        await repo.setHiddenMany(trx, hidden, true);
        const base = { actorId: actor.id, actor: actor.name, userId, note };
        await repo.log(trx, [
          { ...base, action: 'block', kind: 'user', itemId: userId, label: user.username, detail: { hidden } },
          ...hidden.map((ref) => ({ ...base, action: 'hide', kind: ref.kind, itemId: ref.id, detail: { suspension: true } })),
        ]);
        return { id: userId, blocked: true, hidden };
      });
    },

    /** Unblocks a user; with `restore`, shows again exactly what the last suspension hid (and is still hidden). */
    async unblock(userId: number, actor: Actor, note: string | undefined, restore: boolean) {
      return transaction(async (trx) => {
        const user = await repo.lockUser(trx, userId);
        if (!user) throw new errors.NotFoundError(`No user with id ${userId}`);
        if (!user.blocked) throw conflict('Already done: this user is not blocked', await repo.lastEntry(trx, 'user', userId));
        await repo.setBlocked(trx, userId, false);
        let restored: ItemRef[] = [];
        if (restore) {
          const suspension = await repo.lastSuspension(trx, userId);
          const hid = ((suspension?.detail as { hidden?: ItemRef[] } | null)?.hidden ?? []).filter((r) => (r.kind === 'post' || r.kind === 'comment') && Number.isInteger(r.id));
          restored = await repo.stillHidden(trx, hid);
          await repo.setHiddenMany(trx, restored, false);
        }
        const base = { actorId: actor.id, actor: actor.name, userId, note: note ?? null };
        await repo.log(trx, [
          { ...base, action: 'unblock', kind: 'user', itemId: userId, label: user.username, detail: { restored } },
          ...restored.map((ref) => ({ ...base, action: 'unhide', kind: ref.kind, itemId: ref.id, detail: { suspension: true } })),
        ]);
        return { id: userId, blocked: false, restored };
      });
    },
  };
}
