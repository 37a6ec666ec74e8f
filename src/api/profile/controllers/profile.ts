import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { errors } from '@strapi/utils';
import { answerPage, type ListId } from '../../../lib/cursor-page';
import { bodyOf, text } from '../../../lib/input';
import { userRef } from '../../../lib/refs';
import { requireViewer, validateQuery, viewerId } from '../../../lib/request';

/** The cursor lists of a user; each cursor is valid for its own list only (src/lib/cursor.ts). */
const lists = {
  followers: (userId: number): ListId => ({ name: `followers:${userId}`, keyLength: 1 }),
  following: (userId: number): ListId => ({ name: `following:${userId}`, keyLength: 1 }),
  posts: (userId: number): ListId => ({ name: `posts-of:${userId}`, keyLength: 2 }),
  blocks: (userId: number): ListId => ({ name: `blocks:${userId}`, keyLength: 1 }),
  mutes: (userId: number): ListId => ({ name: `mutes:${userId}`, keyLength: 1 }),
};

/** An optional body field: absent, or a string within the limits (null is a 400, like any other type). */
const optionalText = (body: Record<string, unknown>, field: string, max: number): string | undefined =>
  body[field] === undefined ? undefined : text(body, field, { min: 0, max, required: true });

/** The /users/... routes of the original app. Thin: parse, call the profile service, answer. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const service = () => strapi.service('api::profile.profile') as ReturnType<typeof import('../services/profile').default>;
  const USER = 'plugin::users-permissions.user';
  /** POST /users/{block,unblock,mute,unmute}/:id: the caller's block or mute of :id, set or lifted. */
  const relationAction =
    (change: Parameters<ReturnType<typeof service>['setRelation']>[2]) =>
    async (ctx: Context): Promise<void> => {
      await validateQuery(strapi, ctx, USER);
      ctx.body = await service().setRelation(requireViewer(ctx), userRef(String(ctx.params.id)), change);
    };

  return {
    async login(ctx: Context) {
      await validateQuery(strapi, ctx, USER);
      const body = bodyOf(ctx.request.body);
      const email = text(body, 'email', { min: 1, max: 320, required: true }, 'identifier');
      const password = text(body, 'password', { min: 1, max: 1000, required: true });
      ctx.body = await service().login(email, password);
    },

    async deleteMe(ctx: Context) {
      await validateQuery(strapi, ctx, USER);
      const password = text(bodyOf(ctx.request.body), 'password', { min: 1, max: 1000, required: true });
      ctx.body = await service().deleteAccount(requireViewer(ctx), password);
    },

    async updateMe(ctx: Context) {
      const userId = requireViewer(ctx);
      await validateQuery(strapi, ctx, USER);
      const body = bodyOf(ctx.request.body);
      const name = optionalText(body, 'name', 100);
      const bio = optionalText(body, 'bio', 500);
      const avatar = body.avatar;
      if (avatar !== undefined && avatar !== null && !(Number.isSafeInteger(avatar) && (avatar as number) > 0)) {
        throw new errors.ValidationError('avatar must be a media id or null', {
          errors: [{ path: ['avatar'], message: 'avatar must be a media id or null', name: 'ValidationError' }],
        });
      }
      if (name === undefined && bio === undefined && avatar === undefined) throw new errors.ValidationError('Send name, bio or avatar');
      ctx.body = await service().updateMe(userId, { name, bio, avatar: avatar as number | null | undefined });
    },

    async profile(ctx: Context) {
      await validateQuery(strapi, ctx, USER);
      ctx.body = await service().publicProfileOf(userRef(String(ctx.params.id)), viewerId(ctx));
    },

    async followers(ctx: Context) {
      await validateQuery(strapi, ctx, USER);
      const userId = await service().requireUserId(userRef(String(ctx.params.id)));
      await answerPage(strapi, ctx, lists.followers(userId), (request) => service().followers(userId, viewerId(ctx), request));
    },

    async following(ctx: Context) {
      await validateQuery(strapi, ctx, USER);
      const userId = await service().requireUserId(userRef(String(ctx.params.id)));
      await answerPage(strapi, ctx, lists.following(userId), (request) => service().following(userId, viewerId(ctx), request));
    },

    async posts(ctx: Context) {
      await validateQuery(strapi, ctx, USER);
      const viewer = viewerId(ctx);
      const userId = await service().requireUserId(userRef(String(ctx.params.id)));
      const posts = strapi.service('api::post.post') as unknown as ReturnType<typeof import('../../post/services/post').default>;
      await answerPage(strapi, ctx, lists.posts(userId), (request) => posts.authorTimeline(userId, viewer, request));
    },

    async me(ctx: Context) {
      await validateQuery(strapi, ctx, USER);
      ctx.body = await service().me(requireViewer(ctx));
    },

    async findByEmail(ctx: Context) {
      await validateQuery(strapi, ctx, USER);
      ctx.body = await service().lookup(userRef(String(ctx.params.email)), requireViewer(ctx));
    },

    async follow(ctx: Context) {
      await validateQuery(strapi, ctx, USER);
      ctx.body = await service().follow(requireViewer(ctx), userRef(String(ctx.params.id)));
    },

    block: relationAction('block'),
    unblock: relationAction('unblock'),
    mute: relationAction('mute'),
    unmute: relationAction('unmute'),

    async blocks(ctx: Context) {
      const userId = requireViewer(ctx);
      await validateQuery(strapi, ctx, USER);
      await answerPage(strapi, ctx, lists.blocks(userId), (request) => service().blocks(userId, request));
    },

    async mutes(ctx: Context) {
      const userId = requireViewer(ctx);
      await validateQuery(strapi, ctx, USER);
      await answerPage(strapi, ctx, lists.mutes(userId), (request) => service().mutes(userId, request));
    },

    async unfollow(ctx: Context) {
      await validateQuery(strapi, ctx, USER);
      ctx.body = await service().unfollow(requireViewer(ctx), userRef(String(ctx.params.id)));
    },
  };
};
