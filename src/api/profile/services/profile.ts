import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import { DECOY_HASH } from '../../../auth/decoy-hash';
import { issueToken } from '../../../auth/tokens';
import { repositories } from '../../../db/repositories';
import type { ProfileRow } from '../../../db/repositories/users';
import type { Ref } from '../../../lib/refs';
import { withViews, type PageRequest, type ViewPage } from '../../../lib/cursor-page';
import type { Counts, OwnProfile, PublicProfile } from '../../../lib/shapes';
import { mediaRules } from '../../media/services/media';

const { ValidationError, NotFoundError, ApplicationError, ForbiddenError } = errors;

const usersPermissions = (strapi: Core.Strapi) => strapi.plugin('users-permissions');

/**
 * The rules of users and the follow graph: who sees which counts, following oneself, login and
 * deleting one's account. Every query is a repository's (src/db/repositories/users.ts).
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const { users, media } = repositories(strapi);

  /** Posts a moderator hid count only in their author's own view. */
  const countsOf = (row: ProfileRow, ownView: boolean): Counts => ({
    followers: row.followers,
    following: row.following,
    posts: ownView ? row.posts : row.posts - row.hiddenPosts,
  });

  const ownProfile = (row: ProfileRow): OwnProfile => ({
    id: row.id,
    documentId: row.documentId,
    username: row.username,
    name: row.name,
    email: row.email,
    bio: row.bio,
    avatar: row.avatar,
    createdAt: row.createdAt,
    ...countsOf(row, true),
  });

  /** blockedByMe and mutedByMe say what the viewer did; a muted user cannot tell they are muted. */
  const publicProfile = (row: ProfileRow, viewerId?: number): PublicProfile => ({
    id: row.id,
    documentId: row.documentId,
    username: row.username,
    name: row.name,
    bio: row.bio,
    avatar: row.avatar,
    createdAt: row.createdAt,
    ...countsOf(row, row.id === viewerId),
    followedByMe: viewerId !== undefined && row.followedByMe,
    followsMe: viewerId !== undefined && row.followsMe,
    blockedByMe: viewerId !== undefined && row.blockedByMe,
    mutedByMe: viewerId !== undefined && row.mutedByMe,
  });

  const profilePage = async (page: Awaited<ReturnType<typeof users.followersPage>>, viewerId?: number): Promise<ViewPage<PublicProfile>> =>
    withViews(page, (await users.profiles(page.items.map(({ item }) => item), viewerId)).map((row) => publicProfile(row, viewerId)));

  const requireProfile = async (ref: Ref, viewerId?: number): Promise<ProfileRow> => {
    const row = await users.profile(ref, viewerId);
    if (!row) throw new NotFoundError('User not found');
    return row;
  };

  const checkPassword = (password: string, hash: string | null): Promise<boolean> =>
    usersPermissions(strapi).service('user').validatePassword(password, hash || DECOY_HASH);

  return {
    ownProfile,
    publicProfile,

    /** The user's id, or a 404: lists resolve their user before reading a cursor of theirs. */
    async requireUserId(ref: Ref): Promise<number> {
      return (await requireProfile(ref)).id;
    },

    async publicProfileOf(ref: Ref, viewerId?: number): Promise<PublicProfile> {
      return publicProfile(await requireProfile(ref, viewerId), viewerId);
    },

    followers: async (userId: number, viewerId: number | undefined, request: PageRequest) =>
      profilePage(await users.followersPage(userId, request, viewerId), viewerId),

    following: async (userId: number, viewerId: number | undefined, request: PageRequest) =>
      profilePage(await users.followingPage(userId, request, viewerId), viewerId),

    /** Whom the caller blocked, most recent first. */
    blocks: async (userId: number, request: PageRequest) => profilePage(await users.blocksPage(userId, request), userId),

    /** Whom the caller muted, most recent first. */
    mutes: async (userId: number, request: PageRequest) => profilePage(await users.mutesPage(userId, request), userId),

    /** A public profile page of user ids (search results, for instance), in their order. */
    profilePage,

    /**
     * Blocking, unblocking, muting and unmuting: 404 for nobody, 400 for oneself; doing it twice
     * changes nothing. A block also removes the follows between the two (users.block).
     */
    async setRelation(actorId: number, ref: Ref, action: 'block' | 'unblock' | 'mute' | 'unmute'): Promise<PublicProfile> {
      const targetId = ref ? await users.idOf(ref) : null;
      if (targetId === null) throw new NotFoundError('User not found');
      if (targetId === actorId) throw new ValidationError(`You cannot ${action} yourself`);
      let exists = true;
      if (action === 'block') exists = await users.block(actorId, targetId);
      else if (action === 'mute') exists = await users.mute(actorId, targetId);
      else if (action === 'unblock') await users.unblock(actorId, targetId);
      else await users.unmute(actorId, targetId);
      if (!exists) throw new NotFoundError('User not found');
      return publicProfile(await requireProfile({ id: targetId }, actorId), actorId);
    },

    /**
     * Edits the caller's name, bio and avatar. An avatar must be one of the caller's uploads,
     * attached nowhere else (src/api/media/services/media.ts: the same rule as a post's media, in
     * the same transaction as the other fields); null removes it, and the old one is freed.
     */
    async updateMe(userId: number, fields: { name?: string; bio?: string; avatar?: number | null }): Promise<OwnProfile> {
      await strapi.db.transaction(async ({ trx }) => {
        if (fields.avatar !== undefined) await mediaRules(strapi).attach(() => media.setAvatar(trx, userId, fields.avatar ?? null), 'avatar');
        await users.updateProfile(userId, { name: fields.name, bio: fields.bio });
      });
      return ownProfile(await requireProfile({ id: userId }));
    },

    async me(userId: number): Promise<OwnProfile> {
      return ownProfile(await requireProfile({ id: userId }));
    },

    async lookup(ref: Ref, viewerId: number): Promise<PublicProfile> {
      return publicProfile(await requireProfile(ref, viewerId), viewerId);
    },

    /** Following twice changes nothing; 404 for nobody, 400 for oneself, 403 with a block either way. */
    async follow(followerId: number, ref: Ref): Promise<PublicProfile> {
      const targetId = ref ? await users.idOf(ref) : null;
      if (targetId === null) throw new NotFoundError('User not found');
      if (targetId === followerId) throw new ValidationError('You cannot follow yourself');
      const outcome = await users.follow(followerId, targetId);
      if (outcome === 'missing') throw new NotFoundError('User not found');
      if (outcome === 'blocked') throw new ForbiddenError('You cannot follow this user');
      return publicProfile(await requireProfile({ id: targetId }, followerId), followerId);
    },

    async unfollow(followerId: number, ref: Ref): Promise<PublicProfile> {
      if (!ref) throw new NotFoundError('User not found');
      await users.unfollow(followerId, ref);
      return publicProfile(await requireProfile(ref, followerId), followerId);
    },

    /**
     * Login by email, with the plugin's password check, blocked/confirmed rules and JWT. An
     * unknown email is compared against a decoy hash, so it costs as much time as a wrong password.
     */
    async login(email: string, password: string): Promise<{ jwt: string; user: OwnProfile }> {
      const user = await users.credentialsByEmail(email.normalize('NFC').toLowerCase());
      const valid = await checkPassword(password, user?.password ?? null);
      if (!user || !user.password || !valid) throw new ValidationError('Invalid identifier or password');

      const advanced = (await strapi.store({ type: 'plugin', name: 'users-permissions' }).get({ key: 'advanced' })) as
        | { email_confirmation?: boolean }
        | null;
      if (advanced?.email_confirmation && !user.confirmed) throw new ApplicationError('Your account email is not confirmed');
      if (user.blocked) throw new ApplicationError('Your account has been blocked by an administrator');

      const jwt = await issueToken(strapi, user.id);
      return { jwt, user: ownProfile(await requireProfile({ id: user.id })) };
    },

    /**
     * Deletes the caller's account once the current password is confirmed. The database deletes
     * what the account wrote and what links to it, in the same transaction as the user row
     * (src/db/accounts.ts), as it does when an administrator deletes the user.
     */
    async deleteAccount(userId: number, password: string): Promise<{ id: number; documentId: string }> {
      const user = await users.credentialsById(userId);
      if (!user) throw new NotFoundError('User not found');
      const valid = await checkPassword(password, user.password);
      if (!user.password || !valid) throw new ValidationError('The password is not the account’s current password');
      await users.delete(user.id);
      return { id: user.id, documentId: user.documentId };
    },
  };
};
