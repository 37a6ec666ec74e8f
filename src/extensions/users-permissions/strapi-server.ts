/**
 * Adds the social fields to the users-permissions user. The plugin's own attributes are spread,
 * not repeated: a `content-types/user/schema.json` here would replace all of them.
 * Also swaps in the cached content-api `authenticate` (src/auth/cached-authenticate.ts), runs the
 * plugin's /auth/* actions behind the checks they lack (src/auth/auth-routes.ts), and gives the
 * routes that check a password the shared login budget (global::login-rate-limit), and describes
 * the added `name` in the routes' zod schemas (src/auth/plugin-user-schema.ts).
 * Rate limits: the plugin's own limiter (koa2-ratelimit, per process) is replaced by the app's
 * (src/rate-limit), so its /auth/* limits are shared across nodes like every other; registering
 * spends the `register` budget (5 an hour per IP by default), and the password routes spend only
 * the login budget.
 */
import type { Core } from '@strapi/strapi';
import { withHardenedAuth } from '../../auth/auth-routes';
import { withCachedAuth } from '../../auth/cached-authenticate';
import { describeSocialUser } from '../../auth/plugin-user-schema';
import { authRateLimit } from '../../rate-limit/auth';

type Attributes = Record<string, Record<string, unknown>>;
type UsersPermissionsPlugin = {
  contentTypes: { user: { schema: { attributes: Attributes } } };
  controllers: { auth: Parameters<typeof withHardenedAuth>[0] };
  routes: { 'content-api': { routes: Core.RouteInput[] } };
  middlewares: Record<string, unknown>;
  register?: (args: { strapi: Core.Strapi }) => unknown;
};

/** The plugin's routes that compare a password, and so spend the login budget. */
const PASSWORD_ROUTES = ['POST /auth/local', 'POST /auth/change-password'];
const REGISTER = 'POST /auth/local/register';
const PLUGIN_RATE_LIMIT = 'plugin::users-permissions.rateLimit';
/** See src/lib/routes.ts: Strapi resolves `{ name, config }`, its type lists only names. */
const registerBudget = { name: 'global::rate-limit', config: { budget: 'register' } } as unknown as string;

const socialAttributes: Attributes = {
  name: { type: 'string', maxLength: 100 },
  // Twice the API's 500 characters: Strapi counts UTF-16 units, the API counts characters.
  bio: { type: 'text', maxLength: 1000 },
  // The avatar: one image of the user's own uploads (src/db/repositories/media.ts), a morph link
  // of the upload plugin, so the Content Manager shows it.
  avatar: { type: 'media', multiple: false, allowedTypes: ['images'] },
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
  // Blocks and mutes, owned like `following`: one join-table row per (blocker, blocked) or
  // (muter, muted) pair, unique, its id giving "most recent first" (src/db/visibility.ts reads them).
  blocking: {
    type: 'relation',
    relation: 'manyToMany',
    target: 'plugin::users-permissions.user',
    inversedBy: 'blockedBy',
  },
  blockedBy: {
    type: 'relation',
    relation: 'manyToMany',
    target: 'plugin::users-permissions.user',
    mappedBy: 'blocking',
  },
  muting: {
    type: 'relation',
    relation: 'manyToMany',
    target: 'plugin::users-permissions.user',
    inversedBy: 'mutedBy',
  },
  mutedBy: {
    type: 'relation',
    relation: 'manyToMany',
    target: 'plugin::users-permissions.user',
    mappedBy: 'muting',
  },
  posts: { type: 'relation', relation: 'oneToMany', target: 'api::post.post', mappedBy: 'author' },
  comments: { type: 'relation', relation: 'oneToMany', target: 'api::comment.comment', mappedBy: 'author' },
  likedPosts: { type: 'relation', relation: 'manyToMany', target: 'api::post.post', mappedBy: 'likedBy' },
};

export default (plugin: UsersPermissionsPlugin): UsersPermissionsPlugin => {
  const { schema } = plugin.contentTypes.user;
  schema.attributes = { ...schema.attributes, ...socialAttributes };
  plugin.controllers.auth = withHardenedAuth(plugin.controllers.auth);
  // Every route that still names the plugin's limiter gets the app's `auth` budget instead.
  plugin.middlewares.rateLimit = authRateLimit;
  for (const route of plugin.routes['content-api'].routes) {
    describeSocialUser(route);
    const key = `${route.method} ${route.path}`;
    const others = (route.config?.middlewares ?? []).filter((middleware) => middleware !== PLUGIN_RATE_LIMIT);
    if (PASSWORD_ROUTES.includes(key)) route.config = { ...route.config, middlewares: [...others, 'global::login-rate-limit'] };
    else if (key === REGISTER) route.config = { ...route.config, middlewares: [...others, registerBudget] };
  }
  // Its content-api `authenticate`, cached and kept exact by the auth generation.
  return withCachedAuth(plugin);
};
