import type { Core } from '@strapi/strapi';
import { CONTRACT_ROUTES } from '../api/route-table';
import type { DefaultRole } from '../lib/routes';

/** The actions granted to a role on a fresh database: those of the routes that name it, once each. */
const actionsFor = (role: DefaultRole): string[] => [
  ...new Set(CONTRACT_ROUTES.filter((route) => route.defaultRoles.includes(role)).map((route) => route.handler)),
];

/** The defaults of the contract, from the route table: Public may log in and read a post; Authenticated may use every route. */
export const PUBLIC_ACTIONS = actionsFor('public');

export const AUTHENTICATED_ACTIONS = actionsFor('authenticated');

const KEY = 'default-permissions-seeded';

/**
 * Grants each default once and remembers, in Strapi's store, which (role, action) pairs it has
 * granted. A later boot grants only pairs it has never granted (routes added by an upgrade), so a
 * box an administrator unticked in Users & Permissions → Roles stays unticked across restarts.
 */
export async function seedDefaultPermissions(strapi: Core.Strapi): Promise<void> {
  const store = strapi.store({ type: 'plugin', name: 'social' });
  const seeded = new Set(((await store.get({ key: KEY })) as string[] | null) ?? []);
  const granted: string[] = [];

  for (const [type, actions] of [
    ['public', PUBLIC_ACTIONS],
    ['authenticated', AUTHENTICATED_ACTIONS],
  ] as const) {
    const pending = actions.filter((action) => !seeded.has(`${type}:${action}`));
    if (pending.length === 0) continue;
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type } });
    if (!role) throw new Error(`The users-permissions role "${type}" is missing`);
    const existing = await strapi.db.query('plugin::users-permissions.permission').findMany({
      where: { role: role.id, action: { $in: pending } },
      select: ['action'],
    });
    const have = new Set(existing.map((permission: { action: string }) => permission.action));
    for (const action of pending) {
      if (!have.has(action)) {
        await strapi.db.query('plugin::users-permissions.permission').create({ data: { action, role: role.id } });
      }
      seeded.add(`${type}:${action}`);
      granted.push(`${type}:${action}`);
    }
  }
  if (granted.length > 0) {
    await store.set({ key: KEY, value: [...seeded].sort() });
    strapi.log.info(`Granted ${granted.length} default API permission(s) not granted before.`);
  }
}
