import type { Core } from '@strapi/strapi';
import { CONTRACT_ROUTES } from '../src/api/route-table';
import { alternatives } from '../src/middlewares/method-not-allowed';
import { expectError } from './helpers/assertions';
import { createPost, createUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * Every 401, 403 and 405 a client developer meets in the first hour says what happened and what
 * to do, with the status and error name of ../shared/API.md; a wrong method on a path of the
 * contract answers 405 with an Allow header derived from the route table.
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

type Res = { status: number; body: { data: unknown; error: { status: number; name: string; message: string; details: Record<string, unknown> } }; headers: Record<string, string> };
const message = (res: Res) => res.body.error.message;

const PERMISSION = 'plugin::users-permissions.permission';
async function roleId(type: 'public' | 'authenticated'): Promise<number> {
  return (await strapi.db.query('plugin::users-permissions.role').findOne({ where: { type } })).id as number;
}

describe('401 and 403 say what happened and what to do', () => {
  it('no token on an authenticated route: 403, log in and send a Bearer token', async () => {
    for (const res of [await http.get('/users/users'), await http.post('/posts').send({ title: 't' }), await http.get('/posts/feed')]) {
      expectError(res, 403, 'ForbiddenError');
      expect(message(res as Res)).toMatch(/logged-in user/);
      expect(message(res as Res)).toMatch(/Authorization: Bearer <jwt>/);
      expect(message(res as Res)).toMatch(/POST \/api\/users\/login/);
    }
  });

  it('a token without "Bearer": 403 that says to add the prefix', async () => {
    const a = await createUser(strapi);
    for (const header of [a.jwt, `Token ${a.jwt}`, `Bearer${a.jwt}`]) {
      const res = await http.get('/users/users').set('Authorization', header);
      expectError(res, 403, 'ForbiddenError');
      expect(message(res as Res)).toMatch(/must read "Bearer <jwt>"/);
      expect(message(res as Res)).toMatch(/anonymous/);
    }
    // With the prefix the same token works.
    expect((await http.get('/users/users', a.jwt)).status).toBe(200);
  });

  it('a role that may not use a route: 403 that names the role and where to grant it', async () => {
    const a = await createUser(strapi);
    // The plugin's GET /users (user.find) is not granted to Authenticated by default.
    const res = await http.get('/users', a.jwt);
    expectError(res, 403, 'ForbiddenError');
    expect(message(res as Res)).toMatch(/role "Authenticated" may not use this route/);
    expect(message(res as Res)).toMatch(/Settings → Users & Permissions → Roles/);
  });

  it('someone else’s post or comment: 403 that says the caller is not the author', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi);
    const post = await createPost(strapi, a);
    const del = await http.delete(`/posts/${post.documentId}`, b.jwt);
    expectError(del, 403, 'ForbiddenError');
    expect(message(del as Res)).toMatch(/Only the author can delete this post/);
    const edit = await http.put(`/posts/${post.documentId}`, b.jwt).send({ title: 'mine now' });
    expectError(edit, 403, 'ForbiddenError');
    expect(message(edit as Res)).toMatch(/Only the author can edit this post/);

    const comment = await http.post(`/posts/comment/${post.documentId}`, a.jwt).send({ content: 'hello' });
    expect(comment.status).toBe(201);
    const delComment = await http.delete(`/comments/${comment.body.data.documentId}`, b.jwt);
    expectError(delComment, 403, 'ForbiddenError');
    expect(message(delComment as Res)).toMatch(/author/);
    // The post is still there for its author.
    expect((await http.get(`/posts/${post.documentId}`, a.jwt)).status).toBe(200);
  });

  it('a blocked user’s token: 401 that says the account is blocked', async () => {
    const blocked = await createUser(strapi, { blocked: true });
    const res = await http.get('/users/users', blocked.jwt);
    expectError(res, 401, 'UnauthorizedError');
    expect(message(res as Res)).toMatch(/account is blocked/);
    // Also on a route Public may use: the token is refused, not ignored.
    const post = await createPost(strapi, await createUser(strapi));
    const read = await http.get(`/posts/${post.documentId}`, blocked.jwt);
    expectError(read, 401, 'UnauthorizedError');
    expect(message(read as Res)).toMatch(/account is blocked/);
  });

  it('a deleted user’s token: 401 that says to log in again', async () => {
    const gone = await createUser(strapi);
    await strapi.db.query('plugin::users-permissions.user').delete({ where: { id: gone.id } });
    const res = await http.get('/users/users', gone.jwt);
    expectError(res, 401, 'UnauthorizedError');
    expect(message(res as Res)).toMatch(/belongs to no user/);
  });

  it('a token from before a password change: 401 that says to log in with the new password', async () => {
    const u = await createUser(strapi);
    const password = 'Another-Str0ng-Passphrase!';
    const changed = await http.post('/auth/change-password', u.jwt).send({ currentPassword: u.password, password, passwordConfirmation: password });
    expect(changed.status).toBe(200);
    const res = await http.get('/users/users', u.jwt);
    expectError(res, 401, 'UnauthorizedError');
    expect(message(res as Res)).toMatch(/issued before the account's last password change: log in again/);
  });

  it('an unconfirmed account where confirmation is required: 401 that says to confirm the email', async () => {
    const store = strapi.store({ type: 'plugin', name: 'users-permissions' });
    const advanced = (await store.get({ key: 'advanced' })) as Record<string, unknown>;
    const u = await createUser(strapi);
    await strapi.db.query('plugin::users-permissions.user').update({ where: { id: u.id }, data: { confirmed: false } });
    await store.set({ key: 'advanced', value: { ...advanced, email_confirmation: true } });
    try {
      const res = await http.get('/users/users', u.jwt);
      expectError(res, 401, 'UnauthorizedError');
      expect(message(res as Res)).toMatch(/not confirmed its email address yet/);
    } finally {
      await store.set({ key: 'advanced', value: advanced });
    }
  });

  it('a malformed, forged or expired token: 401 that says to log in again', async () => {
    const jwt = strapi.plugin('users-permissions').service('jwt');
    const expired = (await jwt.issue({ id: 1 }, { expiresIn: '-1s' })) as string;
    for (const token of ['abc.def.ghi', 'not-a-jwt', expired]) {
      const res = await http.get('/users/users', token);
      expectError(res, 401, 'UnauthorizedError');
      expect(message(res as Res)).toMatch(/invalid or has expired: log in again/);
    }
  });

  it('GET /users/{not an email}: 403 that says only emails are looked up, and where profiles by id are', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi);
    for (const value of [b.username, String(b.id)]) {
      for (const token of [a.jwt, undefined]) {
        const res = await http.get(`/users/${value}`, token);
        expectError(res, 403, 'ForbiddenError');
        expect(message(res as Res)).toMatch(/by email only/);
        expect(message(res as Res)).toContain(`"${value}" is not an email address`);
        expect(message(res as Res)).toMatch(/GET \/api\/users\/\{id\}\/profile/);
      }
    }
    // The lookup by email and the profile by id answer.
    expect((await http.get(`/users/${b.email}`, a.jwt)).status).toBe(200);
    expect((await http.get(`/users/${b.id}/profile`, a.jwt)).status).toBe(200);
    // The plugin's own /users/me keeps working beside /users/{email}.
    expect((await http.get('/users/me', a.jwt)).body.id).toBe(a.id);
  });

  it('the plugin’s GET /users/:id still answers for a role granted it', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi);
    const role = await roleId('authenticated');
    const action = 'plugin::users-permissions.user.findOne';
    await strapi.db.query(PERMISSION).create({ data: { action, role } });
    try {
      const res = await http.get(`/users/${b.id}`, a.jwt);
      expect(res.status).toBe(200);
      expect(res.body.username).toBe(b.username);
    } finally {
      await strapi.db.query(PERMISSION).delete({ where: { action, role } });
    }
    expect((await http.get(`/users/${b.id}`, a.jwt)).status).toBe(403);
  });

  it('the admin panel’s own 401 keeps its words (only /api answers are explained)', async () => {
    const res = await http.raw().get('/admin/users/me');
    expect(res.status).toBe(401);
    expect(res.body.error.message).not.toMatch(/users\/login/);
  });

  it('a message a route writes itself is kept (a 401 for a Public-granted route that acts for a user)', async () => {
    const role = await roleId('public');
    const action = 'api::profile.profile.me';
    await strapi.db.query(PERMISSION).create({ data: { action, role } });
    try {
      const res = await http.get('/users/users');
      expectError(res, 401, 'UnauthorizedError');
      expect(message(res as Res)).toMatch(/acts for a logged-in user/);
    } finally {
      await strapi.db.query(PERMISSION).delete({ where: { action, role } });
    }
  });
});

