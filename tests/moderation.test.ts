import type { Core } from '@strapi/strapi';
import { expectError } from './helpers/assertions';
import { adminSession, cm } from './helpers/admin';
import { createPost, createUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

const setHidden = (uid: 'api::post.post' | 'api::comment.comment', documentId: string, hidden: boolean) =>
  strapi.documents(uid).update({ documentId, data: { hidden } });

describe('hidden posts', () => {
  it('answer 404 to everyone but the author, leave counts, and come back exactly', async () => {
    const author = await createUser(strapi);
    const other = await createUser(strapi);
    const post = await createPost(strapi, author);
    await http.post(`/posts/like/${post.documentId}`, other.jwt);
    const before = (await http.get(`/posts/${post.documentId}`, other.jwt)).body.data;

    await setHidden('api::post.post', post.documentId, true);
    expectError(await http.get(`/posts/${post.documentId}`), 404, 'NotFoundError');
    expectError(await http.get(`/posts/${post.documentId}`, other.jwt), 404, 'NotFoundError');
    expectError(await http.post(`/posts/like/${post.documentId}`, other.jwt), 404, 'NotFoundError');
    expectError(await http.post(`/posts/comment/${post.documentId}`, other.jwt).send({ content: 'x' }), 404, 'NotFoundError');
    expectError(await http.post(`/posts/report/${post.documentId}`, other.jwt).send({ reason: 'spam' }), 404, 'NotFoundError');
    const own = await http.get(`/posts/${post.documentId}`, author.jwt);
    expect(own.status).toBe(200);
    expect(own.body.data.hidden).toBe(true);
    const list = await http.get('/posts/all_posts', author.jwt);
    expect(list.body.data).toEqual([expect.objectContaining({ documentId: post.documentId, hidden: true })]);
    expect((await http.get(`/users/${author.email}`, other.jwt)).body.posts).toBe(0);
    expect((await http.get('/users/users', author.jwt)).body.posts).toBe(1);

    await setHidden('api::post.post', post.documentId, false);
    const after = (await http.get(`/posts/${post.documentId}`, other.jwt)).body.data;
    expect({ ...after, updatedAt: null }).toEqual({ ...before, updatedAt: null });
    expect((await http.get(`/users/${author.email}`, other.jwt)).body.posts).toBe(1);
  });
});

describe('hidden comments', () => {
  it('leave comments and commentsCount, and come back when unhidden', async () => {
    const author = await createUser(strapi);
    const post = await createPost(strapi, author);
    const first = (await http.post(`/posts/comment/${post.documentId}`, author.jwt).send({ content: 'one' })).body.data;
    await http.post(`/posts/comment/${post.documentId}`, author.jwt).send({ content: 'two' });
    await setHidden('api::comment.comment', first.documentId, true);
    let read = (await http.get(`/posts/${post.documentId}`)).body.data;
    expect(read.commentsCount).toBe(1);
    expect(read.comments.map((c: { content: string }) => c.content)).toEqual(['two']);
    await setHidden('api::comment.comment', first.documentId, false);
    read = (await http.get(`/posts/${post.documentId}`)).body.data;
    expect(read.commentsCount).toBe(2);
    expect(read.comments.map((c: { content: string }) => c.content)).toEqual(['one', 'two']);
  });

  it('never show a moderation note to clients', async () => {
    const author = await createUser(strapi);
    const post = await createPost(strapi, author);
    await strapi.documents('api::post.post').update({ documentId: post.documentId, data: { moderationNote: 'secret note' } });
    const res = await http.get(`/posts/${post.documentId}`, author.jwt);
    expect(JSON.stringify(res.body)).not.toContain('secret note');
    expect(JSON.stringify(res.body)).not.toContain('moderationNote');
  });
});

describe('reports', () => {
  it('201 for a new report, 200 for a repeat; counted in openReports', async () => {
    const author = await createUser(strapi);
    const reporter = await createUser(strapi);
    const post = await createPost(strapi, author);
    const first = await http.post(`/posts/report/${post.documentId}`, reporter.jwt).send({ reason: 'spam', details: 'buy now' });
    expect(first.status).toBe(201);
    expect(first.body.data).toEqual({
      id: expect.any(Number),
      documentId: expect.any(String),
      reason: 'spam',
      details: 'buy now',
      status: 'open',
      createdAt: expect.any(String),
    });
    const again = await http.post(`/posts/report/${post.id}`, reporter.jwt).send({ reason: 'abuse' });
    expect(again.status).toBe(200);
    expect(again.body.data.documentId).toBe(first.body.data.documentId);
    await http.post(`/posts/report/${post.documentId}`, author.jwt).send({ reason: 'other' });
    const row = await strapi.db.query('api::post.post').findOne({ where: { id: post.id }, select: ['openReports'] });
    expect(row.openReports).toBe(2);
  });

  it('concurrent reports by one user leave one open report', async () => {
    const author = await createUser(strapi);
    const reporter = await createUser(strapi);
    const post = await createPost(strapi, author);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => http.post(`/posts/report/${post.documentId}`, reporter.jwt).send({ reason: 'spam' }))
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(9);
    const open = await strapi.db.query('api::report.report').count({ where: { post: { id: post.id }, reporter: { id: reporter.id } } });
    expect(open).toBe(1);
  });

  it('reports comments too', async () => {
    const author = await createUser(strapi);
    const reporter = await createUser(strapi);
    const post = await createPost(strapi, author);
    const comment = (await http.post(`/posts/comment/${post.documentId}`, author.jwt).send({ content: 'rude' })).body.data;
    const res = await http.post(`/comments/report/${comment.documentId}`, reporter.jwt).send({ reason: 'abuse' });
    expect(res.status).toBe(201);
    expect((await http.post(`/comments/report/${comment.id}`, reporter.jwt).send({ reason: 'abuse' })).status).toBe(200);
    const row = await strapi.db.query('api::comment.comment').findOne({ where: { id: comment.id }, select: ['openReports'] });
    expect(row.openReports).toBe(1);
  });

  it.each([
    ['no reason', {}],
    ['an unknown reason', { reason: 'boring' }],
    ['a numeric reason', { reason: 1 }],
    ['details over 1,000 characters', { reason: 'other', details: 'x'.repeat(1_001) }],
    ['non-string details', { reason: 'other', details: ['x'] }],
  ])('refuses %s with 400', async (_label, body) => {
    const author = await createUser(strapi);
    const post = await createPost(strapi, author);
    expectError(await http.post(`/posts/report/${post.documentId}`, author.jwt).send(body), 400, 'ValidationError');
  });

  it('answers 404 for unknown items and 403 without a token', async () => {
    const a = await createUser(strapi);
    expectError(await http.post('/posts/report/doesnotexist000000000000', a.jwt).send({ reason: 'spam' }), 404);
    expectError(await http.post('/comments/report/987654321', a.jwt).send({ reason: 'spam' }), 404);
    expectError(await http.post('/posts/report/1').send({ reason: 'spam' }), 403, 'ForbiddenError');
  });
});

