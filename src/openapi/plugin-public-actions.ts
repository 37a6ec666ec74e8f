/**
 * The users-permissions actions the plugin grants Public on its first boot (DEFAULT_PERMISSIONS
 * in @strapi/plugin-users-permissions/server/src/services/users-permissions.js, which it does
 * not export). The description marks their routes as callable without a token; the plugin's
 * other defaults go to Authenticated, which the document's global security already says.
 * tests/openapi.test.ts checks this list against the Public role of a fresh database.
 */
export const PLUGIN_PUBLIC_ACTIONS: readonly string[] = [
  'plugin::users-permissions.auth.callback',
  'plugin::users-permissions.auth.connect',
  'plugin::users-permissions.auth.forgotPassword',
  'plugin::users-permissions.auth.resetPassword',
  'plugin::users-permissions.auth.register',
  'plugin::users-permissions.auth.emailConfirmation',
  'plugin::users-permissions.auth.sendEmailConfirmation',
  'plugin::users-permissions.auth.refresh',
];
