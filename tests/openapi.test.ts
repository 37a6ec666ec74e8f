import sharp from 'sharp';
import type { Core } from '@strapi/strapi';
import type { Response } from 'supertest';
import { CONTRACT_ROUTES } from '../src/api/route-table';
import { pathTemplate } from '../src/openapi/path-template';
import { PLUGIN_PUBLIC_ACTIONS } from '../src/openapi/plugin-public-actions';
import { createPost, createUser, PASSWORD, uniq, type TestUser } from './helpers/fixtures';
import { answerChecker, operationOf, validateDocument, type Document } from './helpers/openapi';
import { api, setupStrapi, teardownStrapi } from './helpers/strapi';

/**
 * GET /api/openapi.json (API.md, "API description"): a valid OpenAPI 3.1 document that describes
 * every route of the contract, and that the server's real answers conform to, so the description
 * cannot drift from the code.
 */
let strapi: Core.Strapi;
let http: ReturnType<typeof api>;
let document: Document;
let check: ReturnType<typeof answerChecker>;

beforeAll(async () => {
  strapi = await setupStrapi();
  http = api(strapi);
  const res = await http.get('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  document = res.body as Document;
  check = answerChecker(document);
});
afterAll(teardownStrapi);

/** Every route of the contract: the route table, and the plugin's registration. */
const CONTRACT = [...CONTRACT_ROUTES.map((route) => `${route.method} ${pathTemplate(route.path)}`), 'POST /auth/local/register'];

describe('the document', () => {
  it('passes a standard OpenAPI 3.1 validator', () => {
    const verdict = validateDocument(document);
    expect(verdict.errors).toEqual([]);
    expect(verdict).toMatchObject({ valid: true, version: '3.1' });
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
  });

  it('describes every route of the contract under its path template, with the /api prefix in the server URL', () => {
    const missing = CONTRACT.filter((route) => {
      const [method, template] = route.split(' ');
      return !operationOf(document, method, template);
    });
    expect(missing).toEqual([]);
    expect(document.servers?.map((server) => server.url)).toEqual(['/api']);
    // No path keeps a route's regular expression or Strapi's `:param` form.
    expect(Object.keys(document.paths ?? {}).filter((key) => /[():]/.test(key) && !key.startsWith('/connect/'))).toEqual([]);
  });

  // Rules of the OpenAPI text that its JSON Schema (and so the validator) cannot check.
  it('declares the path parameter of every {name} in a path, and gives each operation its own id', () => {
    const undeclared: string[] = [];
    const ids: string[] = [];
    for (const [template, item] of Object.entries(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(item as Record<string, { operationId?: string; parameters?: Array<{ in: string; name: string }> }>)) {
        ids.push(operation.operationId ?? `${method} ${template}`);
        const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name);
        for (const [, name] of template.matchAll(/\{([^}]+)\}/g)) if (!declared.includes(name)) undeclared.push(`${method} ${template} {${name}}`);
      }
    }
    expect(undeclared).toEqual([]);
    expect(ids.length).toBe(new Set(ids).size);
  });

  it('describes the bearer token, and which routes may be called without one', () => {
    expect(document.components?.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ bearerAuth: [] }, { accessToken: [] }]);
    for (const route of CONTRACT_ROUTES) {
      const operation = operationOf(document, route.method, pathTemplate(route.path));
      const anonymous = (operation?.security ?? document.security ?? []).some((requirement) => Object.keys(requirement).length === 0);
      expect([route.method, route.path, anonymous]).toEqual([route.method, route.path, route.defaultRoles.includes('public')]);
    }
    expect(operationOf(document, 'POST', '/auth/local/register')?.security).toContainEqual({});
    expect(operationOf(document, 'GET', '/users/me')?.security).toBeUndefined();
  });

  it('names the users-permissions actions Public really gets on a fresh database', async () => {
    const role = await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type: 'public' } });
    const rows = await strapi.db.query('plugin::users-permissions.permission').findMany({ where: { role: role.id }, select: ['action'] });
    const granted = rows.map((row: { action: string }) => row.action).filter((action: string) => action.startsWith('plugin::users-permissions.'));
    expect([...granted].sort()).toEqual([...PLUGIN_PUBLIC_ACTIONS].sort());
  });

  it('describes every error with the error envelope, and no 500', () => {
    for (const [template, item] of Object.entries(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(item as Record<string, { responses?: Record<string, unknown> }>)) {
        const statuses = Object.keys(operation.responses ?? {});
        expect([method, template, statuses.includes('500')]).toEqual([method, template, false]);
        for (const status of statuses.filter((s) => Number(s) >= 400)) {
          expect(operation.responses?.[status]).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } } });
        }
      }
    }
  });
});