describe('DELETE /comments/{id}', () => {
  it('by the comment’s author or the post’s author; 403 for others; 404 if none', async () => {
    const postAuthor = await createUser(strapi);
    const commenter = await createUser(strapi);
    const stranger = await createUser(strapi);
    const post = await createPost(strapi, postAuthor);
    const c1 = (await http.post(`/posts/comment/${post.documentId}`, commenter.jwt).send({ content: 'a' })).body.data;
    const c2 = (await http.post(`/posts/comment/${post.documentId}`, commenter.jwt).send({ content: 'b' })).body.data;
    expectError(await http.delete(`/comments/${c1.documentId}`, stranger.jwt), 403, 'ForbiddenError');
    expectError(await http.delete(`/comments/${c1.documentId}`), 403, 'ForbiddenError');
    const own = await http.delete(`/comments/${c1.documentId}`, commenter.jwt);
    expect(own.status).toBe(200);
    expect(own.body.data).toEqual({ id: c1.id, documentId: c1.documentId });
    expect((await http.delete(`/comments/${c2.id}`, postAuthor.jwt)).status).toBe(200);
    expectError(await http.delete(`/comments/${c1.documentId}`, commenter.jwt), 404, 'NotFoundError');
    expect((await http.get(`/posts/${post.documentId}`)).body.data.commentsCount).toBe(0);
  });
});

