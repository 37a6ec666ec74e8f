import type { Core } from '@strapi/strapi';
import type { Context } from 'koa';
import { AUTH_GENERATION_TABLE, readGeneration } from '../db/auth-generation';
import { isLegacyJwtMode, isUserId, passwordVersionOf, versionOf, type TokenPayload } from './tokens';

/**
 * users-permissions' content-api `authenticate`, with its four reads per request (the user and
 * role, the `advanced` settings, the role's permissions, the CASL ability built from them)
 * cached in memory. Exactness comes from the auth generation (src/db/auth-generation.ts):
 * triggers bump it in the transaction of every write that can change an answer, each request
 * reads it (one indexed single-row query), and a cached entry is used only while the generation is
 * the one read before the entry was loaded. So a block, a role or permission change, a deletion,
 * a password change or an `advanced` settings change applies on the very next request, on every node.
 *
 * The logic mirrors node_modules/@strapi/plugin-users-permissions/dist/server/strategies/
 * users-permissions.js line for line; its `verify` is reused unchanged. Two checks are added:
 * a token's `id` must be a positive integer (a forged-looking id never reaches a query), and its
 * password version must be the user's current one (src/auth/tokens.ts). Its 401 messages say
 * which rule refused the token (DENIED) instead of the plugin's "Invalid credentials".
 * AUTH_CACHE=false keeps the same strategy without the cache (every request loads everything).
 */

type Ability = unknown;
type AuthResult = { authenticated?: boolean; credentials?: unknown; ability?: Ability | null; error?: string };
export type Strategy = {
  name: string;
  authenticate: (ctx: Context) => Promise<AuthResult>;
  verify?: (auth: unknown, config: unknown) => unknown;
};
type AuthUser = { id: number; confirmed?: boolean | null; blocked?: boolean | null; role: { id: number } };
/** A user as cached: the row the plugin loads, and the password version tokens must carry. */
type CachedUser = { user: AuthUser; passwordVersion: number };
type Advanced = { email_confirmation?: boolean } | null;
type Token = TokenPayload | null;
type Permission = { action: string };

/**
 * The messages of the 401s the strategy answers (the plugin says "Invalid credentials" to all of
 * them): each tells the app why its token no longer works, so it can tell its user.
 */
export const DENIED = {
  noUser: 'This token belongs to no user (the account was deleted): register or log in again.',
  passwordChanged: "This token was issued before the account's last password change: log in again with the new password.",
  unconfirmed: 'This account has not confirmed its email address yet: follow the link in the confirmation email (POST /api/auth/send-email-confirmation sends a new one).',
  blocked: 'This account is blocked: a moderator locked it, so its tokens no longer work and it cannot log in.',
} as const;

/** Users kept per process; past it, the oldest entry goes. */
const MAX_USERS = 10_000;

/** The caches of one Strapi instance. Every entry belongs to `generation`. */
class GenerationCache {
  generation: string | undefined;
  readonly users = new Map<string, CachedUser>();
  /** Key: role id, or 'public'. null: the Public role has no permission. */
  readonly abilities = new Map<string, Ability | null>();
  readonly advanced = new Map<'advanced', Advanced>();

  /** Adopts the generation just read (undefined: caching is off); forgets everything when it moved. */
  enter(generation: string | undefined): void {
    if (generation === this.generation) return;
    this.generation = generation;
    this.users.clear();
    this.abilities.clear();
    this.advanced.clear();
  }

  /**
   * The entry for `key`, loaded on a miss. `generation` is the one this request read before any
   * load: the entry is used, and a loaded value kept, only while it is still the current one (a
   * concurrent request may have seen a newer generation meanwhile). An `undefined` value is not kept.
   */
  async get<V>(map: Map<string, V>, key: string | undefined, generation: string | undefined, load: () => Promise<V>, cap = Infinity): Promise<V> {
    const current = key !== undefined && generation !== undefined && this.generation === generation;
    if (current && map.has(key)) return map.get(key) as V;
    const value = await load();
    if (current && this.generation === generation && value !== undefined) {
      if (map.size >= cap) map.delete(map.keys().next().value as string);
      map.set(key, value);
    }
    return value;
  }
}

/** Whether the generation table is missing (ensureAuthGeneration did not run): not an outage. */
function isMissingTable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return e?.code === '42P01' || /no such table/i.test(e?.message ?? '');
}

