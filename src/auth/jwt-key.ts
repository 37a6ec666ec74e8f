import { createSecretKey } from 'node:crypto';
import type { Core } from '@strapi/strapi';

const KEY = 'plugin::users-permissions.jwtSecret';

/**
 * jsonwebtoken turns a string secret into a KeyObject on every sign and verify, and first tries
 * it as a PEM public key, which throws: an exception per authenticated request, ~10% of the CPU
 * of a post read in the profile (docs/PERFORMANCE.md). Handing the plugin the KeyObject once
 * makes every verify skip that; the HMAC key bytes are the same, so tokens do not change.
 * (In development without JWT_SECRET the plugin generates a string later; that path is unchanged.)
 */
export function useJwtKeyObject(strapi: Core.Strapi): void {
  const secret = strapi.config.get(KEY);
  if (typeof secret === 'string' && secret !== '') strapi.config.set(KEY, createSecretKey(Buffer.from(secret)));
}
