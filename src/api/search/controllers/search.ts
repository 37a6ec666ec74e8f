import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { answerPage, type ListId } from '../../../lib/cursor-page';
import { searchText } from '../../../lib/input';
import { viewerId } from '../../../lib/request';
import type searchService from '../services/search';

/**
 * The search lists. A cursor belongs to one query: the text is part of the list's name, which
 * each cursor's signature covers (src/lib/cursor.ts), so a cursor of one search is a 400 in another.
 */
const lists = {
  posts: (text: string): ListId => ({ name: `search-posts:${text}`, keyLength: 2 }),
  users: (text: string): ListId => ({ name: `search-users:${text}`, keyLength: 2 }),
};

/** Thin: read `q` (1–100 characters after trimming, else 400), call the search service, answer a cursor page. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const service = () => strapi.service('api::search.search') as ReturnType<typeof searchService>;
  return {
    async posts(ctx: Context) {
      const text = searchText(ctx.query as Record<string, unknown>);
      const viewer = viewerId(ctx);
      await answerPage(strapi, ctx, lists.posts(text), (request) => service().posts(text, viewer, request));
    },

    async users(ctx: Context) {
      const text = searchText(ctx.query as Record<string, unknown>);
      const viewer = viewerId(ctx);
      await answerPage(strapi, ctx, lists.users(text), (request) => service().users(text, viewer, request));
    },
  };
};
