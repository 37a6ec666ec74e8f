import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Knex } from 'knex';
import { notHidden } from '../../../lib/moderation';
import type { Ref } from '../../../lib/refs';
import { isForeignKeyViolation, tables, toCount } from '../../../lib/tables';
import type { Counts, OwnProfile, PublicProfile } from '../../../lib/views';

const { ValidationError, NotFoundError, ApplicationError } = errors;

const USER = 'plugin::users-permissions.user';

/** The columns any profile needs. Never the password hash or the tokens. */
const PROFILE_FIELDS = ['id', 'documentId', 'username', 'name', 'email'];

type UserRow = { id: number; documentId: string; username: string; name?: string | null; email: string };

// A bcrypt hash of a random string nobody knows. Comparing against it when the email is unknown
// makes a wrong email cost as much as a wrong password, so timing does not reveal accounts.
const DECOY_HASH = '$2a$10$wjlPO7L/NdNCj08oFft1aeqbYppckWOdRRweD2PfO/yT2fXUzN21y';

const usersPermissions = (strapi: Core.Strapi) => strapi.plugin('users-permissions');

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const knex = (): Knex => strapi.db.connection;

  /** Follow and post counts; posts a moderator hid count only for their author (`ownView`). */
  const counts = async (userId: number, ownView: boolean): Promise<Counts> => {
    const t = tables(strapi);
    const db = knex();
    const posts = db(`${t.postAuthor.table} as a`).count('*').where(`a.${t.postAuthor.target}`, userId);
    if (!ownView) {
      posts
        .join(`${t.posts} as p`, 'p.id', `a.${t.postAuthor.owner}`)
        .where(notHidden('p.hidden'));
    }
    const row = await db
      .select(
        db(t.follows.table).count('*').where(t.follows.target, userId).as('followers'),
        db(t.follows.table).count('*').where(t.follows.owner, userId).as('following'),
        posts.as('posts')
      )
      .first();
    return { followers: toCount(row?.followers), following: toCount(row?.following), posts: toCount(row?.posts) };
  };

  const isFollowing = async (followerId: number, followedId: number): Promise<boolean> => {
    const t = tables(strapi);
    const row = await knex()(t.follows.table)
      .select(t.follows.owner)
      .where({ [t.follows.owner]: followerId, [t.follows.target]: followedId })
      .first();
    return row !== undefined;
  };

  const findUser = async (ref: Ref): Promise<UserRow | null> => {
    if (!ref) return null;
    return (await strapi.db.query(USER).findOne({ where: ref, select: PROFILE_FIELDS })) as UserRow | null;
  };

  const ownProfile = async (user: UserRow): Promise<OwnProfile> => ({
    id: user.id,
    documentId: user.documentId,
    username: user.username,
    name: user.name ?? null,
    email: user.email,
    ...(await counts(user.id, true)),
  });

  const publicProfile = async (user: UserRow, viewerId?: number): Promise<PublicProfile> => {
    const [userCounts, followedByMe] = await Promise.all([
      counts(user.id, user.id === viewerId),
      viewerId === undefined ? Promise.resolve(false) : isFollowing(viewerId, user.id),
    ]);
    return {
      id: user.id,
      documentId: user.documentId,
      username: user.username,
      name: user.name ?? null,
      ...userCounts,
      followedByMe,
    };
  };

  const requireUser = async (ref: Ref): Promise<UserRow> => {
    const user = await findUser(ref);
    if (!user) throw new NotFoundError('User not found');
    return user;
  };

  return {
    ownProfile,
    publicProfile,

    async me(userId: number): Promise<OwnProfile> {
      return ownProfile(await requireUser({ id: userId }));
    },

    async lookup(ref: Ref, viewerId: number): Promise<PublicProfile> {
      return publicProfile(await requireUser(ref), viewerId);
    },

    /**
     * Following is one INSERT that ignores a duplicate: the UNIQUE (follower, followed) index on
     * the join table decides, so concurrent follows of the same pair leave exactly one row.
     */
    async follow(followerId: number, ref: Ref): Promise<PublicProfile> {
      const target = await requireUser(ref);
      if (target.id === followerId) throw new ValidationError('You cannot follow yourself');
      const t = tables(strapi);
      try {
        await knex()(t.follows.table)
          .insert({ [t.follows.owner]: followerId, [t.follows.target]: target.id })
          .onConflict([t.follows.owner, t.follows.target])
          .ignore();
      } catch (error) {
        // The user was deleted between the lookup and the insert.
        if (isForeignKeyViolation(error)) throw new NotFoundError('User not found');
        throw error;
      }
      return publicProfile(target, followerId);
    },

    async unfollow(followerId: number, ref: Ref): Promise<PublicProfile> {
      const target = await requireUser(ref);
      const t = tables(strapi);
      await knex()(t.follows.table).where({ [t.follows.owner]: followerId, [t.follows.target]: target.id }).delete();
      return publicProfile(target, followerId);
    },

    /** Login by email, with the plugin's password check, blocked/confirmed rules and JWT. */
    async login(email: string, password: string): Promise<{ jwt: string; user: OwnProfile }> {
      const user = (await strapi.db.query(USER).findOne({
        where: { email: email.toLowerCase(), provider: 'local' },
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

      // In the plugin's "refresh" mode issue() returns a Promise; awaiting works for both modes.
      const jwt = (await usersPermissions(strapi).service('jwt').issue({ id: user.id })) as string;
      return { jwt, user: await ownProfile(user) };
    },
  };
};
