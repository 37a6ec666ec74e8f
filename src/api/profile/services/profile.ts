import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Knex } from 'knex';
import { DERIVED } from '../../../../database/derived';
import { DECOY_HASH } from '../../../auth/decoy-hash';
import { issueToken } from '../../../auth/tokens';
import { prepared } from '../../../lib/prepared';
import type { Ref } from '../../../lib/refs';
import { isForeignKeyViolation, isTrue, tables } from '../../../lib/tables';
import type { Counts, OwnProfile, PublicProfile } from '../../../lib/views';

const { ValidationError, NotFoundError, ApplicationError } = errors;

const USER = 'plugin::users-permissions.user';

/** The columns any profile needs. Never the password hash or the tokens. */
const PROFILE_FIELDS = ['id', 'documentId', 'username', 'name', 'email'];

type UserRow = { id: number; documentId: string; username: string; name?: string | null; email: string };
type ProfileRow = Counts & { id: number; documentId: string; username: string; name: string | null; email: string; hiddenPosts: number; followedByMe: boolean };


const usersPermissions = (strapi: Core.Strapi) => strapi.plugin('users-permissions');

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = (): Knex => strapi.db.connection;

  /**
   * A user with the counters (social_user_stats, kept exact by triggers) and, for a viewer,
   * whether they follow them: one query, whatever the number of followers or posts.
   */
  const findProfile = async (ref: Ref, viewerId?: number): Promise<ProfileRow | null> => {
    if (!ref) return null;
    const t = tables(strapi);
    const db = knex();
    const query = db(`${t.users} as u`)
      .leftJoin(`${DERIVED.userStats} as s`, 's.user_id', 'u.id')
      .select('u.id', 'u.document_id', 'u.username', 'u.name', 'u.email', 's.followers', 's.following', 's.posts', 's.hidden_posts')
      .first();
    if (viewerId !== undefined) {
      query.select(
        db.raw(`EXISTS (SELECT 1 FROM ?? f WHERE f.?? = ? AND f.?? = u.id) AS followed`, [t.follows.table, t.follows.owner, viewerId, t.follows.target])
      );
    }
    const [column, value] = refColumn(ref);
    query.where(`u.${column}`, value);
    const row = (await prepared(strapi, query)) as Record<string, unknown> | undefined;
    if (!row) return null;
    return {
      id: Number(row.id),
      documentId: String(row.document_id),
      username: String(row.username),
      name: (row.name as string | null) ?? null,
      email: String(row.email),
      followers: Number(row.followers ?? 0),
      following: Number(row.following ?? 0),
      posts: Number(row.posts ?? 0),
      hiddenPosts: Number(row.hidden_posts ?? 0),
      followedByMe: isTrue(row.followed),
    };
  };

  /** Posts a moderator hid count only in their author's own view. */
  const countsOf = (row: ProfileRow, ownView: boolean): Counts => ({
    followers: row.followers,
    following: row.following,
    posts: ownView ? row.posts : row.posts - row.hiddenPosts,
  });

  /** The users column and value a path identifier matches. */
  const refColumn = (ref: NonNullable<Ref>): [string, string | number] =>
    'id' in ref ? ['id', ref.id] : 'documentId' in ref ? ['document_id', ref.documentId] : ['email', ref.email];

  const ownProfile = (row: ProfileRow): OwnProfile => ({
    id: row.id,
    documentId: row.documentId,
    username: row.username,
    name: row.name,
    email: row.email,
    ...countsOf(row, true),
  });

  const publicProfile = (row: ProfileRow, viewerId?: number): PublicProfile => ({
    id: row.id,
    documentId: row.documentId,
    username: row.username,
    name: row.name,
    ...countsOf(row, row.id === viewerId),
    followedByMe: row.followedByMe,
  });

  const requireProfile = async (ref: Ref, viewerId?: number): Promise<ProfileRow> => {
    const row = await findProfile(ref, viewerId);
    if (!row) throw new NotFoundError('User not found');
    return row;
  };

  return {
    ownProfile,
    publicProfile,

    async me(userId: number): Promise<OwnProfile> {
      return ownProfile(await requireProfile({ id: userId }));
    },

    async lookup(ref: Ref, viewerId: number): Promise<PublicProfile> {
      return publicProfile(await requireProfile(ref, viewerId), viewerId);
    },

    /**
     * Following is one INSERT that ignores a duplicate: the UNIQUE (follower, followed) index on
     * the join table decides, so concurrent follows of the same pair leave exactly one row.
     */
    async follow(followerId: number, ref: Ref): Promise<PublicProfile> {
      if (!ref) throw new NotFoundError('User not found');
      const t = tables(strapi);
      const [column, value] = refColumn(ref);
      try {
        // The target is resolved inside the INSERT; the profile read after it says whether there
        // was one (404) or it was the caller (400): two queries, not three.
        await knex().raw(
          `INSERT INTO ?? (??, ??) SELECT ?, u.id FROM ?? u WHERE u.?? = ? AND u.id <> ? ON CONFLICT (??, ??) DO NOTHING`,
          [t.follows.table, t.follows.owner, t.follows.target, followerId, t.users, column, value, followerId, t.follows.owner, t.follows.target]
        );
      } catch (error) {
        // The user was deleted between the SELECT and the foreign-key check.
        if (isForeignKeyViolation(error)) throw new NotFoundError('User not found');
        throw error;
      }
      const target = await requireProfile(ref, followerId);
      if (target.id === followerId) throw new ValidationError('You cannot follow yourself');
      return publicProfile(target, followerId);
    },

    async unfollow(followerId: number, ref: Ref): Promise<PublicProfile> {
      if (!ref) throw new NotFoundError('User not found');
      const t = tables(strapi);
      const [column, value] = refColumn(ref);
      await knex()(t.follows.table)
        .where(t.follows.owner, followerId)
        .whereIn(t.follows.target, knex()(t.users).select('id').where(column, value))
        .delete();
      return publicProfile(await requireProfile(ref, followerId), followerId);
    },

    /** Login by email, with the plugin's password check, blocked/confirmed rules and JWT. */
    async login(email: string, password: string): Promise<{ jwt: string; user: OwnProfile }> {
      const user = (await strapi.db.query(USER).findOne({
        where: { email: email.normalize('NFC').toLowerCase(), provider: 'local' },
        select: [...PROFILE_FIELDS, 'password', 'blocked', 'confirmed'],
      })) as (UserRow & { password?: string | null; blocked?: boolean; confirmed?: boolean }) | null;
      const userService = usersPermissions(strapi).service('user');
      const valid = await userService.validatePassword(password, user?.password || DECOY_HASH);
      if (!user || !user.password || !valid) throw new ValidationError('Invalid identifier or password');

      const advanced = (await strapi.store({ type: 'plugin', name: 'users-permissions' }).get({ key: 'advanced' })) as
        | { email_confirmation?: boolean }
        | null;
      if (advanced?.email_confirmation && user.confirmed !== true) {
        throw new ApplicationError('Your account email is not confirmed');
      }
      if (user.blocked === true) throw new ApplicationError('Your account has been blocked by an administrator');

      const jwt = await issueToken(strapi, user.id);
      return { jwt, user: ownProfile(await requireProfile({ id: user.id })) };
    },

    /**
     * Deletes the caller's account once the current password is confirmed. The database deletes
     * what the account wrote and what links to it, in the same transaction as the user row
     * (database/derived/accounts.ts), as it does when an administrator deletes the user.
     */
    async deleteAccount(userId: number, password: string): Promise<{ id: number; documentId: string }> {
      const user = (await strapi.db.query(USER).findOne({ where: { id: userId }, select: ['id', 'documentId', 'password'] })) as
        | { id: number; documentId: string; password?: string | null }
        | null;
      if (!user) throw new NotFoundError('User not found');
      const valid = await usersPermissions(strapi).service('user').validatePassword(password, user.password || DECOY_HASH);
      if (!user.password || !valid) throw new ValidationError('The password is not the account’s current password');
      await strapi.db.query(USER).delete({ where: { id: user.id } });
      return { id: user.id, documentId: user.documentId };
    },
  };
};
