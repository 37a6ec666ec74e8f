import type { Core } from '@strapi/strapi';
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

describe('malformed requests get a 4xx in the error envelope', () => {
  it('a body that is not JSON is a 400', async () => {
    const a = await createUser(strapi);
    for (const body of ['{"title": ', 'not json at all', '{"a":1}}']) {
      const res = await http.post('/posts', a.jwt).set('Content-Type', 'application/json').send(body);
      expectError(res, 400);
    }
  });

  it('a body over 1 MB is a 413', async () => {
    const a = await createUser(strapi);
    const res = await http
      .post('/posts', a.jwt)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ title: 't', description: 'x'.repeat(1_100_000) }));
    expectError(res, 413);
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
