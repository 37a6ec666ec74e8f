import type { Core } from '@strapi/strapi';
import { expectError, expectNoSecrets } from './helpers/assertions';
import { createPost, createUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

const BAD_REFS = ['987654321', '99999999999999999999', '0', '-5', 'doesnotexist000000000000', "x'%20OR%20'1'='1", '%F0%9F%98%80', 'a'.repeat(2000)];

describe('POST /posts', () => {
  it('creates a post authored by the caller, whatever the body says', async () => {
    const a = await createUser(strapi, { name: 'Dora' });
    const b = await createUser(strapi);
    const res = await http
      .post('/posts', a.jwt)
      .send({ title: '  Hello  ', description: 'First post', author: b.id, likes: 99, commentsCount: 5, createdAt: '2000-01-01T00:00:00.000Z' });
    expect(res.status).toBe(201);
    const post = res.body.data;
    expect(post).toEqual({
      id: expect.any(Number),
      documentId: expect.any(String),
      title: 'Hello',
      description: 'First post',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      editedAt: null,
      author: { id: a.id, documentId: a.documentId, username: a.username, name: 'Dora' },
      media: [],
      hidden: false,
      likes: 0,
      likedByMe: false,
      commentsCount: 0,
      comments: [],
    });
    expect(post.createdAt).not.toBe('2000-01-01T00:00:00.000Z');
    expectNoSecrets(res.body);
  });

  it('accepts a missing description as empty, and limits at the edges', async () => {
    const a = await createUser(strapi);
    const res = await http.post('/posts', a.jwt).send({ title: 't' });
    expect(res.status).toBe(201);
    expect(res.body.data.description).toBe('');
    expect((await http.post('/posts', a.jwt).send({ title: 'x'.repeat(200), description: 'd'.repeat(10_000) })).status).toBe(201);
  });

  it.each([
    ['no title', { description: 'd' }],
    ['a blank title', { title: '   ', description: 'd' }],
    ['a title of 201 characters', { title: 'x'.repeat(201) }],
    ['a description of 10,001 characters', { title: 't', description: 'd'.repeat(10_001) }],
    ['a numeric title', { title: 42 }],
    ['an object description', { title: 't', description: { a: 1 } }],
    ['a null title', { title: null }],
  ])('refuses %s with 400', async (_label, body) => {
    const a = await createUser(strapi);
    expectError(await http.post('/posts', a.jwt).send(body), 400, 'ValidationError');
  });

  it('refuses a body that is an array or not JSON', async () => {
    const a = await createUser(strapi);
    expectError(await http.post('/posts', a.jwt).send([{ title: 't' }]), 400);
    const res = await http.post('/posts', a.jwt).set('Content-Type', 'application/json').send('{"title": ');
    expect(res.status).toBe(400);
    expect(res.body.error.status).toBe(400);
  });

  it('needs a token', async () => {
    expectError(await http.post('/posts').send({ title: 't' }), 403, 'ForbiddenError');
  });
});

describe('GET /posts/{id}', () => {
  it('reads a post by documentId and by numeric id, anonymously', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a, { title: 'Readable' });
    for (const ref of [post.documentId, String(post.id)]) {
      const res = await http.get(`/posts/${ref}`);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ id: post.id, documentId: post.documentId, title: 'Readable', likedByMe: false });
    }
  });

  it.each(BAD_REFS)('answers 404 for %s', async (ref) => {
    expectError(await http.get(`/posts/${ref}`), 404, 'NotFoundError');
  });

  it('shows the first 25 comments oldest first and counts them all', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi, { name: 'Commenter' });
    const post = await createPost(strapi, a);
    for (let i = 0; i < 27; i++) {
      const res = await http.post(`/posts/comment/${post.documentId}`, b.jwt).send({ content: `c${i}` });
      expect(res.status).toBe(201);
    }
    const res = await http.get(`/posts/${post.documentId}`);
    expect(res.body.data.commentsCount).toBe(27);
    expect(res.body.data.comments).toHaveLength(25);
    expect(res.body.data.comments.map((c: { content: string }) => c.content)).toEqual(
      Array.from({ length: 25 }, (_, i) => `c${i}`)
    );
    expect(res.body.data.comments[0]).toEqual({
      id: expect.any(Number),
      documentId: expect.any(String),
      content: 'c0',
      createdAt: expect.any(String),
      editedAt: null,
      author: { id: b.id, documentId: b.documentId, username: b.username, name: 'Commenter' },
    });
  });

  it('refuses query filters on private author fields', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    expectError(await http.get(`/posts/${post.documentId}?filters[author][password][$startsWith]=$2a`), 400, 'ValidationError');
  });
});

