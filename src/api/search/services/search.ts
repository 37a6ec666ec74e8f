import type { Core } from '@strapi/strapi';
import { repositories } from '../../../db/repositories';
import { withViews, type PageRequest, type ViewPage } from '../../../lib/cursor-page';
import type { PostView, PublicProfile } from '../../../lib/shapes';
import type profileService from '../../profile/services/profile';

/** Search: the repository finds the ids (src/db/repositories/search.ts); posts and profiles load as in every list. */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const { search, posts } = repositories(strapi);
  const profiles = () => strapi.service('api::profile.profile') as unknown as ReturnType<typeof profileService>;

  return {
    async posts(text: string, viewerId: number | undefined, request: PageRequest): Promise<ViewPage<PostView>> {
      const page = await search.posts(text, viewerId, request);
      return withViews(page, await posts.views({ ids: page.items.map(({ item }) => item) }, viewerId));
    },

    async users(text: string, viewerId: number | undefined, request: PageRequest): Promise<ViewPage<PublicProfile>> {
      return profiles().profilePage(await search.users(text, viewerId, request), viewerId);
    },
  };
};
