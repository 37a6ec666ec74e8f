import type { Core } from '@strapi/strapi';
import { isPostgres } from './helpers/env';
import { createPost, createUser, type TestUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * The cached users-permissions `authenticate` (src/auth/cached-authenticate.ts) must answer like
 * the plugin's on the very next request after any change, including a change written by raw SQL
 * behind Strapi's back, as another node or psql would. Every scenario first warms the cache with
 * a successful request, so a missing trigger shows up as a stale answer.
 */
let strapi: Core.Strapi;
let http: Api;
let knex: Core.Strapi['db']['connection'];

const ROLE = 'plugin::users-permissions.role';
const PERMISSION = 'plugin::users-permissions.permission';
type Meta = { tableName: string; attributes: Record<string, { joinTable?: { name: string } }> };
const meta = (uid: string) => strapi.db.metadata.get(uid as never) as unknown as Meta;
const T = {
  users: () => meta('plugin::users-permissions.user').tableName,
  permissions: () => meta(PERMISSION).tableName,
  permissionRole: () => meta(PERMISSION).attributes.role.joinTable!.name,
  userRole: () => meta('plugin::users-permissions.user').attributes.role.joinTable!.name,
};

useStrapi((s, h) => ((strapi = s), (http = h), (knex = s.db.connection)));
afterEach(() => jest.restoreAllMocks());

const me = (user: TestUser) => http.get('/users/users', user.jwt);
const generation = async () => String((await knex('social_auth_generation').where({ id: 1 }).first()).generation);
const roleOf = async (type: string): Promise<{ id: number }> => strapi.db.query(ROLE).findOne({ where: { type } });

/** Deletes a role's permission row by raw SQL; returns a function putting it back. */
async function removePermission(roleType: string, action: string): Promise<() => Promise<void>> {
  const role = await roleOf(roleType);
  const rows = await knex(T.permissions())
    .join(T.permissionRole(), `${T.permissionRole()}.permission_id`, `${T.permissions()}.id`)
    .where(`${T.permissionRole()}.role_id`, role.id)
    .andWhere(`${T.permissions()}.action`, action)
    .select(`${T.permissions()}.id`);
  expect(rows).toHaveLength(1);
  await knex(T.permissions()).where({ id: rows[0].id }).delete(); // its role link goes by ON DELETE CASCADE
  return async () => {
    await strapi.db.query(PERMISSION).create({ data: { action, role: role.id } });
  };
}

describe('the cached authenticate applies every change on the next request', () => {
  it('the generation table exists with its triggers', async () => {
    expect(Number(await generation())).toBeGreaterThan(0);
    const triggers = isPostgres()
      ? (await knex.raw("SELECT tgname AS name FROM pg_trigger WHERE tgname LIKE 'social\\_auth\\_gen\\_%'")).rows
      : await knex.raw("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'social\\_auth\\_gen\\_%' ESCAPE '\\'");
    // PostgreSQL: one per table and row condition; SQLite: one per table and event.
    expect(triggers).toHaveLength(isPostgres() ? 9 : 17);
  });

  it('a user blocked by raw SQL gets 401 at once, and 200 again once unblocked', async () => {
    const user = await createUser(strapi);
    expect((await me(user)).status).toBe(200);
    expect((await me(user)).status).toBe(200);

    await knex(T.users()).where({ id: user.id }).update({ blocked: true });
    expect((await me(user)).status).toBe(401);
    expect((await me(user)).status).toBe(401);

    await knex(T.users()).where({ id: user.id }).update({ blocked: false });
    expect((await me(user)).status).toBe(200);
  });

  it('a permission removed by raw SQL gives 403 at once, and 200 once restored', async () => {
    const user = await createUser(strapi);
    expect((await me(user)).status).toBe(200);
    expect((await me(user)).status).toBe(200);

    const restore = await removePermission('authenticated', 'api::profile.profile.me');
    try {
      expect((await me(user)).status).toBe(403);
    } finally {
      await restore();
    }
    expect((await me(user)).status).toBe(200);
  });

  it('a Public permission removed by raw SQL gives 403 at once to a request without a token', async () => {
    const author = await createUser(strapi);
    const post = await createPost(strapi, author);
    expect((await http.get(`/posts/${post.documentId}`)).status).toBe(200);
    expect((await http.get(`/posts/${post.documentId}`)).status).toBe(200);

    const restore = await removePermission('public', 'api::post.post.findOne');
    try {
      expect((await http.get(`/posts/${post.documentId}`)).status).toBe(403);
    } finally {
      await restore();
    }
    expect((await http.get(`/posts/${post.documentId}`)).status).toBe(200);
  });

  it("a role changed by raw SQL on the link table applies the new role's permissions at once", async () => {
    const user = await createUser(strapi);
    const authenticated = await roleOf('authenticated');
    const other = await strapi.db.query(ROLE).create({
      data: { name: `Auth cache ${Date.now()}`, description: 'no permission yet', type: `authcache${Date.now()}` },
    });
    expect((await me(user)).status).toBe(200);
    expect((await me(user)).status).toBe(200);

    const link = knex(T.userRole()).where({ user_id: user.id });
    await link.clone().update({ role_id: other.id });
    expect((await me(user)).status).toBe(403);

    // The new role gains the action: its (cached, empty) ability is rebuilt.
    await strapi.db.query(PERMISSION).create({ data: { action: 'api::profile.profile.me', role: other.id } });
    expect((await me(user)).status).toBe(200);
    expect((await http.post('/posts', user.jwt).send({ title: 'not granted' })).status).toBe(403);

    await link.clone().update({ role_id: authenticated.id });
    expect((await http.post('/posts', user.jwt).send({ title: 'granted again' })).status).toBe(201);
  });

  it('a user deleted by raw SQL gets 401 at once', async () => {
    const user = await createUser(strapi);
    expect((await me(user)).status).toBe(200);
    expect((await me(user)).status).toBe(200);

    await knex(T.users()).where({ id: user.id }).delete(); // its role link goes by ON DELETE CASCADE
    expect((await me(user)).status).toBe(401);
  });

  it('an `advanced` settings change (email_confirmation) bumps the generation and applies at once', async () => {
    const store = strapi.store({ type: 'plugin', name: 'users-permissions' });
    const advanced = (await store.get({ key: 'advanced' })) as Record<string, unknown>;
    expect(advanced.email_confirmation).toBe(false);
    const user = await createUser(strapi);
    await knex(T.users()).where({ id: user.id }).update({ confirmed: false });
    expect((await me(user)).status).toBe(200);
    expect((await me(user)).status).toBe(200);

    const before = await generation();
    await store.set({ key: 'advanced', value: { ...advanced, email_confirmation: true } });
    try {
      expect(await generation()).not.toBe(before);
      expect((await me(user)).status).toBe(401);
    } finally {
      await store.set({ key: 'advanced', value: advanced });
    }
    expect((await me(user)).status).toBe(200);
  });
});

describe('the cache is used', () => {
  it('loads a user once for 20 requests, and again after a generation bump', async () => {
    const user = await createUser(strapi);
    const service = strapi.plugin('users-permissions').service('user') as { fetchAuthenticatedUser: (id: unknown) => Promise<unknown> };
    const fetch = jest.spyOn(service, 'fetchAuthenticatedUser');

    for (let i = 0; i < 20; i += 1) expect((await me(user)).status).toBe(200);
    expect(fetch).toHaveBeenCalledTimes(1);

    // Any trigger-covered write bumps it; this one changes nothing for the user.
    await knex('social_auth_generation').where({ id: 1 }).increment('generation', 1);
    for (let i = 0; i < 5; i += 1) expect((await me(user)).status).toBe(200);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('a write that cannot change an answer does not bump the generation', async () => {
    const user = await createUser(strapi);
    const before = await generation();
    await knex(T.users()).where({ id: user.id }).update({ name: 'Renamed' });
    await knex(T.users()).where({ id: user.id }).update({ blocked: false }); // unchanged value
    const store = strapi.store({ type: 'plugin', name: 'users-permissions' });
    await store.set({ key: 'grant', value: await store.get({ key: 'grant' }) });
    expect(await generation()).toBe(before);
  });

  it('without the generation table it falls back to the plugin, uncached, rather than failing', async () => {
    const user = await createUser(strapi);
    const service = strapi.plugin('users-permissions').service('user') as { fetchAuthenticatedUser: (id: unknown) => Promise<unknown> };
    const fetch = jest.spyOn(service, 'fetchAuthenticatedUser');
    await knex.raw('ALTER TABLE social_auth_generation RENAME TO social_auth_generation_away');
    try {
      for (let i = 0; i < 3; i += 1) expect((await me(user)).status).toBe(200);
      expect(fetch).toHaveBeenCalledTimes(3);
    } finally {
      await knex.raw('ALTER TABLE social_auth_generation_away RENAME TO social_auth_generation');
    }
  });
});
