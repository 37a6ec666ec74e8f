import type { Core } from '@strapi/strapi';
import jwt from 'jsonwebtoken';
import { adminSession, cm } from './helpers/admin';
import { expectError, expectNoSecrets } from './helpers/assertions';
import { createPost, createUser, uniq, PASSWORD, type TestUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * Account hygiene and the auth defects of issue 10 (3, 4, 7): each case failed before its fix.
 * The whole file runs on SQLite (npm test) and on PostgreSQL (npm run test:postgres).
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

const NEW_PASSWORD = 'Brand-N3w-Secret!';
const signed = (payload: object) => jwt.sign(payload, 'test-jwt-secret', { expiresIn: '1h' });

describe('POST with no body to the plugin’s auth routes', () => {
  it.each([
    '/auth/local',
    '/auth/local/register',
    '/auth/forgot-password',
    '/auth/reset-password',
    '/auth/send-email-confirmation',
    '/auth/change-password',
  ])('%s is a 400 in the envelope', async (path) => {
    const u = await createUser(strapi);
    for (const send of [(r: ReturnType<typeof http.post>) => r, (r: ReturnType<typeof http.post>) => r.set('Content-Type', 'application/json').send('null'), (r: ReturnType<typeof http.post>) => r.send([1, 2])]) {
      const res = await send(http.post(path, path === '/auth/change-password' ? u.jwt : undefined));
      expectError(res, 400);
    }
  });
});

describe('tokens after a password change', () => {
  const changePassword = (u: TestUser, token: string, password = NEW_PASSWORD) =>
    http.post('/auth/change-password', token).send({ currentPassword: u.password, password, passwordConfirmation: password });

  it('/auth/change-password: every earlier token answers 401 at the next request; the new one works', async () => {
    const u = await createUser(strapi);
    const other = (await http.post('/users/login').send({ email: u.email, password: u.password })).body.jwt as string;
    expect((await http.get('/users/users', other)).status).toBe(200);
    const res = await changePassword(u, u.jwt);
    expect(res.status).toBe(200);
    expectNoSecrets(res.body);
    for (const old of [u.jwt, other]) expectError(await http.get('/users/users', old), 401, 'UnauthorizedError');
    expect((await http.get('/users/users', res.body.jwt)).status).toBe(200);
    const login = await http.post('/users/login').send({ email: u.email, password: NEW_PASSWORD });
    expect(login.status).toBe(200);
    expect((await http.get('/users/users', login.body.jwt)).status).toBe(200);
    const local = await http.post('/auth/local').send({ identifier: u.username, password: NEW_PASSWORD });
    expect((await http.get('/users/users', local.body.jwt)).status).toBe(200);
  });

  it('a change by an administrator in the Content Manager cuts the tokens off too', async () => {
    const u = await createUser(strapi);
    const admin = await adminSession(strapi, 'strapi-super-admin');
    const res = await admin.put(cm('plugin::users-permissions.user', u.documentId)).send({ password: NEW_PASSWORD });
    expect(res.status).toBe(200);
    expectError(await http.get('/users/users', u.jwt), 401);
    expect((await http.post('/users/login').send({ email: u.email, password: NEW_PASSWORD })).status).toBe(200);
  });

  it('a change written by another node (raw SQL) applies at the next request', async () => {
    const u = await createUser(strapi);
    expect((await http.get('/users/users', u.jwt)).status).toBe(200); // cached now
    await strapi.db.connection('up_users').where({ id: u.id }).update({ password: '$2a$10$abcdefghijklmnopqrstuuNBn0k8TVZp4CkmEpCo0wq0XJbdJB1Fm' });
    expectError(await http.get('/users/users', u.jwt), 401);
  });

  it('an edit that leaves the password alone keeps the tokens', async () => {
    const u = await createUser(strapi);
    await strapi.db.connection('up_users').where({ id: u.id }).update({ name: 'Renamed' });
    expect((await http.get('/users/users', u.jwt)).status).toBe(200);
  });

  it('the new password must be strong, and the rule is in the error', async () => {
    const u = await createUser(strapi);
    const res = await changePassword(u, u.jwt, '123456');
    expectError(res, 400, 'ValidationError');
    expect(res.body.error.message).toMatch(/8 to 128 characters/);
    expect((await http.get('/users/users', u.jwt)).status).toBe(200);
  });
});

describe('signed tokens whose id is not a positive integer', () => {
  it.each([[{ $ne: 0 }], [true], [[1]], ['1'], [0], [-1], [1.5], [null]])('id %j is a 401', async (id) => {
    await createUser(strapi);
    expectError(await http.get('/users/users', signed({ id })), 401, 'UnauthorizedError');
  });

  it('a well-formed one still works', async () => {
    const u = await createUser(strapi);
    expect((await http.get('/users/users', signed({ id: u.id }))).status).toBe(200);
  });
});

describe('registration rules', () => {
  const register = (fields: Record<string, unknown>) => {
    const username = uniq('reg');
    return http.post('/auth/local/register').send({ username, email: `${username}@example.com`, password: PASSWORD, ...fields });
  };

  it('usernames are unique without regard to case, and trimmed', async () => {
    const name = uniq('Case');
    expect((await register({ username: name })).status).toBe(200);
    for (const variant of [name.toLowerCase(), name.toUpperCase(), `  ${name}  `]) {
      expectError(await register({ username: variant }), 400);
    }
    const trimmed = uniq('trim');
    const res = await register({ username: `  ${trimmed} ` });
    expect(res.status).toBe(200);
    expect(res.body.user.username).toBe(trimmed);
  });

  it('concurrent sign-ups of one username in different cases: exactly one wins', async () => {
    const name = uniq('race');
    const answers = await Promise.all([name, name.toUpperCase(), name.toLowerCase(), `${name[0].toUpperCase()}${name.slice(1)}`].map((username) => register({ username })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 400, 400, 400]);
    const rows = await strapi.db.connection('up_users').whereRaw('lower(username) = ?', [name.toLowerCase()]);
    expect(rows).toHaveLength(1);
  });

  it.each(['', '   ', 'ab', 'victim@example.com', 'a b', 'zero\u200bwidth', 'x'.repeat(31), '...'])('username %j is refused with the rule', async (username) => {
    const res = await register({ username });
    expectError(res, 400, 'ValidationError');
  });

  it('emails are normalised (NFC, lower case); invisible and lookalike characters are refused', async () => {
    const local = uniq('Mail');
    const res = await register({ email: `  ${local}@Example.COM ` });
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe(`${local.toLowerCase()}@example.com`);
    for (const email of [`${local}\u200b@example.com`, `${local}@ex\u0430mple.com`, `caf\u00e9${local}@example.com`, `e\u0301${local}@example.com`]) {
      expectError(await register({ email }), 400, 'ValidationError');
    }
    // The shadow cannot register beside the original either.
    expectError(await register({ email: `${local.toLowerCase()}@example.com` }), 400);
  });

  it.each(['123456', '       ', 'password1', 'abcdefgh', 'qwertyuiop'])('password %j is refused, naming the rule', async (password) => {
    const res = await register({ password });
    expectError(res, 400, 'ValidationError');
    expect(res.body.error.message).toMatch(/hard to guess/);
  });

  it('a password made of the username is refused', async () => {
    const username = uniq('Jonathanpierce');
    expectError(await register({ username, password: `${username}1!` }), 400, 'ValidationError');
  });
});

describe('/auth/local', () => {
  it('compares against a decoy when the identifier is unknown (no timing oracle)', async () => {
    const service = strapi.plugin('users-permissions').service('user');
    const spy = jest.spyOn(service, 'validatePassword');
    try {
      const res = await http.post('/auth/local').send({ identifier: uniq('nobody'), password: 'Whatever-1234!' });
      expectError(res, 400, 'ValidationError');
      expect(spy).toHaveBeenCalledTimes(1);
      const byEmail = await http.post('/auth/local').send({ identifier: `${uniq('nobody')}@example.com`, password: 'Whatever-1234!' });
      expectError(byEmail, 400, 'ValidationError');
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('takes a username in any case, and an email', async () => {
    const u = await createUser(strapi);
    for (const identifier of [u.username, u.username.toUpperCase(), u.email.toUpperCase()]) {
      const res = await http.post('/auth/local').send({ identifier, password: u.password });
      expect(res.status).toBe(200);
      expect(res.body.user.id).toBe(u.id);
    }
  });
});

describe('DELETE /users/users', () => {
  const counts = async (userId: number) =>
    (await strapi.db.connection('social_user_stats').where({ user_id: userId }).first()) as { followers: number; following: number };

  it('needs the current password; deletes the account, its posts, comments, likes, follows and reports; counters stay exact', async () => {
    const leaving = await createUser(strapi);
    const friend = await createUser(strapi);
    const own = await createPost(strapi, leaving);
    const friends = await createPost(strapi, friend);
    await http.post(`/users/follow/${friend.id}`, leaving.jwt).expect(200);
    await http.post(`/users/follow/${leaving.id}`, friend.jwt).expect(200);
    await http.post(`/posts/like/${friends.documentId}`, leaving.jwt).expect(200);
    await http.post(`/posts/comment/${friends.documentId}`, leaving.jwt).send({ content: 'bye' }).expect(201);
    await http.post(`/posts/comment/${own.documentId}`, friend.jwt).send({ content: 'on the leaving post' }).expect(201);
    await http.post(`/posts/report/${friends.documentId}`, leaving.jwt).send({ reason: 'spam' }).expect(201);

    expectError(await http.delete('/users/users', leaving.jwt).send({ password: 'not-the-password' }), 400, 'ValidationError');
    expectError(await http.delete('/users/users', leaving.jwt).send({}), 400, 'ValidationError');
    expectError(await http.delete('/users/users').send({ password: leaving.password }), 403);

    const res = await http.delete('/users/users', leaving.jwt).send({ password: leaving.password });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: leaving.id, documentId: leaving.documentId });

    expectError(await http.get('/users/users', leaving.jwt), 401);
    expectError(await http.post('/users/login').send({ email: leaving.email, password: leaving.password }), 400);
    expect((await http.get(`/posts/${own.documentId}`)).status).toBe(404);
    const post = (await http.get(`/posts/${friends.documentId}`, friend.jwt)).body.data;
    expect(post.likes).toBe(0);
    expect(post.commentsCount).toBe(0);
    expect(await counts(friend.id)).toMatchObject({ followers: 0, following: 0 });
    const db = strapi.db.connection;
    expect(await db('up_users').where({ id: leaving.id })).toHaveLength(0);
    expect(await db('reports_reporter_lnk').where({ user_id: leaving.id })).toHaveLength(0);
    expect(await db('comments_author_lnk').where({ user_id: leaving.id })).toHaveLength(0);
    expect(Number((await db('comments').whereNotIn('id', db('comments_post_lnk').select('comment_id')).count({ n: '*' }).first())?.n)).toBe(0);
  });

  it('an administrator deleting the user in the Content Manager takes their posts too', async () => {
    const u = await createUser(strapi);
    const post = await createPost(strapi, u);
    const admin = await adminSession(strapi, 'strapi-super-admin');
    expect((await admin.delete(cm('plugin::users-permissions.user', u.documentId))).status).toBe(200);
    expect((await http.get(`/posts/${post.documentId}`)).status).toBe(404);
    expect(await strapi.db.connection('posts').where({ id: post.id })).toHaveLength(0);
  });
});