export function cachedStrategy(strapi: Core.Strapi, original: Strategy, caching = true): Strategy {
  const cache = new GenerationCache();
  const plugin = () => strapi.plugin('users-permissions');
  // Looked up on every call, as the plugin does, so a replaced or spied service is honoured.
  const service = (name: 'jwt' | 'user' | 'permission') => plugin().service(name);
  let warned = false;


  const abilityOf = async (permissions: Permission[]): Promise<Ability> =>
    strapi.contentAPI.permissions.engine.generateAbility(permissions.map(service('permission').toContentAPIPermission));

  const authenticate = async (ctx: Context): Promise<AuthResult> => {
    let generation: string | undefined;
    let token: Token = null;
    try {
      token = (await service('jwt').getToken(ctx)) as Token;
      // Invalid token: no query at all, as in the plugin.
      if (token && token.id === undefined) return { authenticated: false };
      if (caching) generation = await readGeneration(strapi);
    } catch (error) {
      if (!isMissingTable(error)) return { authenticated: false }; // includes the database being down
      generation = undefined;
    }
    if (caching && generation === undefined) {
      if (!warned) strapi.log.warn(`${AUTH_GENERATION_TABLE} is missing or empty: authentication is not cached.`);
      warned = true;
    }
    cache.enter(generation);

    try {
      if (token) {
        const { id, sessionId } = token;
        // A signed token whose id is not a positive integer is refused before any query.
        if (!isUserId(id)) return { error: DENIED.noUser };
        const cached = await cache.get(cache.users, String(id), generation, async () => {
          const [user, passwordVersion] = await Promise.all([
            service('user').fetchAuthenticatedUser(id) as Promise<AuthUser | null>,
            passwordVersionOf(strapi, id),
          ]);
          return user ? { user, passwordVersion } : undefined; // an unknown id is not cached: a later INSERT bumps nothing
        }, MAX_USERS);
        // No user associated to the token
        if (!cached) return { error: DENIED.noUser };
        // Issued before the user's last password change (refresh mode revokes its sessions itself)
        if (isLegacyJwtMode(strapi) && versionOf(token) !== cached.passwordVersion) return { error: DENIED.passwordChanged };
        const advanced = await cache.get(cache.advanced, 'advanced', generation, async () =>
          (await strapi.store({ type: 'plugin', name: 'users-permissions' }).get({ key: 'advanced' })) as Advanced
        );
        // User not confirmed (a missing `advanced` throws here, as in the plugin)
        if ((advanced as NonNullable<Advanced>).email_confirmation && !cached.user.confirmed) return { error: DENIED.unconfirmed };
        // User blocked
        if (cached.user.blocked) return { error: DENIED.blocked };
        const roleId = cached.user.role.id;
        const ability = await cache.get(cache.abilities, String(roleId), generation, async () =>
          abilityOf((await service('permission').findRolePermissions(roleId)) as Permission[])
        );
        // Each request gets its own copy, as a fresh load would give it: a handler may mutate it.
        const user = structuredClone(cached.user);
        ctx.state.user = user;
        if (sessionId) ctx.state.session = { id: sessionId };
        return { authenticated: true, credentials: user, ability };
      }

      const ability = await cache.get(cache.abilities, 'public', generation, async () => {
        const permissions = (await service('permission').findPublicPermissions()) as Permission[];
        return permissions.length === 0 ? null : abilityOf(permissions);
      });
      if (ability === null) return { authenticated: false };
      return { authenticated: true, credentials: null, ability };
    } catch {
      return { authenticated: false };
    }
  };

  return { ...original, authenticate };
}

type AuthService = { register: (type: string, strategy: Strategy) => unknown };
type Lifecycle = (args: { strapi: Core.Strapi }) => unknown;

/**
 * Installs the cached strategy from src/extensions/users-permissions/strapi-server.ts: wraps the
 * plugin's register() so that, while it runs, its `auth.register('content-api', strategy)` call
 * registers the cached strategy in its place. @strapi/core's auth service exposes no way to
 * replace a registered strategy, and the plugin does not export its strategy module, so the
 * registration itself is the one supported place to substitute it.
 */
export function withCachedAuth<P extends { register?: Lifecycle }>(plugin: P): P {
  const caching = process.env.AUTH_CACHE !== 'false';
  const register = plugin.register;
  plugin.register = async ({ strapi }) => {
    const auth = strapi.get('auth') as AuthService;
    const original = auth.register;
    auth.register = function (this: AuthService, type, strategy) {
      const replaced = type === 'content-api' && strategy?.name === 'users-permissions' ? cachedStrategy(strapi, strategy, caching) : strategy;
      return original.call(this, type, replaced);
    };
    try {
      return await register?.({ strapi });
    } finally {
      auth.register = original;
    }
  };
  return plugin;
}
