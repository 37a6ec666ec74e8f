import { withUsersPermissionsOnly } from '../../../lib/routes';

/**
 * The user routes of the original app. Declared in an API (not in the users-permissions
 * extension) because API routes are registered before plugin routes, so these win over the
 * plugin's GET /users/:id. `/users/{email}` only matches values with an @ (raw or %40), so the
 * plugin's /users/me and /users/:id keep working beside it.
 */
const loginLimits = { middlewares: ['global::login-rate-limit'] };

export default {
  routes: withUsersPermissionsOnly([
    { method: 'POST', path: '/users/login', handler: 'api::profile.profile.login', config: loginLimits },
    { method: 'GET', path: '/users/users', handler: 'api::profile.profile.me' },
    // Confirmed with the password, so it shares the login budget (a stolen token cannot guess it).
    { method: 'DELETE', path: '/users/users', handler: 'api::profile.profile.deleteMe', config: loginLimits },
    { method: 'POST', path: '/users/follow/:id', handler: 'api::profile.profile.follow' },
    { method: 'GET', path: '/users/follow/:id', handler: 'api::profile.profile.follow' },
    { method: 'POST', path: '/users/unfollow/:id', handler: 'api::profile.profile.unfollow' },
    { method: 'GET', path: '/users/unfollow/:id', handler: 'api::profile.profile.unfollow' },
    { method: 'GET', path: '/users/:email([^/]*(?:@|%40)[^/]*)', handler: 'api::profile.profile.findByEmail' },
  ]),
};
