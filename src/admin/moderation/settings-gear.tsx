import type { StrapiApp } from '@strapi/strapi/admin';

/**
 * No Settings gear for a role with nothing to set (the Moderator, an Editor, an Author).
 *
 * Strapi 5 always shows the gear: its menu link (useMenu) has no permissions of its own, and an
 * empty list passes every check, so even a role without a single settings permission gets the
 * gear and the settings page's "Overview". The menu has no API to remove that link, so:
 *
 * - an RBAC middleware (app.addRBACMiddleware, run by every permission check of the panel, the
 *   menu's own included) sees the signed-in user's whole permission list and notes whether any of
 *   it opens a settings page: an `admin::` action (roles, users, tokens, webhooks, project
 *   settings, and the EE pages) other than the console's own and the Marketplace, or an action
 *   of a plugin's settings link (app.router.settings: users-permissions, upload, email, i18n…);
 * - that answer is an attribute of <html>, and a style rule hides the gear's list item (desktop
 *   menu and mobile burger menu) while it says "none".
 *
 * Nothing is hidden that the server would allow: the settings routes keep their own checks. The
 * middleware passes the permissions through unchanged.
 */
const ATTRIBUTE = 'data-social-no-settings';
const STYLE_ID = 'social-no-settings-style';

type Permission = { action: string };
type SettingsSection = { links?: Array<{ permissions?: Permission[] }> };

const NOT_SETTINGS = [/^admin::moderation\./, /^admin::marketplace\./];

export function settingsActionsOf(app: StrapiApp): Set<string> {
  const sections = ((app as unknown as { router?: { settings?: Record<string, SettingsSection> } }).router?.settings ?? {}) as Record<string, SettingsSection>;
  const actions = new Set<string>();
  for (const section of Object.values(sections)) for (const link of section.links ?? []) for (const p of link.permissions ?? []) actions.add(p.action);
  return actions;
}

export function opensSettings(permissions: Permission[], pluginSettingsActions: Set<string>): boolean {
  return permissions.some(
    ({ action }) => (action.startsWith('admin::') && !NOT_SETTINGS.some((re) => re.test(action))) || pluginSettingsActions.has(action)
  );
}

function ensureStyle(): void {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = `html[${ATTRIBUTE}] li:has(> a[href$="/settings"]), html[${ATTRIBUTE}] li:has(a[href$="/admin/settings"]) { display: none !important; }`;
  document.head.appendChild(style);
}

export function hideSettingsWithoutPermission(app: StrapiApp): void {
  ensureStyle();
  app.addRBACMiddleware((ctx) => (next) => (permissions) => {
    const none = !opensSettings(ctx.permissions ?? [], settingsActionsOf(app));
    if (none) document.documentElement.setAttribute(ATTRIBUTE, '');
    else document.documentElement.removeAttribute(ATTRIBUTE);
    return next(permissions);
  });
}
