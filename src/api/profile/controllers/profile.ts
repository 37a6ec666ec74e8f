import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { bodyOf, text } from '../../../lib/input';
import { userRef } from '../../../lib/refs';
import { requireViewer, validateQuery } from '../../../lib/request';

/** The /users/... routes of the original app. Thin: parse, call the profile service, answer. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const service = () => strapi.service('api::profile.profile') as ReturnType<typeof import('../services/profile').default>;
  const USER = 'plugin::users-permissions.user';

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

    async unfollow(ctx: Context) {
      await validateQuery(strapi, ctx, USER);
      ctx.body = await service().unfollow(requireViewer(ctx), userRef(String(ctx.params.id)));
    },
  };
};
