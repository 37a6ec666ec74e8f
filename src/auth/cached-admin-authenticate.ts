import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { adminAuthState, type AdminAuthState } from '../db/admin-auth-generation';

/**
 * The admin panel's `admin` strategy (node_modules/@strapi/admin/dist/server/server/src/
 * strategies/admin.js), for the moderation console's routes, with its per-request loads cached.
 * Strapi's strategy runs, on every request: the access token's verification, a session lookup
 * (a scan: strapi_sessions has no index on session_id), the user with their roles, their
 * permissions, and the CASL ability built from them. Here:
 *
 * - the token is verified by Strapi's own session manager (validateAccessToken), unchanged;
 * - one indexed statement reads the session and the admin generation (src/db/admin-auth-generation.ts),
 *   on every request: a logout or a revoked or expired session is refused on the very next
 *   request, on every node. Anything but a live `admin` session goes to Strapi's own
 *   isSessionActive, which answers it (and deletes an expired session) as it always does;
 * - the user (with roles) and their ability are loaded by Strapi's own query and
 *   `engine.generateUserAbility`, and kept in memory only while the generation is the one read
 *   before they were loaded. Triggers bump it in the transaction of every write to admin users,
 *   their roles, roles and permissions, so a deactivated user or a revoked permission is refused
 *   on the very next request, on every node, whoever wrote it (the admin panel, another node, psql).
 *
 * AUTH_CACHE=false: the same steps without the cache. Installed on the console's routes only
 * (src/moderation/routes.ts); the rest of the admin panel keeps Strapi's strategy.
 */
type AdminUser = { id: number | string; isActive?: boolean | null; [key: string]: unknown };
type Ability = unknown;
type AuthResult = { authenticated: boolean; credentials?: unknown; ability?: Ability };
type Loaded = { user: AdminUser; ability: Ability } | null;
type OriginManager = {
  validateAccessToken: (token: string) => { isValid: boolean; payload: { userId: string; sessionId: string } | null };
  isSessionActive: (sessionId: string) => Promise<boolean>;
};
type SessionManager = (origin: string) => OriginManager;

export const ADMIN_ORIGIN = 'admin';
/** Admin users kept per process; past it, the oldest entry goes. */
const MAX_USERS = 1_000;

/** The admin users of one generation, by id. */
class AdminUserCache {
  private generation: string | undefined;
  private readonly users = new Map<string, Loaded>();

  /** The entry of `id`, loaded on a miss; kept only while `generation` (read before the load) is still current. */
  async get(id: string, generation: string | undefined, load: () => Promise<Loaded>): Promise<Loaded> {
    if (generation !== this.generation) {
      this.generation = generation;
      this.users.clear();
    }
    const usable = generation !== undefined;
    if (usable && this.users.has(id)) return this.users.get(id) as Loaded;
    const value = await load();
    if (usable && this.generation === generation) {
      if (this.users.size >= MAX_USERS) this.users.delete(this.users.keys().next().value as string);
      this.users.set(id, value);
    }
    return value;
  }
}

/** The bearer token of the request, as Strapi's strategy reads it, or null. */
function bearerOf(ctx: Context): string | null {
  const { authorization } = ctx.request.header;
  if (!authorization) return null;
  const parts = authorization.split(/\s+/);
  return parts[0].toLowerCase() === 'bearer' && parts.length === 2 ? parts[1] : null;
}

/** Whether the session is live: answered from the row just read, else by Strapi's own check. */
async function sessionIsActive(manager: OriginManager, sessionId: string, state: AdminAuthState | undefined): Promise<boolean> {
  const session = state?.session;
  if (session && session.origin === ADMIN_ORIGIN && session.expiresAt !== null && session.expiresAt > new Date()) return true;
  return manager.isSessionActive(sessionId);
}

export function cachedAdminStrategy(strapi: Core.Strapi, caching = process.env.AUTH_CACHE !== 'false') {
  const cache = new AdminUserCache();

  const load = async (userId: number | string): Promise<Loaded> => {
    const user = (await strapi.db.query('admin::user').findOne({ where: { id: userId }, populate: ['roles'] })) as AdminUser | null;
    if (!user || user.isActive !== true) return null;
    const ability = await strapi.service('admin::permission').engine.generateUserAbility(user);
    return { user, ability };
  };

  const authenticate = async (ctx: Context): Promise<AuthResult> => {
    const token = bearerOf(ctx);
    const sessionManager = (strapi as unknown as { sessionManager?: SessionManager }).sessionManager;
    if (!token || !sessionManager) return { authenticated: false };
    const manager = sessionManager(ADMIN_ORIGIN);
    const result = manager.validateAccessToken(token);
    if (!result.isValid || !result.payload) return { authenticated: false };
    const { sessionId, userId: rawUserId } = result.payload;

    let state: AdminAuthState | undefined;
    if (caching) {
      try {
        state = await adminAuthState(strapi, sessionId);
      } catch {
        state = undefined; // no generation table: Strapi's checks, uncached
      }
    }
    if (!(await sessionIsActive(manager, sessionId, state))) return { authenticated: false };

    // The user id as Strapi's strategy reads it.
    const numeric = Number(rawUserId);
    const userId = Number.isFinite(numeric) && String(numeric) === rawUserId ? numeric : rawUserId;
    const loaded = await cache.get(String(userId), state?.generation, () => load(userId));
    if (!loaded) return { authenticated: false };

    // Each request gets its own copy of the user, as a fresh load would give it; the ability is
    // only ever read (ability.can in admin::hasPermissions).
    const user = structuredClone(loaded.user);
    ctx.state.userAbility = loaded.ability;
    ctx.state.user = user;
    ctx.state.session = { id: sessionId };
    return { authenticated: true, credentials: user, ability: loaded.ability };
  };

  return { name: 'admin', authenticate };
}
