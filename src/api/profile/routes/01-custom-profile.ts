import type { Core } from '@strapi/strapi';
import { z } from 'zod/v4';
import { cursorPageOf } from '../../../lib/schemas/envelopes';
import { CursorQuery, EmailRef, LoginInput, PasswordConfirmation, ProfileEdit, UserRef } from '../../../lib/schemas/inputs';
import { DeletedEntry, OwnProfile, Post, PublicProfile } from '../../../lib/schemas/shapes';
import { withUsersPermissionsOnly, type ContractRoute } from '../../../lib/routes';

/**
 * The user routes of the original app. Declared in an API (not in the users-permissions
 * extension) because API routes are registered before plugin routes, so these win over the
 * plugin's GET /users/:id. `/users/{email}` only matches values with an @ (raw or %40), so the
 * plugin's /users/me and /users/:id keep working beside it. User routes answer the bare object,
 * like the plugin's own /users/me.
 */
const loginLimits = { middlewares: ['global::login-rate-limit'] };
const byUser = { params: { id: UserRef } };

const Login = z.object({ jwt: z.string().describe('The bearer token'), user: OwnProfile });

const follow = { handler: 'api::profile.profile.follow', request: byUser, response: PublicProfile, defaultRoles: ['authenticated'], rateLimit: 'social' } as const;
const relation = (action: string) =>
  ({ method: 'POST', path: `/users/${action}/:id`, handler: `api::profile.profile.${action}`, request: byUser, response: PublicProfile, defaultRoles: ['authenticated'], rateLimit: 'social' }) as const;
const ownList = (list: string) =>
  ({ method: 'GET', path: `/users/${list}`, handler: `api::profile.profile.${list}`, request: { query: CursorQuery }, response: cursorPageOf(PublicProfile), defaultRoles: ['authenticated'] }) as const;
const unfollow = { handler: 'api::profile.profile.unfollow', request: byUser, response: PublicProfile, defaultRoles: ['authenticated'], rateLimit: 'social' } as const;

export const profileRoutes: ContractRoute[] = [
  {
    method: 'POST',
    path: '/users/login',
    handler: 'api::profile.profile.login',
    config: loginLimits,
    request: { body: { 'application/json': LoginInput } },
    response: Login,
    defaultRoles: ['public', 'authenticated'],
  },
  { method: 'GET', path: '/users/users', handler: 'api::profile.profile.me', response: OwnProfile, defaultRoles: ['authenticated'] },
  {
    method: 'PUT',
    path: '/users/users',
    handler: 'api::profile.profile.updateMe',
    request: { body: { 'application/json': ProfileEdit } },
    response: OwnProfile,
    defaultRoles: ['authenticated'],
  },
  {
    method: 'DELETE',
    path: '/users/users',
    handler: 'api::profile.profile.deleteMe',
    // Confirmed with the password, so it shares the login budget (a stolen token cannot guess it).
    config: loginLimits,
    request: { body: { 'application/json': PasswordConfirmation } },
    response: DeletedEntry,
    defaultRoles: ['authenticated'],
  },
  // GET is accepted on follow and unfollow because the original app documented it; POST is for new clients.
  { method: 'POST', path: '/users/follow/:id', ...follow },
  { method: 'GET', path: '/users/follow/:id', ...follow },
  { method: 'POST', path: '/users/unfollow/:id', ...unfollow },
  { method: 'GET', path: '/users/unfollow/:id', ...unfollow },
  relation('block'),
  relation('unblock'),
  relation('mute'),
  relation('unmute'),
  ownList('blocks'),
  ownList('mutes'),
  { method: 'GET', path: '/users/:id/profile', handler: 'api::profile.profile.profile', request: byUser, response: PublicProfile, defaultRoles: ['public', 'authenticated'] },
  {
    method: 'GET',
    path: '/users/:id/followers',
    handler: 'api::profile.profile.followers',
    request: { ...byUser, query: CursorQuery },
    response: cursorPageOf(PublicProfile),
    defaultRoles: ['public', 'authenticated'],
  },
  {
    method: 'GET',
    path: '/users/:id/following',
    handler: 'api::profile.profile.following',
    request: { ...byUser, query: CursorQuery },
    response: cursorPageOf(PublicProfile),
    defaultRoles: ['public', 'authenticated'],
  },
  {
    method: 'GET',
    path: '/users/:id/posts',
    handler: 'api::profile.profile.posts',
    request: { ...byUser, query: CursorQuery },
    response: cursorPageOf(Post),
    defaultRoles: ['public', 'authenticated'],
  },
  {
    method: 'GET',
    path: '/users/:email([^/]*(?:@|%40)[^/]*)',
    handler: 'api::profile.profile.findByEmail',
    request: { params: { email: EmailRef } },
    response: PublicProfile,
    defaultRoles: ['authenticated'],
  },
];

export default { type: 'content-api', routes: withUsersPermissionsOnly(profileRoutes) } satisfies Core.RouterConfig;
