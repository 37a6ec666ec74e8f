import { commentRoutes } from './comment/routes/01-custom-comment';
import { mediaRoutes } from './media/routes/01-custom-media';
import { notificationRoutes } from './notification/routes/01-custom-notification';
import { postRoutes } from './post/routes/01-custom-post';
import { profileRoutes } from './profile/routes/01-custom-profile';
import { searchRoutes } from './search/routes/01-custom-search';
import type { ContractRoute } from '../lib/routes';

/**
 * Every route of the contract, from the route files Strapi loads: permission seeding, the API
 * description's corrections and the fuzz test all read this list, so a route added to a route
 * file is granted, described and fuzzed without another edit.
 */
export const CONTRACT_ROUTES: readonly ContractRoute[] = [...profileRoutes, ...postRoutes, ...commentRoutes, ...mediaRoutes, ...searchRoutes, ...notificationRoutes];
