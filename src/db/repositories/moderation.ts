import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { KeyPart, Position } from '../../lib/cursor';
import type { KeyedPage } from '../../lib/cursor-page';
import { isPostgres, isTrue } from '../dialect';
import { MODERATION_LOG } from '../moderation-log';
import { MODERATION_QUEUE } from '../moderation-queue';
import { prepared } from '../prepared';
import { ISO_UTC } from '../utc-timestamps';
import { columnOf, tables } from '../tables';
import type { Db } from './posts';
import { toUserRecord, userRecordSql, type UserRecord } from './user-record';

/**
 * The moderation console's SQL: the queue of reported items, what a card shows about an item and
 * its author, the writes of each decision, the audit log and the widget's figures. The service
 * (src/moderation/service.ts) keeps the rules and the transactions.
 */
export type ItemKind = 'post' | 'comment';
export type ItemRef = { kind: ItemKind; id: number };
export type QueueKey = { kind: ItemKind; id: number; open: number; first: unknown };

export type LogEntry = {
  id: number;
  at: string;
  actor: string;
  action: string;
  kind: string;
  itemId: number;
  userId: number | null;
  label: string | null;
  note: string | null;
  detail: unknown;
};
export type NewLogEntry = {
  actorId: number | null;
  actor: string;
  action: string;
  kind: ItemKind | 'user';
  itemId: number;
  userId: number | null;
  label?: string | null;
  note?: string | null;
  detail?: unknown;
};

export type ItemRow = { kind: ItemKind; id: number; documentId: string; title: string | null; text: string; postId: number | null; postTitle: string | null; hidden: boolean; createdAt: string; authorId: number | null };

export const iso = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' && ISO_UTC.test(value)) return value; // written by PostgreSQL (src/db/utc-timestamps.ts)
  const date = value instanceof Date ? value : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as string | number));
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString();
};

/** A row of the log table (or its JSON, from the cards' statement) as an entry. */
export const mapLog = (row: Record<string, unknown>): LogEntry => {
  let detail: unknown = null;
  if (typeof row.detail === 'string') {
    try {
      detail = JSON.parse(row.detail);
    } catch {
      detail = row.detail;
    }
  }
  return {
    id: Number(row.id),
    at: iso(row.created_at),
    actor: String(row.actor),
    action: String(row.action),
    kind: String(row.kind),
    itemId: Number(row.item_id),
    userId: row.user_id == null ? null : Number(row.user_id),
    label: (row.label as string | null) ?? null,
    note: (row.note as string | null) ?? null,
    detail,
  };
};

/** PostgreSQL timestamps travel in cursors as text to the microsecond (as src/db/keyset.ts does). */
const PG_TIME = `'YYYY-MM-DD"T"HH24:MI:SS.US'`;

/**
 * The SQL of a page of the queue (social_moderation_queue, src/db/moderation-queue.ts): most open
 * reports first, then the oldest open report first, then kind and id (a total order, so cursors
 * never skip or repeat a card). Its rows (kind, item_id, open_count, first_at, first_key), at most
 * limit + 1 of them, come in `order`: reading order forward, reversed backward.
 */
export function queuePageSql(pg: boolean, limit: number, position: Position | null, inlineLimit = false): { sql: string; bindings: unknown[]; order: string; forward: boolean } {
  const forward = !position || position.direction === 'next';
  const firstExpr = pg ? `to_char(first_at, ${PG_TIME})` : 'first_at';
  let where = '';
  const bindings: unknown[] = [];
  if (position) {
    const [open, first, kind, id] = position.key as [number, KeyPart, string, number];
    const inclusive = position.inclusive ? '=' : '';
    // In reading order: open DESC, first ASC, kind ASC, id ASC (all flipped when reading back).
    const [lt, gt] = forward ? ['<', '>'] : ['>', '<'];
    const time = pg ? '?::timestamp' : '?';
    where = `WHERE (open_count ${lt} ? OR (open_count = ? AND (first_at ${gt} ${time} OR (first_at = ${time} AND (kind ${gt} ? OR (kind = ? AND item_id ${gt}${inclusive} ?))))))`;
    bindings.push(open, open, first, first, kind, kind, id);
  }
  const dir = (asc: boolean) => (asc === forward ? 'ASC' : 'DESC');
  const order = `open_count ${dir(false)}, first_at ${dir(true)}, kind ${dir(true)}, item_id ${dir(true)}`;
  // inlineLimit: the limit in the text (a whole number, 1 to 40, checked by the route). With `LIMIT $n`,
  // PostgreSQL plans a prepared statement anew on every run (the generic plan's guess of 10% of
  // the table looks dearer), which for the cards' statement costs more than running it.
  const max = Math.trunc(limit) + 1;
  const sql = `SELECT kind, item_id, open_count, first_at, ${firstExpr} AS first_key FROM ${MODERATION_QUEUE} ${where} ORDER BY ${order} LIMIT ${inlineLimit ? String(max) : '?'}`;
  return { sql, bindings: inlineLimit ? bindings : [...bindings, max], order, forward };
}

