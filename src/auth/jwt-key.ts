import { createSecretKey } from 'node:crypto';
import type { Core } from '@strapi/strapi';

/** The app's JWT secret (users-permissions) and the admin panel's (its session manager signs and verifies with it). */
const KEYS = ['plugin::users-permissions.jwtSecret', 'admin.auth.secret'];

/**
 * jsonwebtoken turns a string secret into a KeyObject on every sign and verify, and first tries
 * it as a PEM public key, which throws: an exception per authenticated request, ~10% of the CPU
 * of a post read in the profile, and ~0.8 ms of each moderation-queue request for the admin
 * secret (docs/PERFORMANCE.md). Handing Strapi the KeyObject once makes every verify skip that;
 * the HMAC key bytes are the same, so tokens do not change. Runs in register(), before the
 * admin's bootstrap hands its secret to the session manager. (In development without JWT_SECRET
 * the plugin generates a string later; that path is unchanged.)
 */
export function useJwtKeyObjects(strapi: Core.Strapi): void {
  for (const key of KEYS) {
    const secret = strapi.config.get(key);
    if (typeof secret === 'string' && secret !== '') strapi.config.set(key, createSecretKey(Buffer.from(secret)));
  }
}
