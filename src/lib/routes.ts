/**
 * Route config shared by our API routes. `strategies` names the one content-api strategy these
 * routes use: users-permissions (JWT, roles, the permission the route's action is, as ever).
 * Without it, Strapi also tries its API-token strategy first, which costs a database lookup of
 * the bearer on every authenticated request; API tokens are not part of the contract.
 */
type Route = { method: string; path: string; handler: string; config?: Record<string, unknown> };

/**
 * The routes with that strategy in their config. Each route gets its own `auth` object: Strapi
 * writes the route's permission scope into it (defaultsDeep), so a shared one would give every
 * route the first route's scope.
 */
export const withUsersPermissionsOnly = (routes: Route[]): Route[] =>
  routes.map((route) => ({ ...route, config: { auth: { strategies: ['users-permissions'] }, ...route.config } }));
