import type { Core } from '@strapi/strapi';
import type { Context, Next } from 'koa';
import { CONTRACT_ROUTES } from '../api/route-table';

/**
 * A method the contract does not declare for one of its paths answers 405 Method Not Allowed,
 * with `Allow`, in Strapi's error envelope, before any route runs. Without it a wrong method
 * answered three ways: GET /posts/like/{id} a 404 (no GET route has that shape), POST /posts/{id}
 * the router's 405, and GET /users/login a 403 (it fell through to the users-permissions plugin's
 * GET /users/:id, which a role may not use).
 *
 * "Our paths" and "declared" come from the route table (src/api/route-table.ts): a path is ours
 * when a contract route matches it, and `Allow` lists the methods of every contract route that
 * matches it (GET brings HEAD), which are exactly the methods the router would dispatch. Paths are
 * matched with the very regular expressions Strapi's router compiled for those routes (its layers,
 * from `strapi.server.listRoutes()`), so the two can never disagree about a path.
 * OPTIONS (other than a CORS preflight, which strapi::cors answers before this) gets 204 with the
 * same `Allow`. Paths that are not the contract's (the plugin's /users/:id, /auth/*, /upload, …)
 * are left to the router as before: GET /users/2 still reaches the plugin.
 */
type Layer = { path: string; methods: string[]; match: (path: string) => boolean };
type Matcher = { method: string; matches: (path: string) => boolean };

/** The order methods are listed in `Allow`. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

function contractMatchers(strapi: Core.Strapi): Matcher[] {
  const prefix = strapi.config.get('api.rest.prefix', '/api') as string;
  const layers = strapi.server.listRoutes() as unknown as Layer[];
  return CONTRACT_ROUTES.flatMap((route) => {
    const method = route.method.toUpperCase();
    const layer = layers.find((l) => l.path === `${prefix}${route.path}` && l.methods.includes(method));
    // Cannot happen while every route file exports what it registers; if it does, that path is
    // left to the router rather than failing every request (tests/error-messages.test.ts checks all).
    if (!layer) {
      strapi.log.warn(`method-not-allowed: ${method} ${prefix}${route.path} is in the route table but not in the router`);
      return [];
    }
    return [{ method, matches: (path: string) => layer.match(path) }];
  });
}

/** The methods the contract declares for `path`, in `Allow` order; empty when the path is not the contract's. */
export function allowedMethods(matchers: readonly Matcher[], path: string): string[] {
  const methods = new Set(matchers.filter((m) => m.matches(path)).map((m) => m.method));
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
}

/** "POST", "GET or PUT", "GET, PUT or DELETE": the methods to use instead (HEAD goes without saying). */
export function alternatives(allow: readonly string[]): string {
  const methods = allow.filter((m) => m !== 'HEAD');
  return methods.length < 2 ? methods.join('') : `${methods.slice(0, -1).join(', ')} or ${methods[methods.length - 1]}`;
}

export default (_config: unknown, { strapi }: { strapi: Core.Strapi }) => {
  // Built at the first request: the routes are registered after the middlewares are created.
  let matchers: Matcher[] | undefined;
  const prefix = `${strapi.config.get('api.rest.prefix', '/api') as string}/`;

  return async (ctx: Context, next: Next): Promise<void> => {
    if (!ctx.path.startsWith(prefix)) return next();
    matchers ??= contractMatchers(strapi);
    const allow = allowedMethods(matchers, ctx.path);
    if (allow.length === 0 || allow.includes(ctx.method)) return next();
    ctx.set('Allow', allow.join(', '));
    if (ctx.method === 'OPTIONS') {
      ctx.status = 204;
      return;
    }
    ctx.status = 405;
    ctx.body = {
      data: null,
      error: {
        status: 405,
        name: 'MethodNotAllowedError',
        message: `${ctx.method} is not allowed on ${ctx.path}: use ${alternatives(allow)} (see the Allow header)`,
        details: { allow },
      },
    };
  };
};
