import type { Core } from '@strapi/strapi';
import { repositories } from '../db/repositories';

/**
 * JWTs carry the password version of their user (`pv`, absent for version 0: every token issued
 * before the first password change, and before this rule existed). A password change bumps the
 * version in its own transaction (src/db/accounts.ts), whoever makes it, and bumps the
 * auth generation, so every node reloads the user at its next request and refuses every token
 * whose `pv` is not the current one (src/auth/cached-authenticate.ts): a user cuts off a stolen
 * token by changing the password.
 *
 * The plugin's `jwt.issue()` is synchronous and knows only the id, so tokens are issued here, and
 * the plugin's own answers that carry one are re-signed (src/auth/auth-routes.ts).
 */
export type TokenPayload = { id?: unknown; pv?: unknown; sessionId?: string };

/** Token ids are positive integers: `{"$ne":0}`, `true` or `[n]` would be query operators. */
export const isUserId = (id: unknown): id is number => typeof id === 'number' && Number.isSafeInteger(id) && id > 0;

/** The version a token was issued at (0 when it carries none). */
export const versionOf = (token: TokenPayload): number => (typeof token.pv === 'number' ? token.pv : 0);

export const isLegacyJwtMode = (strapi: Core.Strapi): boolean =>
  strapi.config.get<string>('plugin::users-permissions.jwtManagement', 'legacy-support') !== 'refresh';

export const passwordVersionOf = (strapi: Core.Strapi, userId: number): Promise<number> => repositories(strapi).users.passwordVersion(userId);

/** A token for this user at their current password version. */
export async function issueToken(strapi: Core.Strapi, userId: number): Promise<string> {
  const jwt = strapi.plugin('users-permissions').service('jwt');
  if (!isLegacyJwtMode(strapi)) return (await jwt.issue({ id: userId })) as string;
  const pv = await passwordVersionOf(strapi, userId);
  return (await jwt.issue(pv > 0 ? { id: userId, pv } : { id: userId })) as string;
}