describe('DELETE /posts/{id}', () => {
  it('lets the author delete; the post, its comments and likes are gone', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi);
    const post = await createPost(strapi, a);
    await http.post(`/posts/comment/${post.documentId}`, b.jwt).send({ content: 'hi' });
    await http.post(`/posts/like/${post.documentId}`, b.jwt);
    const res = await http.delete(`/posts/${post.documentId}`, a.jwt);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: post.id, documentId: post.documentId });
    expectError(await http.get(`/posts/${post.documentId}`), 404);
    const knex = strapi.db.connection;
    expect(await knex('comments_post_lnk').where({ post_id: post.id })).toHaveLength(0);
    expect(await knex('posts_liked_by_lnk').where({ post_id: post.id })).toHaveLength(0);
    const orphans = await knex('comments').whereNotIn('id', knex('comments_post_lnk').select('comment_id'));
    expect(orphans).toHaveLength(0);
    expect((await http.get('/users/users', a.jwt)).body.posts).toBe(0);
  });

  it('deletes by numeric id too', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    expect((await http.delete(`/posts/${post.id}`, a.jwt)).status).toBe(200);
  });

  it('answers 403 to anyone else and keeps the post', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi);
    const post = await createPost(strapi, a);
    expectError(await http.delete(`/posts/${post.documentId}`, b.jwt), 403, 'ForbiddenError');
    expect((await http.get(`/posts/${post.documentId}`)).status).toBe(200);
  });

  it.each(BAD_REFS)('answers 404 for %s', async (ref) => {
    const a = await createUser(strapi);
    expectError(await http.delete(`/posts/${ref}`, a.jwt), 404, 'NotFoundError');
  });

  it('needs a token', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    expectError(await http.delete(`/posts/${post.documentId}`), 403, 'ForbiddenError');
  });
});

describe('GET /posts/all_posts', () => {
  it('lists only the caller’s posts, newest first, ties by highest id', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi);
    const first = await createPost(strapi, a, { title: 'first' });
    const second = await createPost(strapi, a, { title: 'second' });
    const third = await createPost(strapi, a, { title: 'third' });
    await createPost(strapi, b);
    // Give two posts the same creation time: the higher id comes first.
    const same = new Date('2030-01-01T00:00:00.000Z');
    await strapi.db.query('api::post.post').update({ where: { id: first.id }, data: { createdAt: same } });
    await strapi.db.query('api::post.post').update({ where: { id: third.id }, data: { createdAt: same } });
    const res = await http.get('/posts/all_posts', a.jwt);
    expect(res.status).toBe(200);
    expect(res.body.data.map((p: { id: number }) => p.id)).toEqual([third.id, first.id, second.id]);
    expect(res.body.meta.pagination).toEqual({ page: 1, pageSize: 25, pageCount: 1, total: 3 });
  });

  it('pages with Strapi’s parameters', async () => {
    const a = await createUser(strapi);
    for (let i = 0; i < 3; i++) await createPost(strapi, a);
    const res = await http.get('/posts/all_posts?pagination[page]=2&pagination[pageSize]=2', a.jwt);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.meta.pagination).toEqual({ page: 2, pageSize: 2, pageCount: 2, total: 3 });
    const capped = await http.get('/posts/all_posts?pagination[pageSize]=1000', a.jwt);
    expect(capped.body.meta.pagination.pageSize).toBe(100);
    const empty = await http.get('/posts/all_posts?pagination[page]=9', a.jwt);
    expect(empty.body.data).toEqual([]);
  });

  it('shows likedByMe for the caller', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    await http.post(`/posts/like/${post.documentId}`, a.jwt);
    const res = await http.get('/posts/all_posts', a.jwt);
    expect(res.body.data[0]).toMatchObject({ likes: 1, likedByMe: true });
  });

  it.each(['pagination[page]=0', 'pagination[page]=abc', 'pagination[pageSize]=-1', 'pagination=5', 'filters[author][password][$eq]=x', 'sort=password'])(
    'refuses %s with 400',
    async (query) => {
      const a = await createUser(strapi);
      expectError(await http.get(`/posts/all_posts?${query}`, a.jwt), 400, 'ValidationError');
    }
  );

  it('needs a token', async () => {
    expectError(await http.get('/posts/all_posts'), 403, 'ForbiddenError');
  });
});

describe('limits count characters, not UTF-16 units', () => {
  it('accepts a title of 200 emoji and a comment of 5,000', async () => {
    const a = await createUser(strapi);
    const res = await http.post('/posts', a.jwt).send({ title: '😀'.repeat(200), description: '🎉'.repeat(10_000) });
    expect(res.status).toBe(201);
    expect([...res.body.data.title]).toHaveLength(200);
    const comment = await http.post(`/posts/comment/${res.body.data.documentId}`, a.jwt).send({ content: '👍'.repeat(5_000) });
    expect(comment.status).toBe(201);
    expectError(await http.post('/posts', a.jwt).send({ title: '😀'.repeat(201) }), 400, 'ValidationError');
  });
});