describe('the Moderator admin role, through the admin API', () => {
  it('reads, hides, edits and deletes posts and comments, but cannot create them', async () => {
    const mod = await adminSession(strapi);
    const author = await createUser(strapi);
    const post = await createPost(strapi, author, { title: 'moderate me' });
    expect((await mod.get(cm('api::post.post'))).status).toBe(200);
    const hide = await mod.put(cm('api::post.post', post.documentId)).send({ hidden: true, moderationNote: 'spam wave' });
    expect(hide.status).toBe(200);
    expectError(await http.get(`/posts/${post.documentId}`), 404);
    expect((await mod.put(cm('api::post.post', post.documentId)).send({ title: 'edited' })).status).toBe(200);
    const create = await mod.post(cm('api::post.post')).send({ title: 'on behalf', author: author.documentId });
    expect(create.status).toBe(403);
    const comment = (await http.post(`/posts/comment/${(await createPost(strapi, author)).documentId}`, author.jwt).send({ content: 'c' })).body
      .data;
    expect((await mod.put(cm('api::comment.comment', comment.documentId)).send({ hidden: true })).status).toBe(200);
    expect((await mod.post(cm('api::comment.comment')).send({ content: 'x' })).status).toBe(403);
    expect((await mod.delete(cm('api::comment.comment', comment.documentId))).status).toBe(200);
    expect((await mod.delete(cm('api::post.post', post.documentId))).status).toBe(200);
  });

  it('resolves a report: who and when are recorded, and the open count drops', async () => {
    const mod = await adminSession(strapi);
    const author = await createUser(strapi);
    const reporter = await createUser(strapi);
    const post = await createPost(strapi, author);
    const report = (await http.post(`/posts/report/${post.documentId}`, reporter.jwt).send({ reason: 'illegal' })).body.data;
    const res = await mod.put(cm('api::report.report', report.documentId)).send({ state: 'resolved' });
    expect(res.status).toBe(200);
    const row = await strapi.db.query('api::report.report').findOne({ where: { id: report.id } });
    expect(row.state).toBe('resolved');
    expect(row.resolvedBy).toContain(mod.email);
    expect(row.resolvedAt).toBeTruthy();
    const postRow = await strapi.db.query('api::post.post').findOne({ where: { id: post.id }, select: ['openReports'] });
    expect(postRow.openReports).toBe(0);
    // A new report by the same user is allowed once the old one is closed.
    expect((await http.post(`/posts/report/${post.documentId}`, reporter.jwt).send({ reason: 'spam' })).status).toBe(201);
  });

  it('blocks a user: their token stops working and they cannot log in, until unblocked', async () => {
    const mod = await adminSession(strapi);
    const user = await createUser(strapi);
    const userCm = cm('plugin::users-permissions.user', user.documentId);
    expect((await mod.put(userCm).send({ blocked: true })).status).toBe(200);
    expectError(await http.get('/users/users', user.jwt), 401, 'UnauthorizedError');
    expect((await http.post('/users/login').send({ email: user.email, password: user.password })).status).toBe(400);
    expect((await mod.put(userCm).send({ blocked: false })).status).toBe(200);
    expect((await http.get('/users/users', user.jwt)).status).toBe(200);
    expect((await http.post('/users/login').send({ email: user.email, password: user.password })).status).toBe(200);
  });

  it('may set only `blocked` on users', async () => {
    const mod = await adminSession(strapi);
    const user = await createUser(strapi);
    await mod.put(cm('plugin::users-permissions.user', user.documentId)).send({ username: 'renamed', email: 'x@example.com', blocked: false });
    const row = await strapi.db.query('plugin::users-permissions.user').findOne({ where: { id: user.id } });
    expect(row.username).toBe(user.username);
    expect(row.email).toBe(user.email);
    expect((await mod.post(cm('plugin::users-permissions.user')).send({ username: 'new', email: 'n@example.com', password: 'whatever1' })).status).toBe(403);
  });

  it('cannot open Settings: roles, administrators, API tokens', async () => {
    const mod = await adminSession(strapi);
    for (const url of ['/admin/roles', '/admin/users', '/admin/api-tokens', '/users-permissions/roles', '/admin/transfer/tokens', '/admin/webhooks']) {
      const res = await mod.get(url);
      expect([url, res.status]).toEqual([url, 403]);
    }
    expect((await mod.post('/admin/roles').send({ name: 'Sneaky' })).status).toBe(403);
  });
});
