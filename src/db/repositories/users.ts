import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { Counts, MediaView } from '../../lib/shapes';
import type { Ref } from '../../lib/refs';
import { PASSWORD_VERSIONS } from '../accounts';
import { DERIVED } from '../derived/definitions';
import { iso } from '../../lib/shapes';
import { dialectOf, isForeignKeyViolation, isPostgres, isTrue, pgIntArray, q } from '../dialect';
import { readIdPage, type IdPage, type Keyset, type PageRequestLike } from '../keyset';
import { prepared } from '../prepared';
import { notBlocked } from '../visibility';
import { tables, type Tables } from '../tables';
import { filesTable, MEDIA_TABLE, mediaColumns, morphTable, toMediaView, USER_UID } from './media';

/** The users aggregate: accounts, their counters and the follow graph. */
export type ProfileRow = Counts & {
  id: number;
  documentId: string;
  username: string;
  name: string | null;
  email: string;
  bio: string;
  createdAt: string;
  hiddenPosts: number;
  followedByMe: boolean;
  followsMe: boolean;
  avatar: MediaView | null;
  blockedByMe: boolean;
  mutedByMe: boolean;
};

/** What a follow came to: made (or already there), no such user, or refused by a block either way. */
export type FollowOutcome = 'followed' | 'missing' | 'blocked';
export type Credentials = { id: number; documentId: string; username: string; password: string | null; blocked: boolean; confirmed: boolean };

const USER = 'plugin::users-permissions.user';

