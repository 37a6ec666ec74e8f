import type { Core } from '@strapi/strapi';
import { expectError } from './helpers/assertions';
import { createPost, createUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

describe('like and unlike', () => {
  it('counts one like per user; unlike removes it; reads agree', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi);
    const post = await createPost(strapi, a);
    let res = await http.post(`/posts/like/${post.documentId}`, b.jwt);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ id: post.id, documentId: post.documentId, likes: 1, likedByMe: true });
    res = await http.post(`/posts/like/${post.id}`, b.jwt);
    expect(res.body.data.likes).toBe(1);
    res = await http.post(`/posts/like/${post.documentId}`, a.jwt);
    expect(res.body.data.likes).toBe(2);
    res = await http.post(`/posts/unlike/${post.documentId}`, b.jwt);
    expect(res.body.data).toEqual({ id: post.id, documentId: post.documentId, likes: 1, likedByMe: false });
    expect((await http.get(`/posts/${post.documentId}`, a.jwt)).body.data).toMatchObject({ likes: 1, likedByMe: true });
    expect((await http.get(`/posts/${post.documentId}`, b.jwt)).body.data).toMatchObject({ likes: 1, likedByMe: false });
    expect((await http.get(`/posts/${post.documentId}`)).body.data).toMatchObject({ likes: 1, likedByMe: false });
  });

  it('treats unliking a post never liked as harmless', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    const res = await http.post(`/posts/unlike/${post.documentId}`, a.jwt);
    expect(res.status).toBe(200);
    expect(res.body.data.likes).toBe(0);
  });

  it('answers 404 for an unknown post and 403 without a token', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    for (const action of ['like', 'unlike']) {
      expectError(await http.post(`/posts/${action}/doesnotexist000000000000`, a.jwt), 404, 'NotFoundError');
      expectError(await http.post(`/posts/${action}/123456789`, a.jwt), 404, 'NotFoundError');
      expectError(await http.post(`/posts/${action}/${post.documentId}`), 403, 'ForbiddenError');
    }
  });
});

describe('POST /posts/comment/{id}', () => {
  it('adds a comment with its author and shows it on the post', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi, { name: 'Eve' });
    const post = await createPost(strapi, a);
    const res = await http.post(`/posts/comment/${post.documentId}`, b.jwt).send({ content: '  Nice!  ' });
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({
      id: expect.any(Number),
      documentId: expect.any(String),
      content: 'Nice!',
      createdAt: expect.any(String),
      editedAt: null,
      author: { id: b.id, documentId: b.documentId, username: b.username, name: 'Eve' },
    });
    const got = await http.get(`/posts/${post.id}`);
    expect(got.body.data.commentsCount).toBe(1);
    expect(got.body.data.comments[0].content).toBe('Nice!');
  });

  it('accepts `comment` for `content`', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    const res = await http.post(`/posts/comment/${post.documentId}`, a.jwt).send({ comment: 'old client' });
    expect(res.status).toBe(201);
    expect(res.body.data.content).toBe('old client');
  });

  it.each([
    ['empty', { content: '' }],
    ['blank', { content: '  \n ' }],
    ['missing', {}],
    ['too long', { content: 'x'.repeat(5_001) }],
    ['not a string', { content: 5 }],
  ])('refuses a %s comment with 400', async (_label, body) => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    expectError(await http.post(`/posts/comment/${post.documentId}`, a.jwt).send(body), 400, 'ValidationError');
  });

  it('accepts 5,000 characters', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    expect((await http.post(`/posts/comment/${post.documentId}`, a.jwt).send({ content: 'x'.repeat(5_000) })).status).toBe(201);
  });

  it('answers 404 for an unknown post and 403 without a token', async () => {
    const a = await createUser(strapi);
    const post = await createPost(strapi, a);
    expectError(await http.post('/posts/comment/doesnotexist000000000000', a.jwt).send({ content: 'x' }), 404, 'NotFoundError');
    expectError(await http.post(`/posts/comment/${post.documentId}`).send({ content: 'x' }), 403, 'ForbiddenError');
  });
});
