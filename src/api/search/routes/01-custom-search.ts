import type { Core } from '@strapi/strapi';
import { cursorPageOf } from '../../../lib/schemas/envelopes';
import { SearchQuery } from '../../../lib/schemas/inputs';
import { Post, PublicProfile } from '../../../lib/schemas/shapes';
import { withUsersPermissionsOnly, type ContractRoute } from '../../../lib/routes';

/** Search (API.md, "Search"): anyone may search; results obey hiding and the caller's blocks. */
export const searchRoutes: ContractRoute[] = [
  {
    method: 'GET',
    path: '/search/users',
    handler: 'api::search.search.users',
    request: { query: SearchQuery },
    response: cursorPageOf(PublicProfile),
    defaultRoles: ['public', 'authenticated'],
  },
  {
    method: 'GET',
    path: '/search/posts',
    handler: 'api::search.search.posts',
    request: { query: SearchQuery },
    response: cursorPageOf(Post),
    defaultRoles: ['public', 'authenticated'],
  },
];

export default { type: 'content-api', routes: withUsersPermissionsOnly(searchRoutes) } satisfies Core.RouterConfig;
