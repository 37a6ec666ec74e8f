import { randomUUID } from 'node:crypto';
import type { Core } from '@strapi/strapi';

export type TestUser = {
  id: number;
  documentId: string;
  username: string;
  email: string;
  password: string;
  name: string;
  jwt: string;
};

export const PASSWORD = 'Str0ng-Passw0rd!';
const uniq = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 12)}`;

/** A confirmed Authenticated user made through the plugin's services, with a JWT (no HTTP). */
export async function createUser(strapi: Core.Strapi, fields: Partial<{ name: string; blocked: boolean }> = {}): Promise<TestUser> {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
  const username = uniq('user');
  const email = `${username}@example.com`;
  const name = fields.name ?? 'Test User';
  const user = await strapi.plugin('users-permissions').service('user').add({
    username,
    email,
    password: PASSWORD,
    name,
    provider: 'local',
    confirmed: true,
    blocked: fields.blocked ?? false,
    role: role.id,
  });
  const jwt = (await strapi.plugin('users-permissions').service('jwt').issue({ id: user.id })) as string;
  return { id: user.id, documentId: user.documentId, username, email, password: PASSWORD, name, jwt };
}

export async function createPost(
  strapi: Core.Strapi,
  author: TestUser,
  fields: Partial<{ title: string; description: string }> = {}
): Promise<{ id: number; documentId: string }> {
  const post = await strapi.documents('api::post.post').create({
    data: { title: fields.title ?? uniq('title '), description: fields.description ?? 'a description', author: author.documentId, hidden: false },
  });
  return { id: post.id as number, documentId: post.documentId };
}

export { uniq };
