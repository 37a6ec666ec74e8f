import type { Core } from '@strapi/strapi';
import type { Context, Next } from 'koa';

/**
 * Strapi's own 401 and 403 answers say only "Forbidden", "Unauthorized" or "Missing or invalid
 * credentials": the same words for no token, a token sent without "Bearer", a role that may not
 * use the route, and a path that reached a plugin route by mistake. A client developer cannot
 * tell what to do. This rewrites the message of those bare answers (and only those: a message a
 * route wrote itself is kept) into what happened and what to do. Status and error name stay
 * those of the contract (../shared/API.md): 403 ForbiddenError, 401 UnauthorizedError.
 *
 * The bare answers come from @strapi/core's authenticate/authorize steps (ctx.forbidden() and
 * ctx.unauthorized() with their default text), which run inside this middleware, so the
 * envelope is in ctx.body when it returns.
 */
const BARE_403 = new Set(['Forbidden']);
const BARE_401 = new Set(['Unauthorized', 'Missing or invalid credentials']);

const LOGIN_HINT = 'POST /api/users/login (or POST /api/auth/local/register for a new account)';

export const MESSAGES = {
  needsLogin: `This route needs a logged-in user: send the header "Authorization: Bearer <jwt>", with the jwt from ${LOGIN_HINT}.`,
  useBearer:
    'The Authorization header must read "Bearer <jwt>": without the "Bearer " prefix the token is ignored and the request runs as an anonymous visitor, which may not use this route.',
  roleMayNot: (role: string | undefined) =>
    `${role ? `The role "${role}"` : 'Your role'} may not use this route: an administrator can grant it in the admin panel, under Settings → Users & Permissions → Roles.`,
  emailsOnly: (value: string) =>
    `GET /api/users/{email} looks users up by email only, and "${value}" is not an email address. For a user by id, use GET /api/users/{id}/profile. This request reached the users-permissions plugin's GET /api/users/:id instead, which your role may not use.`,
  badToken: `The token is invalid or has expired: log in again with ${LOGIN_HINT} for a new one.`,
};

type Envelope = { data: null; error: { status: number; name: string; message: string } };
type RouteState = { handler?: unknown; info?: { pluginName?: string }; config?: { auth?: { scope?: unknown } } } | undefined;

const isEnvelope = (body: unknown): body is Envelope =>
  typeof body === 'object' && body !== null && (body as { data?: unknown }).data === null && typeof (body as Envelope).error?.message === 'string';

/** Whether the request reached the users-permissions plugin's GET /users/:id (its `user.findOne`). */
function isPluginUserLookup(route: RouteState): boolean {
  if (route?.info?.pluginName !== 'users-permissions') return false;
  const scope = route.config?.auth?.scope;
  const names = [route.handler, ...(Array.isArray(scope) ? scope : [])].filter((n): n is string => typeof n === 'string');
  return names.some((name) => /(^|\.)user\.findOne$/.test(name));
}

type AuthHeader = 'none' | 'bearer' | 'other';
function authHeader(ctx: Context): AuthHeader {
  const value = ctx.request.headers.authorization;
  if (typeof value !== 'string' || value.trim() === '') return 'none';
  return /^bearer\s+\S+$/i.test(value.trim()) ? 'bearer' : 'other';
}

function explain403(ctx: Context): string {
  const route = ctx.state.route as RouteState;
  const header = authHeader(ctx);
  if (isPluginUserLookup(route)) {
    const raw = String((ctx.params as Record<string, unknown> | undefined)?.id ?? ctx.path.split('/').pop() ?? '');
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // A malformed escape: quote it as sent.
    }
    return MESSAGES.emailsOnly(value);
  }
  if (header === 'other') return MESSAGES.useBearer;
  const user = ctx.state.user as { role?: { name?: unknown } } | undefined;
  if (!user) return MESSAGES.needsLogin;
  return MESSAGES.roleMayNot(typeof user.role?.name === 'string' ? user.role.name : undefined);
}

function explain401(ctx: Context): string {
  const header = authHeader(ctx);
  if (header === 'bearer') return MESSAGES.badToken;
  if (header === 'other') return MESSAGES.useBearer;
  return MESSAGES.needsLogin;
}

export default (_config: unknown, { strapi }: { strapi: Core.Strapi }) => {
  // Only the REST API: the admin panel's own 401/403 (under /admin) are for its own sign-in.
  const prefix = `${strapi.config.get('api.rest.prefix', '/api') as string}/`;
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    const body = ctx.body;
    if (!ctx.path.startsWith(prefix) || !isEnvelope(body)) return;
    if (ctx.status === 403 && BARE_403.has(body.error.message)) body.error.message = explain403(ctx);
    else if (ctx.status === 401 && BARE_401.has(body.error.message)) body.error.message = explain401(ctx);
  };
};
