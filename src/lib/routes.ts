import type { Core } from '@strapi/strapi';
import type { RouteBudget } from '../rate-limit/limits';

/** A users-permissions role, by its `type`, that a route's action is granted to on a fresh database. */
export type DefaultRole = 'public' | 'authenticated';

/** A status a route answers on success. */
export type SuccessStatus = 200 | 201;

/**
 * One route of the contract, declared once: Strapi's own route input (method, path, handler,
 * config, and the zod `request` and `response` that @strapi/openapi describes), plus the two
 * facts Strapi's route type has no field for:
 * - `defaultRoles`: the roles granted the route's action on a fresh database. Permission seeding
 *   (src/bootstrap/permissions.ts) grants them, and the description (src/openapi) marks a route
 *   Public may use as callable without a token.
 * - `successStatuses`: the statuses of a success, when not only 200 (the description writes the
 *   `response` schema under each).
 * - `rateLimit`: the budget each call spends (config/rate-limits.ts: `posts`, `comments`, `media`,
 *   `social`, `reports`, `register`), per user with a token and per IP without. One line gives a
 *   route its budget; withUsersPermissionsOnly turns it into the `global::rate-limit` route
 *   middleware, which sets the X-RateLimit-* headers and answers 429, and the description
 *   (src/openapi) lists the 429.
 * They live beside the route rather than in `config`, whose type (Core.RouteConfig) Strapi owns
 * and whose schema its route validator fixes (auth, policies, middlewares); withUsersPermissionsOnly
 * strips them, so Strapi never sees a key it does not know.
 * The handler is fully qualified, so it is also the route's permission action.
 */
export type ContractRoute = Core.RouteInput & {
  handler: `api::${string}.${string}.${string}`;
  defaultRoles: readonly DefaultRole[];
  successStatuses?: readonly SuccessStatus[];
  rateLimit?: RouteBudget;
  /** Answers Server-Sent Events (text/event-stream); `response` is each event's data. At most a few per user (429 beyond). */
  eventStream?: boolean;
};

/**
 * `global::rate-limit` with its budget. Strapi resolves `{ name, config }` in a route's middlewares
 * (core's resolveMiddlewares), but its RouteConfig type lists only names and functions.
 */
const rateLimitMiddleware = (budget: RouteBudget) => ({ name: 'global::rate-limit', config: { budget } }) as unknown as string;

/**
 * The routes as Strapi takes them, with users-permissions as their one content-api strategy:
 * JWT, roles, and the permission the route's action is. Without it, Strapi also tries its
 * API-token strategy first, which costs a database lookup of the bearer on every authenticated
 * request; API tokens are not part of the contract. Each route gets its own `auth` object:
 * Strapi writes the route's permission scope into it (defaultsDeep), so a shared one would give
 * every route the first route's scope.
 * Each route also runs global::keep-denial-messages first: Strapi's authorize step would otherwise
 * replace the message of any 401 or 403 the route throws with a bare "Forbidden"/"Unauthorized".
 */
const KEEP_DENIAL_MESSAGES = 'global::keep-denial-messages';

export const withUsersPermissionsOnly = (routes: readonly ContractRoute[]): Core.RouteInput[] =>
  routes.map(({ defaultRoles: _roles, successStatuses: _statuses, rateLimit, eventStream: _eventStream, ...route }) => ({
    ...route,
    config: {
      auth: { strategies: ['users-permissions'] },
      ...route.config,
      // keep-denial-messages first, so that a 401/403 thrown anywhere in the route keeps its
      // message; then the route's own middlewares; then its write budget, if it has one.
      middlewares: [KEEP_DENIAL_MESSAGES, ...(route.config?.middlewares ?? []), ...(rateLimit ? [rateLimitMiddleware(rateLimit)] : [])],
    },
  }));
