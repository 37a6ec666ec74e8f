/**
 * Adds the social fields to the users-permissions user. The plugin's own attributes are spread,
 * not repeated: a `content-types/user/schema.json` here would replace all of them.
 * Also swaps in the cached content-api `authenticate` (src/auth/cached-authenticate.ts), runs the
 * plugin's /auth/* actions behind the checks they lack (src/auth/auth-routes.ts), and gives the
 * routes that check a password the shared login budget (global::login-rate-limit), and describes
 * the added `name` in the routes' zod schemas (src/auth/plugin-user-schema.ts).
 */
import type { Core } from '@strapi/strapi';
import { withHardenedAuth } from '../../auth/auth-routes';
import { withCachedAuth } from '../../auth/cached-authenticate';
import { describeSocialUser } from '../../auth/plugin-user-schema';

type Attributes = Record<string, Record<string, unknown>>;
type UsersPermissionsPlugin = {
  contentTypes: { user: { schema: { attributes: Attributes } } };
  controllers: { auth: Parameters<typeof withHardenedAuth>[0] };
  routes: { 'content-api': { routes: Core.RouteInput[] } };
  register?: (args: { strapi: Core.Strapi }) => unknown;
};

/** The plugin's routes that compare a password, and so spend the login budget. */
const PASSWORD_ROUTES = ['POST /auth/local', 'POST /auth/change-password'];

const socialAttributes: Attributes = {
  name: { type: 'string', maxLength: 100 },
  // Twice the API's 500 characters: Strapi counts UTF-16 units, the API counts characters.
  bio: { type: 'text', maxLength: 1000 },
  // `following` owns the self-relation: its join table holds one row per (follower, followed)
  // pair, and the UNIQUE index Strapi puts on every join table makes a follow unique.
  following: {
    type: 'relation',
    relation: 'manyToMany',
    target: 'plugin::users-permissions.user',
    inversedBy: 'followers',
  },
  followers: {
    type: 'relation',
    relation: 'manyToMany',
    target: 'plugin::users-permissions.user',
    mappedBy: 'following',
  },
  posts: { type: 'relation', relation: 'oneToMany', target: 'api::post.post', mappedBy: 'author' },
  comments: { type: 'relation', relation: 'oneToMany', target: 'api::comment.comment', mappedBy: 'author' },
  likedPosts: { type: 'relation', relation: 'manyToMany', target: 'api::post.post', mappedBy: 'likedBy' },
};

export default (plugin: UsersPermissionsPlugin): UsersPermissionsPlugin => {
  const { schema } = plugin.contentTypes.user;
  schema.attributes = { ...schema.attributes, ...socialAttributes };
  plugin.controllers.auth = withHardenedAuth(plugin.controllers.auth);
  for (const route of plugin.routes['content-api'].routes) {
    describeSocialUser(route);
    if (!PASSWORD_ROUTES.includes(`${route.method} ${route.path}`)) continue;
    route.config = { ...route.config, middlewares: [...(route.config?.middlewares ?? []), 'global::login-rate-limit'] };
  }
  // Its content-api `authenticate`, cached and kept exact by the auth generation.
  return withCachedAuth(plugin);
};
