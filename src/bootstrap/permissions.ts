import type { Core } from '@strapi/strapi';

/** The defaults of the contract: Public may log in and read a post; Authenticated may use every route. */
export const PUBLIC_ACTIONS = ['api::profile.profile.login', 'api::post.post.findOne'];

export const AUTHENTICATED_ACTIONS = [
  'api::profile.profile.login',
  'api::profile.profile.me',
  'api::profile.profile.findByEmail',
  'api::profile.profile.follow',
  'api::profile.profile.unfollow',
  'api::post.post.create',
  'api::post.post.findOne',
  'api::post.post.delete',
  'api::post.post.like',
  'api::post.post.unlike',
  'api::post.post.comment',
  'api::post.post.allPosts',
];

const FLAG = 'default-permissions-seeded';

/**
 * Grants the defaults once, on a fresh database, and remembers it in Strapi's store. Seeding on
 * every boot would re-tick boxes an administrator unticked in Users & Permissions → Roles.
 */
export async function seedDefaultPermissions(strapi: Core.Strapi): Promise<void> {
  const store = strapi.store({ type: 'plugin', name: 'social' });
  if (await store.get({ key: FLAG })) return;

  for (const [type, actions] of [
    ['public', PUBLIC_ACTIONS],
    ['authenticated', AUTHENTICATED_ACTIONS],
  ] as const) {
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type } });
    if (!role) throw new Error(`The users-permissions role "${type}" is missing`);
    const existing = await strapi.db.query('plugin::users-permissions.permission').findMany({
      where: { role: role.id, action: { $in: [...actions] } },
      select: ['action'],
    });
    const have = new Set(existing.map((permission: { action: string }) => permission.action));
    for (const action of actions.filter((a) => !have.has(a))) {
      await strapi.db.query('plugin::users-permissions.permission').create({ data: { action, role: role.id } });
    }
  }
  await store.set({ key: FLAG, value: true });
  strapi.log.info('Granted the default API permissions (first boot).');
}