export function userRepository(strapi: Core.Strapi) {
  const knex = (): Knex => strapi.db.connection;
  const users = () => knex()(tables(strapi).users);

  /** The users column and value a path identifier matches. */
  const refColumn = (ref: NonNullable<Ref>): [string, string | number] =>
    'id' in ref ? ['id', ref.id] : 'documentId' in ref ? ['document_id', ref.documentId] : ['email', ref.email];

  const credentials = async (where: Record<string, unknown>): Promise<Credentials | null> => {
    const row = (await strapi.db.query(USER).findOne({
      where,
      select: ['id', 'documentId', 'username', 'password', 'blocked', 'confirmed'],
    })) as (Credentials & { password?: string | null }) | null;
    if (!row) return null;
    return { ...row, password: row.password ?? null, blocked: row.blocked === true, confirmed: row.confirmed === true };
  };

  /**
   * Users with their counters (social_user_stats, kept exact by triggers) and, for a viewer,
   * whether each follows the other: one query, whatever the number of followers or posts.
   */
  const profileQuery = (viewerId?: number): Knex.QueryBuilder => {
    const t = tables(strapi);
    const db = knex();
    const F = t.follows;
    const B = t.blocks;
    const M = t.mutes;
    const query = db(`${t.users} as u`)
      .leftJoin(`${DERIVED.userStats} as s`, 's.user_id', 'u.id')
      .select('u.id', 'u.document_id', 'u.username', 'u.name', 'u.email', 'u.bio', 'u.created_at', 's.followers', 's.following', 's.posts', 's.hidden_posts');
    // The avatar: the user's one `avatar` link (src/db/repositories/media.ts), in the same query.
    const m = morphTable(strapi);
    query
      .leftJoin(`${m.table} as av`, (on) => on.on(`av.${m.id}`, 'u.id').andOnVal(`av.${m.type}`, USER_UID).andOnVal(`av.${m.field}`, 'avatar'))
      .leftJoin(`${filesTable(strapi)} as f`, 'f.id', `av.${m.file}`)
      .leftJoin(`${MEDIA_TABLE} as sm`, 'sm.file_id', 'f.id')
      .select(db.raw(mediaColumns('av_').join(', ')));
    if (viewerId !== undefined) {
      query.select(
        db.raw(`EXISTS (SELECT 1 FROM ${q(F.table)} f WHERE f.${q(F.owner)} = ? AND f.${q(F.target)} = u.id) AS followed`, [viewerId]),
        db.raw(`EXISTS (SELECT 1 FROM ${q(F.table)} f WHERE f.${q(F.owner)} = u.id AND f.${q(F.target)} = ?) AS follows_me`, [viewerId]),
        db.raw(`EXISTS (SELECT 1 FROM ${q(B.table)} b WHERE b.${q(B.owner)} = ? AND b.${q(B.target)} = u.id) AS blocked`, [viewerId]),
        db.raw(`EXISTS (SELECT 1 FROM ${q(M.table)} m WHERE m.${q(M.owner)} = ? AND m.${q(M.target)} = u.id) AS muted`, [viewerId])
      );
    }
    return query;
  };

  const profileOf = (row: Record<string, unknown>): ProfileRow => ({
    id: Number(row.id),
    documentId: String(row.document_id),
    username: String(row.username),
    name: (row.name as string | null) ?? null,
    email: String(row.email),
    bio: (row.bio as string | null) ?? '',
    createdAt: iso(row.created_at),
    followers: Number(row.followers ?? 0),
    following: Number(row.following ?? 0),
    posts: Number(row.posts ?? 0),
    hiddenPosts: Number(row.hidden_posts ?? 0),
    followedByMe: isTrue(row.followed),
    followsMe: isTrue(row.follows_me),
    avatar: row.av_file_id == null ? null : toMediaView(row, 'av_'),
    blockedByMe: isTrue(row.blocked),
    mutedByMe: isTrue(row.muted),
  });

  /**
   * A page of a follow-graph list, most recent link first: the join table's id orders the links.
   * For a viewer, users they blocked or who blocked them are left out (src/db/visibility.ts).
   */
  const linkPage = (
    where: { column: string; value: number },
    itemColumn: string,
    table: string,
    request: PageRequestLike,
    viewerId?: number
  ): Promise<IdPage> => {
    const keyset: Keyset = { columns: [{ expr: 'l.id' }], order: 'desc' };
    const query = knex()(`${table} as l`).where(`l.${where.column}`, where.value).where(notBlocked(strapi, `l.${q(itemColumn)}`, viewerId));
    return readIdPage(knex(), dialectOf(strapi), query, keyset, `l.${q(itemColumn)}`, request, (built) => prepared(strapi, built));
  };

  /**
   * PostgreSQL: a transaction-level advisory lock on the pair (the two-key form, apart from the
   * start-up lock's one-key form), taken by blocking and following alike. SQLite serialises writers.
   */
  const lockPair = async (trx: Knex.Transaction, a: number, b: number): Promise<void> => {
    if (!isPostgres(strapi)) return;
    await trx.raw('SELECT pg_advisory_xact_lock(?::int, ?::int)', [Math.min(a, b), Math.max(a, b)]);
  };

  /** Removes the (owner, target) row of a user-to-user link table (a block, a mute); none is fine. */
  const removeLink = async (link: Tables['blocks'], ownerId: number, targetId: number): Promise<void> => {
    await knex()(link.table).where({ [link.owner]: ownerId, [link.target]: targetId }).delete();
  };

  const blockedEitherWay = async (db: Knex | Knex.Transaction, a: number, b: number): Promise<boolean> => {
    const B = tables(strapi).blocks;
    const row = await db(B.table)
      .select(B.owner)
      .where((w) => w.where(B.owner, a).andWhere(B.target, b))
      .orWhere((w) => w.where(B.owner, b).andWhere(B.target, a))
      .first();
    return Boolean(row);
  };

  return {
    async profile(ref: Ref, viewerId?: number): Promise<ProfileRow | null> {
      if (!ref) return null;
      const [column, value] = refColumn(ref);
      const row = (await prepared(strapi, profileQuery(viewerId).where(`u.${column}`, value).first())) as Record<string, unknown> | undefined;
      return row ? profileOf(row) : null;
    },

    /** Profiles of `ids`, in that order (ids of deleted users are skipped). */
    async profiles(ids: number[], viewerId?: number): Promise<ProfileRow[]> {
      if (ids.length === 0) return [];
      const query = profileQuery(viewerId);
      if (isPostgres(strapi)) query.whereRaw('u.id = ANY(?::int[])', [pgIntArray(ids)]);
      else query.whereIn('u.id', ids);
      const rows = ((await prepared(strapi, query)) as Array<Record<string, unknown>>).map(profileOf);
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.flatMap((id) => byId.get(id) ?? []);
    },

    /** Who follows `userId`, most recent follow first. */
    followersPage(userId: number, request: PageRequestLike, viewerId?: number): Promise<IdPage> {
      const F = tables(strapi).follows;
      return linkPage({ column: F.target, value: userId }, F.owner, F.table, request, viewerId);
    },

    /** Whom `userId` follows, most recent follow first. */
    followingPage(userId: number, request: PageRequestLike, viewerId?: number): Promise<IdPage> {
      const F = tables(strapi).follows;
      return linkPage({ column: F.owner, value: userId }, F.target, F.table, request, viewerId);
    },

    /** Who liked `postId`, most recent like first. */
    likersPage(postId: number, request: PageRequestLike, viewerId?: number): Promise<IdPage> {
      const L = tables(strapi).likes;
      return linkPage({ column: L.owner, value: postId }, L.target, L.table, request, viewerId);
    },

    /** Whom `userId` blocked, most recent block first. */
    blocksPage(userId: number, request: PageRequestLike): Promise<IdPage> {
      const B = tables(strapi).blocks;
      return linkPage({ column: B.owner, value: userId }, B.target, B.table, request);
    },

    /** Whom `userId` muted, most recent mute first. */
    mutesPage(userId: number, request: PageRequestLike): Promise<IdPage> {
      const M = tables(strapi).mutes;
      return linkPage({ column: M.owner, value: userId }, M.target, M.table, request);
    },

    /** The id of the user a path identifier names, or null. */
    async idOf(ref: NonNullable<Ref>): Promise<number | null> {
      const [column, value] = refColumn(ref);
      const row = (await users().select('id').where(column, value).first()) as { id: number } | undefined;
      return row ? Number(row.id) : null;
    },

    /** Whether either of the two users blocked the other (inside a transaction, pass it: SQLite has one connection). */
    async blockedBetween(a: number, b: number, db: Knex | Knex.Transaction = knex()): Promise<boolean> {
      return blockedEitherWay(db, a, b);
    },

    /**
     * Blocks `targetId`: in one transaction, the block row (a duplicate is ignored) and the
     * removal of the follows between the two, both ways. The follow rows are deleted like any
     * unfollow, so the follow triggers keep the counters and home timelines exact. The pair lock
     * (PostgreSQL) orders it against a concurrent follow of the pair, which takes the same lock and
     * looks for a block after it: no follow can be left after the block. False when the user was
     * deleted meanwhile (foreign key).
     */
    async block(blockerId: number, targetId: number): Promise<boolean> {
      const t = tables(strapi);
      const F = t.follows;
      try {
        await knex().transaction(async (trx) => {
          await lockPair(trx, blockerId, targetId);
          await trx(t.blocks.table).insert({ [t.blocks.owner]: blockerId, [t.blocks.target]: targetId }).onConflict([t.blocks.owner, t.blocks.target]).ignore();
          await trx(F.table)
            .where((w) => w.where(F.owner, blockerId).andWhere(F.target, targetId))
            .orWhere((w) => w.where(F.owner, targetId).andWhere(F.target, blockerId))
            .delete();
        });
        return true;
      } catch (error) {
        if (isForeignKeyViolation(error)) return false;
        throw error;
      }
    },

    async unblock(blockerId: number, targetId: number): Promise<void> {
      await removeLink(tables(strapi).blocks, blockerId, targetId);
    },

    /** Mutes `targetId` (a duplicate is ignored). False when the user was deleted meanwhile. */
    async mute(muterId: number, targetId: number): Promise<boolean> {
      const M = tables(strapi).mutes;
      try {
        await knex()(M.table).insert({ [M.owner]: muterId, [M.target]: targetId }).onConflict([M.owner, M.target]).ignore();
        return true;
      } catch (error) {
        if (isForeignKeyViolation(error)) return false;
        throw error;
      }
    },

    async unmute(muterId: number, targetId: number): Promise<void> {
      await removeLink(tables(strapi).mutes, muterId, targetId);
    },

    /** Edits the profile fields given (name, bio); the caller checked them. */
    async updateProfile(userId: number, fields: { name?: string; bio?: string }): Promise<void> {
      const data = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
      if (Object.keys(data).length === 0) return;
      await strapi.db.query(USER).update({ where: { id: userId }, data });
    },

    /**
     * Following is one INSERT that ignores a duplicate: the UNIQUE (follower, followed) index on
     * the join table decides, so concurrent follows of the same pair leave exactly one row. The
     * INSERT also refuses a pair with a block either way; on PostgreSQL it runs after the pair
     * lock that blocking takes too, so a follow racing a block is either removed by the block or
     * refused by it (src/db/repositories/users.ts, block). 'missing' when the user was deleted
     * meanwhile (foreign key).
     */
    async follow(followerId: number, targetId: number): Promise<FollowOutcome> {
      const t = tables(strapi);
      const B = t.blocks;
      try {
        return await knex().transaction(async (trx) => {
          await lockPair(trx, followerId, targetId);
          if (await blockedEitherWay(trx, followerId, targetId)) return 'blocked' as const;
          await trx.raw(
            `INSERT INTO ?? (??, ??) SELECT ?, u.id FROM ?? u WHERE u.id = ? AND u.id <> ?
               AND NOT EXISTS (SELECT 1 FROM ?? b WHERE (b.?? = ? AND b.?? = u.id) OR (b.?? = u.id AND b.?? = ?))
             ON CONFLICT (??, ??) DO NOTHING`,
            [t.follows.table, t.follows.owner, t.follows.target, followerId, t.users, targetId, followerId,
              B.table, B.owner, followerId, B.target, B.owner, B.target, followerId, t.follows.owner, t.follows.target]
          );
          return 'followed' as const;
        });
      } catch (error) {
        if (isForeignKeyViolation(error)) return 'missing';
        throw error;
      }
    },

    async unfollow(followerId: number, ref: NonNullable<Ref>): Promise<void> {
      const t = tables(strapi);
      const [column, value] = refColumn(ref);
      await knex()(t.follows.table).where(t.follows.owner, followerId).whereIn(t.follows.target, knex()(t.users).select('id').where(column, value)).delete();
    },

    /** A local account by email, with what a login checks. */
    credentialsByEmail: (email: string): Promise<Credentials | null> => credentials({ email, provider: 'local' }),

    credentialsById: (id: number): Promise<Credentials | null> => credentials({ id }),

    /** The stored spelling and hash of a local account named by a lower-case username. */
    async byUsernameLower(username: string): Promise<{ username: string; password: string | null } | null> {
      return ((await users().select('username', 'password').whereRaw('lower(username) = ?', [username]).andWhere('provider', 'local').first()) ?? null) as
        | { username: string; password: string | null }
        | null;
    },

    async usernameTaken(username: string): Promise<boolean> {
      return Boolean(await users().select('id').whereRaw('lower(username) = ?', [username.toLowerCase()]).first());
    },

    /** The id of the account a login identifier names (an email, or a username in any case). */
    async idByIdentifier(identifier: string): Promise<number | null> {
      const row = (await users().select('id').where('email', identifier).orWhereRaw('lower(username) = ?', [identifier]).first()) as { id: number } | undefined;
      return row ? Number(row.id) : null;
    },

    async passwordVersion(userId: number): Promise<number> {
      const row = (await prepared(strapi, knex()(PASSWORD_VERSIONS).select('version').where('user_id', userId).first())) as { version: number | string } | undefined;
      return row ? Number(row.version) : 0;
    },

    /** Deletes the user; the database deletes what they wrote in the same statement (src/db/accounts.ts). */
    async delete(id: number): Promise<void> {
      await strapi.db.query(USER).delete({ where: { id } });
    },
  };
}