/** A concrete path for a route of the table: a sample value for each parameter. */
const samplePath = (path: string): string =>
  path.replace(/:email\(.*\)$/, 'someone%40example.com').replace(/:(\w+)/g, (_, name: string) => (name === 'id' ? '123' : 'x'));

type Layer = { methods: string[] };
type KoaRouter = { register: (path: string, methods: string[], handler: () => void) => unknown; match: (path: string, method: string) => { path: Layer[] } };
// Built independently of the server, with the router package Strapi uses: which routes of the table match a path.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Router = require('@koa/router') as new () => KoaRouter;
const tableRouter = new Router();
for (const route of CONTRACT_ROUTES) tableRouter.register(route.path, [route.method], () => undefined);

function expectedAllow(path: string): string[] {
  const methods = new Set(tableRouter.match(path, 'GET').path.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD')));
  if (methods.has('GET')) methods.add('HEAD');
  return ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => methods.has(m));
}

describe('a wrong method on a path of the contract: 405 with Allow from the route table', () => {
  it('the three cases of the issue answer alike', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    const cases: Array<[Res, string[]]> = [
      [(await http.get(`/posts/like/${post.documentId}`, a.jwt)) as unknown as Res, ['POST']],
      [(await http.post(`/posts/${post.documentId}`, a.jwt).send({})) as unknown as Res, ['GET', 'HEAD', 'PUT', 'DELETE']],
      [(await http.get('/users/login')) as unknown as Res, ['POST']],
    ];
    expect([alternatives(['POST']), alternatives(['GET', 'HEAD', 'PUT']), alternatives(['GET', 'HEAD', 'PUT', 'DELETE'])]).toEqual([
      'POST',
      'GET or PUT',
      'GET, PUT or DELETE',
    ]);
    for (const [res, allow] of cases) {
      expectError(res, 405, 'MethodNotAllowedError');
      expect(res.headers.allow).toBe(allow.join(', '));
      expect(res.body.error.details).toEqual({ allow });
      expect(message(res)).toMatch(/is not allowed on \/api\//);
      expect(message(res)).toContain(`use ${alternatives(allow)} (see the Allow header)`);
    }
    // Nothing ran: the post is not liked.
    expect((await http.get(`/posts/${post.documentId}`, a.jwt)).body.data.likes).toBe(0);
  });

  it('every path of the route table, every undeclared method', async () => {
    const paths = [...new Set(CONTRACT_ROUTES.map((route) => samplePath(route.path)))];
    let checked = 0;
    for (const path of paths) {
      const allow = expectedAllow(path);
      expect([path, allow.length > 0]).toEqual([path, true]);
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        if (allow.includes(method)) continue;
        const res = (await http.raw()[method.toLowerCase() as 'get'](`/api${path}`)) as unknown as Res;
        expect([method, path, res.status, res.headers.allow]).toEqual([method, path, 405, allow.join(', ')]);
        expectError(res, 405, 'MethodNotAllowedError');
        expect(res.body.error.details).toEqual({ allow });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('a declared method is never a 405, with or without a trailing slash', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    expect((await http.get(`/posts/${post.documentId}`)).status).toBe(200);
    expect((await http.get(`/posts/${post.documentId}/`)).status).toBe(200);
    expect((await http.post(`/posts/like/${post.documentId}/`, a.jwt)).status).toBe(200);
    expect((await http.raw().head(`/api/posts/${post.documentId}`)).status).toBe(200);
    // PUT /posts/all_posts is PUT /posts/:id with the id "all_posts": declared, and a 404.
    expectError(await http.put('/posts/all_posts', a.jwt).send({ title: 'x' }), 404, 'NotFoundError');
  });

  it('methods the router does not know, and OPTIONS', async () => {
    const { request } = await import('node:http');
    const send = (method: string, path: string) =>
      new Promise<{ status: number; allow?: string; body: string }>((resolve, reject) => {
        const req = request(`${http.base}${path}`, { method }, (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const method of ['TRACE', 'PROPFIND']) {
      const res = await send(method, '/api/posts/like/1');
      expect([method, res.status, res.allow]).toEqual([method, 405, 'POST']);
      expect(JSON.parse(res.body).error.name).toBe('MethodNotAllowedError');
    }
    const options = await send('OPTIONS', '/api/users/users');
    expect([options.status, options.allow]).toEqual([204, 'GET, HEAD, PUT, DELETE']);
  });

  it('only the plugin’s GET/PUT/DELETE /users/:id shares a path with the contract (so a 405 hides no other route)', () => {
    const contract = new Set(CONTRACT_ROUTES.map((route) => `/api${route.path}`));
    type ServerLayer = { path: string; methods: string[]; match: (path: string) => boolean };
    const others = (strapi.server.listRoutes() as unknown as ServerLayer[]).filter(
      (layer) => layer.methods.length > 0 && !contract.has(layer.path) && layer.path.startsWith('/api/')
    );
    const overlaps = new Set<string>();
    for (const route of CONTRACT_ROUTES) {
      const path = `/api${samplePath(route.path)}`;
      for (const layer of others) if (layer.match(path)) overlaps.add(layer.path);
    }
    expect([...overlaps]).toEqual(['/api/users/:id']);
  });
});
