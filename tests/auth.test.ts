import type { Core } from '@strapi/strapi';
import jwt from 'jsonwebtoken';
import { expectError, expectNoSecrets } from './helpers/assertions';
import { createUser, uniq, PASSWORD } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

describe('registration', () => {
  it('accepts name, and the JWT it returns authenticates', async () => {
    const username = uniq('reg');
    const res = await http
      .post('/auth/local/register')
      .send({ username, email: `${username}@example.com`, password: PASSWORD, name: 'Reggie' });
    expect(res.status).toBe(200);
    expectNoSecrets(res.body);
    const me = await http.get('/users/users', res.body.jwt);
    expect(me.status).toBe(200);
    expect(me.body.name).toBe('Reggie');
  });

  it('cannot pick a role, block state or confirmation', async () => {
    const username = uniq('reg');
    const res = await http
      .post('/auth/local/register')
      .send({ username, email: `${username}@example.com`, password: PASSWORD, role: 1, blocked: true, confirmed: true });
    expect(res.status).toBe(400);
  });
});

describe('POST /users/login', () => {
  it('answers a JWT and the own profile, without secrets', async () => {
    const u = await createUser(strapi, { name: 'Alice' });
    const res = await http.post('/users/login').send({ email: u.email, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(typeof res.body.jwt).toBe('string');
    expect(res.body.user).toEqual({
      id: u.id,
      documentId: u.documentId,
      username: u.username,
      name: 'Alice',
      email: u.email,
      bio: '',
      avatar: null,
      createdAt: expect.any(String),
      followers: 0,
      following: 0,
      posts: 0,
    });
    expectNoSecrets(res.body);
    const me = await http.get('/users/users', res.body.jwt);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(u.id);
  });

  it('accepts `identifier` for the email, and any case of the email', async () => {
    const u = await createUser(strapi);
    expect((await http.post('/users/login').send({ identifier: u.email, password: PASSWORD })).status).toBe(200);
    expect((await http.post('/users/login').send({ email: u.email.toUpperCase(), password: PASSWORD })).status).toBe(200);
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    const u = await createUser(strapi);
    const wrong = await http.post('/users/login').send({ email: u.email, password: 'wrong-password' });
    expectError(wrong, 400, 'ValidationError');
    const unknown = await http.post('/users/login').send({ email: `${uniq('x')}@example.com`, password: PASSWORD });
    expectError(unknown, 400, 'ValidationError');
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  it.each([
    [{}],
    [{ email: 'a@example.com' }],
    [{ password: PASSWORD }],
    [{ email: 42, password: PASSWORD }],
    [{ email: 'a@example.com', password: ['x'] }],
    [{ email: '   ', password: PASSWORD }],
  ])('refuses a malformed body %j with 400', async (body) => {
    expectError(await http.post('/users/login').send(body), 400, 'ValidationError');
  });

  it('refuses a blocked user', async () => {
    const u = await createUser(strapi, { blocked: true });
    const res = await http.post('/users/login').send({ email: u.email, password: PASSWORD });
    expect(res.status).toBe(400);
    expect(res.body.jwt).toBeUndefined();
  });
});

describe('tokens', () => {
  it('refuses a blocked user’s token with 401, and accepts it again once unblocked', async () => {
    const u = await createUser(strapi);
    expect((await http.get('/users/users', u.jwt)).status).toBe(200);
    await strapi.db.query('plugin::users-permissions.user').update({ where: { id: u.id }, data: { blocked: true } });
    expectError(await http.get('/users/users', u.jwt), 401, 'UnauthorizedError');
    await strapi.db.query('plugin::users-permissions.user').update({ where: { id: u.id }, data: { blocked: false } });
    expect((await http.get('/users/users', u.jwt)).status).toBe(200);
  });

  it('refuses a deleted user’s token with 401', async () => {
    const u = await createUser(strapi);
    await strapi.db.query('plugin::users-permissions.user').delete({ where: { id: u.id } });
    expectError(await http.get('/users/users', u.jwt), 401, 'UnauthorizedError');
  });

  it('refuses garbage, forged, expired and alg-none tokens with 401', async () => {
    const u = await createUser(strapi);
    const forged = jwt.sign({ id: u.id }, 'another-secret');
    const expired = jwt.sign({ id: u.id, exp: Math.floor(Date.now() / 1000) - 60 }, process.env.JWT_SECRET as string);
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ id: u.id })).toString('base64url')}.`;
    for (const token of ['not.a.jwt', forged, expired, none]) {
      expectError(await http.get('/users/users', token), 401, 'UnauthorizedError');
    }
    // The plugin verifies with a KeyObject made from JWT_SECRET (src/auth/jwt-key.ts): a token
    // signed elsewhere with the plain string secret must still be accepted.
    const external = jwt.sign({ id: u.id }, process.env.JWT_SECRET as string, { expiresIn: '1h' });
    expect((await http.get('/users/users', external)).status).toBe(200);
  });

  it('accepts the x-access-token header and a `token` body field', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi);
    expect((await http.get('/users/users').set('x-access-token', a.jwt)).status).toBe(200);
    const viaBody = await http.post(`/users/follow/${b.id}`).send({ token: a.jwt });
    expect(viaBody.status).toBe(200);
    expect(viaBody.body.followedByMe).toBe(true);
  });

  it('lets an Authorization header win over the legacy places', async () => {
    const a = await createUser(strapi);
    const res = await http.get('/users/users').set('Authorization', 'Bearer not.a.jwt').set('x-access-token', a.jwt);
    expectError(res, 401);
  });

  it('never reads a token from the query string', async () => {
    const a = await createUser(strapi);
    for (const key of ['token', 'access_token', 'jwt']) {
      expectError(await http.get(`/users/users?${key}=${a.jwt}`), 403, 'ForbiddenError');
    }
  });

  it('answers 403 without a token on an authenticated route', async () => {
    expectError(await http.get('/users/users'), 403, 'ForbiddenError');
  });
});
