import type { Core } from '@strapi/strapi';
import { expectError } from './helpers/assertions';
import { createPost, createUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

describe('malformed requests get a 4xx in the error envelope', () => {
  it('a body that is not JSON is a 400', async () => {
    const a = await createUser(strapi);
    for (const body of ['{"title": ', 'not json at all', '{"a":1}}']) {
      const res = await http.post('/posts', a.jwt).set('Content-Type', 'application/json').send(body);
      expectError(res, 400, 'ValidationError');
    }
  });

  it('a body over 1 MB is a 413', async () => {
    const a = await createUser(strapi);
    const res = await http
      .post('/posts', a.jwt)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ title: 't', description: 'x'.repeat(1_100_000) }));
    expectError(res, 413, 'PayloadTooLargeError');
  });

  it('deeply nested JSON is refused without a 5xx', async () => {
    const a = await createUser(strapi);
    const deep = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
    const res = await http.post('/posts', a.jwt).set('Content-Type', 'application/json').send(deep);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('a JSON scalar body is a 400', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    const res = await http.post(`/posts/comment/${post.documentId}`, a.jwt).set('Content-Type', 'application/json').send('"hello"');
    expect(res.status).toBe(400);
  });

  it('an unknown route is a 404, not a 5xx', async () => {
    const res = await http.get('/nothing/here');
    expect(res.status).toBe(404);
  });
});

describe('no route takes filters or sorts on private fields', () => {
  it('every custom route answers 400 to filters[password] and sort=resetPasswordToken', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi);
    const post = await createPost(strapi, a);
    const routes: Array<[string, string]> = [
      ['post', '/users/login'],
      ['get', '/users/users'],
      ['get', `/users/${b.email}`],
      ['post', `/users/follow/${b.id}`],
      ['post', `/users/unfollow/${b.id}`],
      ['post', '/posts'],
      ['get', `/posts/${post.documentId}`],
      ['get', '/posts/all_posts'],
      ['post', `/posts/like/${post.documentId}`],
      ['post', `/posts/unlike/${post.documentId}`],
      ['post', `/posts/comment/${post.documentId}`],
      ['delete', `/posts/${post.documentId}`],
    ];
    for (const query of ['filters[password][$startsWith]=$2a', 'sort=resetPasswordToken', 'filters[author][confirmationToken][$null]=false']) {
      for (const [method, path] of routes) {
        const res = await (http[method as 'get' | 'post' | 'delete'](`${path}?${query}`, a.jwt) as ReturnType<typeof http.get>).send(
          method === 'post' ? { title: 't', content: 'c', email: a.email, password: a.password } : undefined
        );
        expect([method, path, query, res.status]).toEqual([method, path, query, 400]);
      }
    }
    expect((await http.get(`/posts/${post.documentId}`)).status).toBe(200);
  });
});