/** The page of queuePageSql's rows, in reading order. */
export function queuePageOf(rows: Array<Record<string, unknown>>, limit: number, forward: boolean, pg: boolean): KeyedPage<QueueKey> {
  const items = rows.slice(0, limit).map((row) => {
    const open = Number(row.open_count);
    const firstKey = pg ? String(row.first_key) : Number(row.first_key);
    const kind = row.kind as ItemKind;
    const id = Number(row.item_id);
    return { key: [open, firstKey, kind, id] as KeyPart[], item: { kind, id, open, first: row.first_at } };
  });
  if (!forward) items.reverse();
  return { items, more: rows.length > limit };
}

export function moderationRepository(strapi: Core.Strapi) {
  const knex = (): Knex => strapi.db.connection;
  const pg = () => isPostgres(strapi);
  const t = () => tables(strapi);
  const itemTable = (kind: ItemKind) => (kind === 'post' ? t().posts : t().comments);
  const authorLink = (kind: ItemKind) => (kind === 'post' ? t().postAuthor : t().commentAuthor);
  const reportLink = (kind: ItemKind) => (kind === 'post' ? t().reportPost : t().reportComment);
  const noteColumn = () => columnOf(strapi, 'api::post.post', 'moderationNote');

  return {
    /**
     * A page of the queue (social_moderation_queue, src/db/moderation-queue.ts): most open reports first, then the oldest open report first, then kind
     * and id (a total order, so cursors never skip or repeat a card).
     */
    async queuePage(limit: number, position: Position | null): Promise<KeyedPage<QueueKey>> {
      const page = queuePageSql(pg(), limit, position);
      const result = await prepared(strapi, knex().raw(page.sql, page.bindings));
      const rows = (pg() ? (result as { rows: unknown[] }).rows : result) as Array<Record<string, unknown>>;
      return queuePageOf(rows, limit, page.forward, pg());
    },

    /** The items (content, post title for comments, author id), by kind and id. */
    async items(refs: ItemRef[]): Promise<ItemRow[]> {
      const db = knex();
      const { posts, comments, postAuthor, commentAuthor, commentPost } = t();
      const out: ItemRow[] = [];
      const postIds = refs.filter((r) => r.kind === 'post').map((r) => r.id);
      const commentIds = refs.filter((r) => r.kind === 'comment').map((r) => r.id);
      if (postIds.length) {
        const rows = await db(`${posts} as p`)
          .leftJoin(`${postAuthor.table} as a`, `a.${postAuthor.owner}`, 'p.id')
          .whereIn('p.id', postIds)
          .select('p.id', 'p.document_id', 'p.title', 'p.description', 'p.hidden', 'p.created_at', `a.${postAuthor.target} as author_id`);
        for (const row of rows) {
          out.push({ kind: 'post', id: Number(row.id), documentId: row.document_id, title: row.title, text: row.description ?? '', postId: Number(row.id), postTitle: row.title, hidden: isTrue(row.hidden), createdAt: iso(row.created_at), authorId: row.author_id == null ? null : Number(row.author_id) });
        }
      }
      if (commentIds.length) {
        const rows = await db(`${comments} as c`)
          .leftJoin(`${commentAuthor.table} as a`, `a.${commentAuthor.owner}`, 'c.id')
          .leftJoin(`${commentPost.table} as cp`, `cp.${commentPost.owner}`, 'c.id')
          .leftJoin(`${posts} as p`, 'p.id', `cp.${commentPost.target}`)
          .whereIn('c.id', commentIds)
          .select('c.id', 'c.document_id', 'c.content', 'c.hidden', 'c.created_at', `a.${commentAuthor.target} as author_id`, 'p.id as post_id', 'p.title as post_title');
        for (const row of rows) {
          out.push({ kind: 'comment', id: Number(row.id), documentId: row.document_id, title: null, text: row.content ?? '', postId: row.post_id == null ? null : Number(row.post_id), postTitle: row.post_title ?? null, hidden: isTrue(row.hidden), createdAt: iso(row.created_at), authorId: row.author_id == null ? null : Number(row.author_id) });
        }
      }
      return out;
    },

    /** The open reports of the items, oldest first, with who reported. */
    async openReports(refs: ItemRef[]) {
      const db = knex();
      const { reports, reportReporter, users } = t();
      const out: Array<{ kind: ItemKind; itemId: number; id: number; reason: string; details: string | null; createdAt: string; reporter: { id: number; username: string } | null }> = [];
      for (const kind of ['post', 'comment'] as const) {
        const ids = refs.filter((r) => r.kind === kind).map((r) => r.id);
        if (!ids.length) continue;
        const link = reportLink(kind);
        const rows = await db(`${reports} as r`)
          .join(`${link.table} as l`, `l.${link.owner}`, 'r.id')
          .leftJoin(`${reportReporter.table} as rr`, `rr.${reportReporter.owner}`, 'r.id')
          .leftJoin(`${users} as u`, 'u.id', `rr.${reportReporter.target}`)
          .where('r.state', 'open')
          .whereIn(`l.${link.target}`, ids)
          .orderBy([{ column: 'r.created_at' }, { column: 'r.id' }])
          .select('r.id', 'r.reason', 'r.details', 'r.created_at', `l.${link.target} as item_id`, 'u.id as u_id', 'u.username as u_name');
        for (const row of rows) {
          out.push({ kind, itemId: Number(row.item_id), id: Number(row.id), reason: row.reason, details: row.details ?? null, createdAt: iso(row.created_at), reporter: row.u_id == null ? null : { id: Number(row.u_id), username: row.u_name } });
        }
      }
      return out;
    },

    /**
     * Each user's record: account age, posts and comments, hidden items, reports against them,
     * blocked. One statement: each user's row and their counters' row (user-record.ts), so a page
     * of cards costs one round trip here, not one per figure.
     */
    async userRecords(userIds: number[]): Promise<UserRecord[]> {
      const ids = [...new Set(userIds)];
      if (!ids.length) return [];
      const db = knex();
      const { columns, joins } = userRecordSql(strapi);
      const query = db(`${t().users} as u`).select(db.raw(columns.sql, columns.bindings)).whereIn('u.id', ids);
      if (joins.sql) query.joinRaw(joins.sql, joins.bindings);
      const rows = (await query) as Array<Record<string, unknown>>;
      return rows.map((row) => toUserRecord(row, iso));
    },

    /** Locks the item's row for the transaction (PostgreSQL); its hidden flag and author, or null when gone. */
    async lockItem(trx: Db, ref: ItemRef): Promise<{ hidden: boolean; authorId: number | null; label: string } | null> {
      const link = authorLink(ref.kind);
      const labelColumn = ref.kind === 'post' ? 'title' : 'content';
      const query = trx(`${itemTable(ref.kind)} as x`).select('x.id', 'x.hidden', `x.${labelColumn} as label`).where('x.id', ref.id).first();
      if (pg()) query.forUpdate();
      const row = await query;
      if (!row) return null;
      const author = await trx(link.table).select(link.target).where(link.owner, ref.id).first();
      return { hidden: isTrue(row.hidden), authorId: author ? Number(author[link.target]) : null, label: String(row.label ?? '').slice(0, 255) };
    },

    /** Locks the user's row; its blocked flag and name, or null when gone. */
    async lockUser(trx: Db, userId: number): Promise<{ blocked: boolean; username: string } | null> {
      const query = trx(t().users).select('id', 'blocked', 'username').where('id', userId).first();
      if (pg()) query.forUpdate();
      const row = await query;
      return row ? { blocked: isTrue(row.blocked), username: row.username } : null;
    },

    /** The ids of the item's open reports. */
    async openReportIds(trx: Db, ref: ItemRef): Promise<number[]> {
      const link = reportLink(ref.kind);
      const rows = await trx(`${t().reports} as r`).join(`${link.table} as l`, `l.${link.owner}`, 'r.id').where(`l.${link.target}`, ref.id).where('r.state', 'open').select('r.id');
      return rows.map((row: { id: unknown }) => Number(row.id));
    },

    /** Closes reports (resolved or dismissed), stamped with who and when; the item's count is recounted. */
    async closeReports(trx: Db, ref: ItemRef, ids: number[], state: 'resolved' | 'dismissed', actor: string): Promise<void> {
      if (ids.length) {
        await trx(t().reports).whereIn('id', ids).where('state', 'open').update({ state, resolved_by: actor.slice(0, 255), resolved_at: new Date(), updated_at: new Date() });
      }
      const link = reportLink(ref.kind);
      const open = trx(`${link.table} as l`).join(`${t().reports} as r`, 'r.id', `l.${link.owner}`).where(`l.${link.target}`, ref.id).where('r.state', 'open').count('*');
      await trx(itemTable(ref.kind)).where('id', ref.id).update({ open_reports: open });
    },

    async setHidden(trx: Db, ref: ItemRef, hidden: boolean, note?: string): Promise<void> {
      const data: Record<string, unknown> = { hidden };
      if (note !== undefined) data[noteColumn()] = note;
      await trx(itemTable(ref.kind)).where('id', ref.id).update(data);
    },

    async setBlocked(trx: Db, userId: number, blocked: boolean): Promise<void> {
      await trx(t().users).where('id', userId).update({ blocked });
    },

    /** The user's visible (not hidden) posts and comments, for a suspension. */
    async visibleItemsOf(trx: Db, userId: number): Promise<ItemRef[]> {
      const out: ItemRef[] = [];
      for (const kind of ['post', 'comment'] as const) {
        const link = authorLink(kind);
        const rows = await trx(`${itemTable(kind)} as x`).join(`${link.table} as a`, `a.${link.owner}`, 'x.id').where(`a.${link.target}`, userId).where('x.hidden', false).select('x.id');
        for (const row of rows) out.push({ kind, id: Number(row.id) });
      }
      return out;
    },

    /** Of these items, the ones that still exist and are hidden. */
    async stillHidden(trx: Db, refs: ItemRef[]): Promise<ItemRef[]> {
      const out: ItemRef[] = [];
      for (const kind of ['post', 'comment'] as const) {
        const ids = refs.filter((r) => r.kind === kind).map((r) => r.id);
        if (!ids.length) continue;
        const rows = await trx(itemTable(kind)).whereIn('id', ids).where('hidden', true).select('id');
        for (const row of rows) out.push({ kind, id: Number(row.id) });
      }
      return out;
    },

    async setHiddenMany(trx: Db, refs: ItemRef[], hidden: boolean): Promise<void> {
      for (const kind of ['post', 'comment'] as const) {
        const ids = refs.filter((r) => r.kind === kind).map((r) => r.id);
        for (let i = 0; i < ids.length; i += 500) await trx(itemTable(kind)).whereIn('id', ids.slice(i, i + 500)).update({ hidden });
      }
    },

    async log(db: Db, entries: NewLogEntry[]): Promise<void> {
      if (!entries.length) return;
      const now = new Date();
      const rows = entries.map((e) => ({
        created_at: now,
        actor_id: e.actorId,
        actor: e.actor.slice(0, 255),
        action: e.action,
        kind: e.kind,
        item_id: e.itemId,
        user_id: e.userId,
        label: e.label ? e.label.slice(0, 255) : null,
        note: e.note ?? null,
        detail: e.detail === undefined ? null : JSON.stringify(e.detail),
      }));
      for (let i = 0; i < rows.length; i += 200) await db(MODERATION_LOG).insert(rows.slice(i, i + 200));
    },

    /** The latest entry of an item (for "already done by …"). */
    async lastEntry(db: Db, kind: string, itemId: number): Promise<LogEntry | null> {
      const row = await db(MODERATION_LOG).where({ kind, item_id: itemId }).orderBy('id', 'desc').first();
      return row ? mapLog(row) : null;
    },

    /** The latest block of a user that hid items (the suspension an unblock may undo). */
    async lastSuspension(db: Db, userId: number): Promise<LogEntry | null> {
      const row = await db(MODERATION_LOG).where({ kind: 'user', item_id: userId, action: 'block' }).orderBy('id', 'desc').first();
      return row ? mapLog(row) : null;
    },

    /** Log entries, newest first: of some items, or concerning a user; `before` pages by id. */
    async entries(filter: { items?: ItemRef[]; userId?: number; before?: number; limit: number }): Promise<LogEntry[]> {
      const db = knex();
      const query = db(MODERATION_LOG).orderBy('id', 'desc').limit(filter.limit);
      if (filter.items) {
        if (!filter.items.length) return [];
        query.where((w) => {
          for (const ref of filter.items ?? []) w.orWhere({ kind: ref.kind, item_id: ref.id });
        });
      }
      if (filter.userId !== undefined) query.where((w) => w.where('user_id', filter.userId as number).orWhere({ kind: 'user', item_id: filter.userId as number }));
      if (filter.before !== undefined) query.where('id', '<', filter.before);
      return ((await query) as Array<Record<string, unknown>>).map(mapLog);
    },

    /** A user's posts and comments, newest first (the user page). */
    async contentOf(userId: number, limit: number) {
      const db = knex();
      const { posts, comments, postAuthor, commentAuthor } = t();
      const [p, c] = await Promise.all([
        db(`${posts} as x`).join(`${postAuthor.table} as a`, `a.${postAuthor.owner}`, 'x.id').where(`a.${postAuthor.target}`, userId).orderBy('x.id', 'desc').limit(limit).select('x.id', 'x.document_id', 'x.title', 'x.description', 'x.hidden', 'x.open_reports', 'x.created_at'),
        db(`${comments} as x`).join(`${commentAuthor.table} as a`, `a.${commentAuthor.owner}`, 'x.id').where(`a.${commentAuthor.target}`, userId).orderBy('x.id', 'desc').limit(limit).select('x.id', 'x.document_id', 'x.content', 'x.hidden', 'x.open_reports', 'x.created_at'),
      ]);
      return {
        posts: p.map((row: Record<string, unknown>) => ({ id: Number(row.id), documentId: row.document_id, title: row.title, text: row.description ?? '', hidden: isTrue(row.hidden), openReports: Number(row.open_reports ?? 0), createdAt: iso(row.created_at) })),
        comments: c.map((row: Record<string, unknown>) => ({ id: Number(row.id), documentId: row.document_id, text: row.content ?? '', hidden: isTrue(row.hidden), openReports: Number(row.open_reports ?? 0), createdAt: iso(row.created_at) })),
      };
    },

    /** The reports against a user's posts and comments, newest first. */
    async reportsAgainst(userId: number, limit: number) {
      const db = knex();
      const { reports, postAuthor, commentAuthor, reportPost, reportComment } = t();
      const part = (kind: ItemKind, author: typeof postAuthor, link: typeof reportPost) =>
        db(`${reports} as r`)
          .join(`${link.table} as l`, `l.${link.owner}`, 'r.id')
          .join(`${author.table} as a`, `a.${author.owner}`, `l.${link.target}`)
          .where(`a.${author.target}`, userId)
          .orderBy('r.id', 'desc')
          .limit(limit)
          .select('r.id', 'r.reason', 'r.details', 'r.state', 'r.target', 'r.created_at', `l.${link.target} as item_id`)
          .then((rows: Array<Record<string, unknown>>) => rows.map((row) => ({ id: Number(row.id), kind, itemId: Number(row.item_id), reason: row.reason, details: row.details ?? null, status: row.state, label: row.target, createdAt: iso(row.created_at) })));
      const [p, c] = await Promise.all([part('post', postAuthor, reportPost), part('comment', commentAuthor, reportComment)]);
      return [...p, ...c].sort((a, b) => b.id - a.id).slice(0, limit);
    },

    /** The widget: open reports, reports since `today`, items hidden since `week`, reports per day from `days[0]`. */
    async stats(today: Date, week: Date, days: Date[]) {
      const db = knex();
      const { reports } = t();
      const [open] = await db(reports).where('state', 'open').count({ n: '*' });
      const [todayCount] = await db(reports).where('created_at', '>=', today).count({ n: '*' });
      const hiddenRows = await db(MODERATION_LOG).where('created_at', '>=', week).whereIn('action', ['hide', 'content-manager-hide']).select(db.raw('COUNT(DISTINCT kind || \':\' || item_id) AS n'));
      const sums = days.map((_, i) => `SUM(CASE WHEN created_at >= ? AND created_at < ? THEN 1 ELSE 0 END) AS d${i}`);
      const bindings = days.flatMap((day, i) => [day, days[i + 1] ?? new Date(day.getTime() + 86_400_000)]);
      const [perDay] = (await db(reports).where('created_at', '>=', days[0]).select(db.raw(sums.join(', '), bindings))) as Array<Record<string, unknown>>;
      return {
        openReports: Number(open.n),
        reportsToday: Number(todayCount.n),
        hiddenThisWeek: Number((hiddenRows[0] as Record<string, unknown>).n ?? 0),
        perDay: days.map((day, i) => ({ day: day.toISOString().slice(0, 10), reports: Number(perDay?.[`d${i}`] ?? 0) })),
      };
    },
  };
}
