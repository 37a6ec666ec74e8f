import type { Core } from '@strapi/strapi';
import { AUTHENTICATED_ACTIONS, PUBLIC_ACTIONS } from '../src/bootstrap/permissions';
import { expectError } from './helpers/assertions';
import { createPost, createUser } from './helpers/fixtures';
import { api, setupStrapi, teardownStrapi } from './helpers/strapi';

let strapi: Core.Strapi;
let http: ReturnType<typeof api>;

beforeAll(async () => {
  strapi = await setupStrapi();
  http = api(strapi);
});
afterAll(teardownStrapi);

const PERMISSION = 'plugin::users-permissions.permission';

async function roleActions(type: 'public' | 'authenticated'): Promise<string[]> {
  const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type } });
  const rows = await strapi.db.query(PERMISSION).findMany({ where: { role: role.id }, select: ['action'] });
  return rows.map((row: { action: string }) => row.action);
}

describe('routes are users-permissions actions', () => {
  it('every custom route shows as a checkbox in Users & Permissions → Roles', async () => {
    const actions = strapi.plugin('users-permissions').service('users-permissions').getActions() as Record<
      string,
      { controllers: Record<string, Record<string, unknown>> }
    >;
    const listed = Object.entries(actions).flatMap(([prefix, { controllers }]) =>
      Object.entries(controllers).flatMap(([controller, handlers]) =>
        Object.keys(handlers).map((handler) => `${prefix}.${controller}.${handler}`)
      )
    );
    for (const action of AUTHENTICATED_ACTIONS) expect(listed).toContain(action);
  });

  it('no custom route skips authentication', () => {
    const routes = Object.values(strapi.apis).flatMap((apiModule) =>
      Object.values((apiModule as { routes: Record<string, { routes: Array<{ config?: { auth?: unknown } }> }> }).routes).flatMap(
        (router) => router.routes
      )
    );
    expect(routes.length).toBeGreaterThanOrEqual(AUTHENTICATED_ACTIONS.length);
    for (const route of routes) expect(route.config?.auth).not.toBe(false);
  });
});

describe('default permissions', () => {
  // The lists come from the route table's defaultRoles; pinned here as the contract states them.
  it('are the contract’s: Public logs in and reads posts, profiles and lists; Authenticated uses every route', () => {
    expect([...PUBLIC_ACTIONS].sort()).toEqual([
      'api::post.post.comments',
      'api::post.post.findOne',
      'api::post.post.likes',
      'api::post.post.publicTimeline',
      'api::profile.profile.followers',
      'api::profile.profile.following',
      'api::profile.profile.login',
      'api::profile.profile.posts',
      'api::profile.profile.profile',
      'api::search.search.posts',
      'api::search.search.users',
    ]);
    expect([...AUTHENTICATED_ACTIONS].sort()).toEqual([
      'api::comment.comment.delete',
      'api::comment.comment.report',
      'api::comment.comment.update',
      'api::media.media.create',
      'api::notification.notification.find',
      'api::notification.notification.read',
      'api::notification.notification.stream',
      'api::notification.notification.unread',
      'api::post.post.allPosts',
      'api::post.post.comment',
      'api::post.post.comments',
      'api::post.post.create',
      'api::post.post.delete',
      'api::post.post.feed',
      'api::post.post.findOne',
      'api::post.post.like',
      'api::post.post.likes',
      'api::post.post.publicTimeline',
      'api::post.post.report',
      'api::post.post.unlike',
      'api::post.post.update',
      'api::profile.profile.block',
      'api::profile.profile.blocks',
      'api::profile.profile.deleteMe',
      'api::profile.profile.findByEmail',
      'api::profile.profile.follow',
      'api::profile.profile.followers',
      'api::profile.profile.following',
      'api::profile.profile.login',
      'api::profile.profile.me',
      'api::profile.profile.mute',
      'api::profile.profile.mutes',
      'api::profile.profile.posts',
      'api::profile.profile.profile',
      'api::profile.profile.unblock',
      'api::profile.profile.unfollow',
      'api::profile.profile.unmute',
      'api::profile.profile.updateMe',
      'api::search.search.posts',
      'api::search.search.users',
    ]);
  });

  it('grants Public login and reading a post, Authenticated every route', async () => {
    expect(await roleActions('public')).toEqual(expect.arrayContaining(PUBLIC_ACTIONS));
    expect(await roleActions('public')).not.toContain('api::post.post.create');
    expect(await roleActions('authenticated')).toEqual(expect.arrayContaining(AUTHENTICATED_ACTIONS));
  });

  it('keeps an administrator’s change across a restart', async () => {
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'authenticated' } });
    await strapi.db.query(PERMISSION).delete({ where: { role: role.id, action: 'api::post.post.like' } });

    await teardownStrapi();
    strapi = await setupStrapi();
    http = api(strapi);

    expect(await roleActions('authenticated')).not.toContain('api::post.post.like');
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    expectError(await http.post(`/posts/like/${post.documentId}`, a.jwt), 403, 'ForbiddenError');

    // Ticking it back applies at once, without a restart.
    await strapi.db.query(PERMISSION).create({ data: { action: 'api::post.post.like', role: role.id } });
    expect((await http.post(`/posts/like/${post.documentId}`, a.jwt)).status).toBe(200);
  });
});

describe('route collisions', () => {
  it('GET /posts/all_posts is not read as a post id', async () => {
    const a = await createUser(strapi);
    const res = await http.get('/posts/all_posts', a.jwt);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.data)).toBe(true);
  });

  it('the plugin’s GET /users/:id still answers for ids', async () => {
    const a = await createUser(strapi);
    // Not granted by default: the plugin's own route, reached and refused by its own permission.
    expectError(await http.get(`/users/${a.id}`, a.jwt), 403, 'ForbiddenError');
  });
});