describe('real answers conform to the description', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let post: { id: number; documentId: string };
  const checked = new Map<string, Set<'success' | 'error'>>();

  beforeAll(async () => {
    alice = await createUser(strapi, { name: 'Alice' });
    bob = await createUser(strapi);
    carol = await createUser(strapi);
    post = await createPost(strapi, alice);
  });

  /** Sends, expects the status, and checks the answer against the document's schema for it. */
  async function conforms(route: string, status: number, send: () => Promise<Response>): Promise<Response> {
    const [method, template] = route.split(' ');
    const res = await send();
    expect([route, res.status]).toEqual([route, status]);
    expect(check(method, template, { status: res.status, body: res.body })).toEqual([]);
    const kinds = checked.get(route) ?? new Set();
    checked.set(route, kinds.add(status < 400 ? 'success' : 'error'));
    return res;
  }

  it('users', async () => {
    const username = uniq('reg');
    const register = { username, email: `${username}@example.com`, password: PASSWORD, name: 'Reg' };
    await conforms('POST /auth/local/register', 200, () => http.post('/auth/local/register').send(register));
    await conforms('POST /auth/local/register', 400, () => http.post('/auth/local/register').send(register));

    await conforms('POST /users/login', 200, () => http.post('/users/login').send({ email: alice.email, password: PASSWORD }));
    await conforms('POST /users/login', 400, () => http.post('/users/login').send({ email: alice.email, password: 'wrong' }));
    await conforms('GET /users/users', 200, () => http.get('/users/users', alice.jwt));
    await conforms('GET /users/users', 403, () => http.get('/users/users'));
    await conforms('GET /users/{email}', 200, () => http.get(`/users/${bob.email}`, alice.jwt));
    await conforms('GET /users/{email}', 404, () => http.get('/users/nobody@example.com', alice.jwt));

    for (const method of ['POST', 'GET'] as const) {
      const send = (path: string, token?: string) => (method === 'POST' ? http.post(path, token) : http.get(path, token));
      await conforms(`${method} /users/follow/{id}`, 200, () => send(`/users/follow/${bob.id}`, alice.jwt));
      await conforms(`${method} /users/follow/{id}`, 400, () => send(`/users/follow/${alice.id}`, alice.jwt));
      await conforms(`${method} /users/unfollow/{id}`, 200, () => send(`/users/unfollow/${bob.documentId}`, alice.jwt));
      await conforms(`${method} /users/unfollow/{id}`, 404, () => send('/users/unfollow/999999999', alice.jwt));
    }
    await conforms('GET /users/unfollow/{id}', 401, () => http.get(`/users/unfollow/${bob.id}`, 'not.a.token'));

    const leaving = await createUser(strapi);
    await conforms('DELETE /users/users', 400, () => http.delete('/users/users', leaving.jwt).send({ password: 'wrong' }));
    await conforms('DELETE /users/users', 200, () => http.delete('/users/users', leaving.jwt).send({ password: PASSWORD }));
  });

  it('posts and comments', async () => {
    const created = await conforms('POST /posts', 201, () => http.post('/posts', alice.jwt).send({ title: 'Described', description: 'A post' }));
    await conforms('POST /posts', 400, () => http.post('/posts', alice.jwt).send({ description: 'no title' }));
    await conforms('POST /posts', 413, () => http.post('/posts', alice.jwt).set('Content-Type', 'application/json').send(JSON.stringify({ title: 'x'.repeat(1_100_000) })));
    const own = created.body.data.documentId as string;

    await conforms('GET /posts/{id}', 200, () => http.get(`/posts/${post.documentId}`));
    await conforms('GET /posts/{id}', 404, () => http.get('/posts/nosuchpost'));
    await conforms('POST /posts/like/{id}', 200, () => http.post(`/posts/like/${post.id}`, bob.jwt));
    await conforms('POST /posts/like/{id}', 404, () => http.post('/posts/like/999999999', bob.jwt));
    await conforms('POST /posts/unlike/{id}', 200, () => http.post(`/posts/unlike/${post.id}`, bob.jwt));
    await conforms('POST /posts/unlike/{id}', 403, () => http.post(`/posts/unlike/${post.id}`));

    const comment = await conforms('POST /posts/comment/{id}', 201, () => http.post(`/posts/comment/${post.documentId}`, bob.jwt).send({ content: 'Nice' }));
    await conforms('POST /posts/comment/{id}', 400, () => http.post(`/posts/comment/${post.documentId}`, bob.jwt).send({ content: '   ' }));
    // A post with a comment, a like and an author, as every reader sees it.
    await conforms('GET /posts/{id}', 200, () => http.get(`/posts/${post.documentId}`, bob.jwt));

    await conforms('GET /posts/all_posts', 200, () => http.get('/posts/all_posts?pagination[page]=1&pagination[pageSize]=10', alice.jwt));
    await conforms('GET /posts/all_posts', 400, () => http.get('/posts/all_posts?pagination[page]=0', alice.jwt));

    await conforms('POST /posts/report/{id}', 201, () => http.post(`/posts/report/${post.id}`, bob.jwt).send({ reason: 'spam', details: 'buy now' }));
    await conforms('POST /posts/report/{id}', 200, () => http.post(`/posts/report/${post.id}`, bob.jwt).send({ reason: 'spam' }));
    await conforms('POST /posts/report/{id}', 400, () => http.post(`/posts/report/${post.id}`, bob.jwt).send({ reason: 'boring' }));

    const commentId = comment.body.data.documentId as string;
    await conforms('POST /comments/report/{id}', 201, () => http.post(`/comments/report/${commentId}`, alice.jwt).send({ reason: 'abuse' }));
    await conforms('POST /comments/report/{id}', 404, () => http.post('/comments/report/999999999', alice.jwt).send({ reason: 'abuse' }));
    await conforms('DELETE /comments/{id}', 403, () => http.delete(`/comments/${commentId}`, carol.jwt));
    await conforms('DELETE /comments/{id}', 200, () => http.delete(`/comments/${commentId}`, bob.jwt));

    await conforms('DELETE /posts/{id}', 403, () => http.delete(`/posts/${own}`, bob.jwt));
    await conforms('DELETE /posts/{id}', 200, () => http.delete(`/posts/${own}`, alice.jwt));
  });

  it('timelines, lists and edits (Part 2)', async () => {
    const post2 = await createPost(strapi, alice);
    await http.post(`/users/follow/${alice.id}`, bob.jwt);
    await http.post(`/posts/like/${post2.id}`, bob.jwt);
    await http.post(`/posts/comment/${post2.id}`, bob.jwt).send({ content: 'Listed' });

    await conforms('GET /users/{id}/profile', 200, () => http.get(`/users/${alice.id}/profile`, bob.jwt));
    await conforms('GET /users/{id}/profile', 404, () => http.get('/users/999999999/profile'));
    await conforms('PUT /users/users', 200, () => http.put('/users/users', carol.jwt).send({ name: 'Carol', bio: 'Hello' }));
    await conforms('PUT /users/users', 400, () => http.put('/users/users', carol.jwt).send({ bio: 'b'.repeat(501) }));
    for (const list of ['followers', 'following', 'posts']) {
      const first = await conforms(`GET /users/{id}/${list}`, 200, () => http.get(`/users/${list === 'following' ? bob.id : alice.id}/${list}?limit=1`, bob.jwt));
      expect(first.body.data).toHaveLength(1);
      await conforms(`GET /users/{id}/${list}`, 400, () => http.get(`/users/${alice.id}/${list}?cursor=forged`));
    }
    await conforms('GET /posts/feed', 200, () => http.get('/posts/feed?limit=2', bob.jwt));
    await conforms('GET /posts/feed', 403, () => http.get('/posts/feed'));
    await conforms('GET /posts/public', 200, () => http.get('/posts/public?limit=2'));
    await conforms('GET /posts/public', 400, () => http.get('/posts/public?limit=41'));
    await conforms('GET /posts/{id}/comments', 200, () => http.get(`/posts/${post2.documentId}/comments`));
    await conforms('GET /posts/{id}/comments', 404, () => http.get('/posts/999999999/comments'));
    await conforms('GET /posts/{id}/likes', 200, () => http.get(`/posts/${post2.documentId}/likes`, alice.jwt));
    await conforms('GET /posts/{id}/likes', 400, () => http.get(`/posts/${post2.documentId}/likes?limit=0`));

    await conforms('PUT /posts/{id}', 200, () => http.put(`/posts/${post2.documentId}`, alice.jwt).send({ title: 'Edited' }));
    await conforms('PUT /posts/{id}', 403, () => http.put(`/posts/${post2.documentId}`, bob.jwt).send({ title: 'Not mine' }));
    const comments = await http.get(`/posts/${post2.documentId}/comments`);
    const commentId = comments.body.data[0].documentId as string;
    await conforms('PUT /comments/{id}', 200, () => http.put(`/comments/${commentId}`, bob.jwt).send({ content: 'Reworded' }));
    await conforms('PUT /comments/{id}', 403, () => http.put(`/comments/${commentId}`, alice.jwt).send({ content: 'Not mine' }));
  });

  it('media: an upload, and the post and avatar that use it', async () => {
    const png = await sharp({ create: { width: 3, height: 2, channels: 3, background: { r: 1, g: 2, b: 3 } } }).png().toBuffer();
    const uploaded = await conforms('POST /media', 201, () => http.post('/media', alice.jwt).field('alternativeText', 'dots').attach('file', png, { filename: 'dots.png' }));
    await conforms('POST /media', 400, () => http.post('/media', alice.jwt).attach('file', Buffer.from('<svg/>'), { filename: 'x.svg' }));
    const id = uploaded.body.data.id as number;
    await conforms('POST /posts', 201, () => http.post('/posts', alice.jwt).send({ title: 'With a photo', media: [id] }));
    const avatar = await http.post('/media', alice.jwt).attach('file', png, { filename: 'me.png' });
    await conforms('PUT /users/users', 200, () => http.put('/users/users', alice.jwt).send({ avatar: avatar.body.data.id }));
    await conforms('GET /users/{id}/profile', 200, () => http.get(`/users/${alice.id}/profile`));
  });

  it('blocks, mutes and search (Part 2)', async () => {
    const dave = await createUser(strapi);
    for (const verb of ['block', 'unblock', 'mute', 'unmute']) {
      await conforms(`POST /users/${verb}/{id}`, 200, () => http.post(`/users/${verb}/${dave.id}`, carol.jwt));
      await conforms(`POST /users/${verb}/{id}`, 400, () => http.post(`/users/${verb}/${carol.id}`, carol.jwt));
    }
    await http.post(`/users/block/${dave.id}`, carol.jwt);
    await http.post(`/users/mute/${dave.id}`, carol.jwt);
    for (const list of ['blocks', 'mutes']) {
      const page = await conforms(`GET /users/${list}`, 200, () => http.get(`/users/${list}?limit=1`, carol.jwt));
      expect(page.body.data).toHaveLength(1);
      await conforms(`GET /users/${list}`, 403, () => http.get(`/users/${list}`));
    }
    await conforms('GET /search/posts', 200, () => http.get(`/search/posts?q=${encodeURIComponent('Described post')}`, bob.jwt));
    await conforms('GET /search/posts', 400, () => http.get('/search/posts?q=%20'));
    await conforms('GET /search/users', 200, () => http.get('/search/users?q=alice'));
    await conforms('GET /search/users', 400, () => http.get(`/search/users?q=${'x'.repeat(101)}`));
  });

  it('notifications (Part 2)', async () => {
    await http.post(`/posts/like/${post.documentId}`, carol.jwt);
    await conforms('GET /notifications', 200, () => http.get('/notifications?limit=5', alice.jwt));
    await conforms('GET /notifications', 400, () => http.get('/notifications?cursor=forged', alice.jwt));
    await conforms('GET /notifications/unread', 200, () => http.get('/notifications/unread', alice.jwt));
    await conforms('GET /notifications/unread', 403, () => http.get('/notifications/unread'));
    await conforms('POST /notifications/read', 200, () => http.post('/notifications/read', alice.jwt).send({}));
    await conforms('POST /notifications/read', 400, () => http.post('/notifications/read', alice.jwt).send({ upTo: 'all' }));
    await conforms('GET /notifications/stream', 403, () => http.get('/notifications/stream'));
    // The stream's success is text/event-stream: described as such, answered as such.
    const operation = operationOf(document, 'GET', '/notifications/stream');
    expect(Object.keys((operation?.responses?.['200'] as { content?: object } | undefined)?.content ?? {})).toEqual(['text/event-stream']);
    expect(Object.keys(operation?.responses ?? {})).toContain('429');
    const controller = new AbortController();
    const res = await fetch(`${http.base}/api/notifications/stream`, { headers: { authorization: `Bearer ${alice.jwt}` }, signal: controller.signal });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
    controller.abort();
    checked.set('GET /notifications/stream', new Set(['success', 'error']));
  });

  it('covered a success and an error of every route of the contract', () => {
    const uncovered = CONTRACT.filter((route) => checked.get(route)?.size !== 2);
    expect(uncovered).toEqual([]);
  });
});
