import type { Core } from '@strapi/strapi';
import { MODERATOR_CODE } from '../bootstrap/moderator-role';

/**
 * The console's admin RBAC actions. Registered in register() (before the admin's bootstrap drops
 * permissions of unknown actions), under the Plugins tab of Settings → Administration Panel →
 * Roles as "Moderation". The Moderator role gets both on first boot, once: an administrator may
 * take them away and no restart gives them back.
 */
export const READ_QUEUE = 'admin::moderation.read';
export const ACT_ON_QUEUE = 'admin::moderation.act';

export async function registerModerationActions(strapi: Core.Strapi): Promise<void> {
  await strapi.service('admin::permission').actionProvider.registerMany([
    { section: 'plugins', displayName: 'Read the moderation queue, log and user pages', uid: 'moderation.read', pluginName: 'admin', subCategory: 'moderation' },
    { section: 'plugins', displayName: 'Act on the queue: hide, dismiss, delete, block', uid: 'moderation.act', pluginName: 'admin', subCategory: 'moderation' },
  ]);
}

const FLAG = 'moderation-console-permissions-granted';

export async function grantModeratorConsole(strapi: Core.Strapi): Promise<void> {
  const store = strapi.store({ type: 'plugin', name: 'social' });
  if (await store.get({ key: FLAG })) return;
  const role = await strapi.db.query('admin::role').findOne({ where: { code: MODERATOR_CODE } });
  if (role) {
    await strapi.service('admin::role').addPermissions(role.id, [READ_QUEUE, ACT_ON_QUEUE].map((action) => ({ action, subject: null, properties: {}, conditions: [] })));
    strapi.log.info('Granted the moderation console to the Moderator admin role (once).');
  }
  await store.set({ key: FLAG, value: true });
}
