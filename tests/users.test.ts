import type { Core } from '@strapi/strapi';
import { expectError, expectNoSecrets } from './helpers/assertions';
import { createPost, createUser, uniq } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

describe('GET /users/users', () => {
  it('answers the own profile with counts and nothing else', async () => {
    const a = await createUser(strapi, { name: 'Bob' });
    const b = await createUser(strapi);
    await createPost(strapi, a);
    await http.post(`/users/follow/${a.id}`, b.jwt);
    const res = await http.get('/users/users', a.jwt);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: a.id,
      documentId: a.documentId,
      username: a.username,
      name: 'Bob',
      email: a.email,
      bio: '',
      avatar: null,
      createdAt: expect.any(String),
      followers: 1,
      following: 0,
      posts: 1,
    });
  });

  it('refuses filters on private fields with 400', async () => {
    const a = await createUser(strapi);
    expectError(await http.get('/users/users?filters[password][$startsWith]=$2', a.jwt), 400, 'ValidationError');
    expectError(await http.get('/users/users?sort=resetPasswordToken', a.jwt), 400, 'ValidationError');
  });
});

describe('GET /users/{email}', () => {
  it('finds the public profile, without the email, raw or encoded, in any case', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi, { name: 'Carol' });
    for (const path of [b.email, encodeURIComponent(b.email), b.email.toUpperCase()]) {
      const res = await http.get(`/users/${path}`, a.jwt);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: b.id,
        documentId: b.documentId,
        username: b.username,
        name: 'Carol',
        bio: '',
        avatar: null,
        createdAt: expect.any(String),
        followers: 0,
        following: 0,
        posts: 0,
        followedByMe: false,
        followsMe: false,
        blockedByMe: false,
        mutedByMe: false,
      });
    }
  });

  it('says followedByMe once the caller follows', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi);
    await http.post(`/users/follow/${b.id}`, a.jwt);
    expect((await http.get(`/users/${b.email}`, a.jwt)).body.followedByMe).toBe(true);
  });

  it('answers 404 for an unknown email and 403 without a token', async () => {
    const a = await createUser(strapi);
    expectError(await http.get(`/users/${uniq('nobody')}@example.com`, a.jwt), 404, 'NotFoundError');
    expectError(await http.get(`/users/${a.email}`), 403, 'ForbiddenError');
  });

  it('leaves the plugin’s /users/me to the plugin', async () => {
    const a = await createUser(strapi);
    const res = await http.get('/users/me', a.jwt);
    expect(res.status).toBe(200);
    expect(res.body.username).toBe(a.username);
    expect(res.body.followers).toBeUndefined();
    expectNoSecrets(res.body);
  });
});

describe('follow and unfollow', () => {
  it('follows by numeric id, documentId and email, with POST and GET', async () => {
    const a = await createUser(strapi);
    const targets = [await createUser(strapi), await createUser(strapi), await createUser(strapi)];
    const refs = [String(targets[0].id), targets[1].documentId, encodeURIComponent(targets[2].email)];
    for (const [i, ref] of refs.entries()) {
      const res = await (i === 1 ? http.get(`/users/follow/${ref}`, a.jwt) : http.post(`/users/follow/${ref}`, a.jwt));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: targets[i].id, followers: 1, followedByMe: true });
      expect(res.body.email).toBeUndefined();
    }
    expect((await http.get('/users/users', a.jwt)).body.following).toBe(3);
  });

  it('counts a second follow once, and unfollow twice is harmless', async () => {
    const a = await createUser(strapi);
    const b = await createUser(strapi);
    await http.post(`/users/follow/${b.id}`, a.jwt);
    const again = await http.post(`/users/follow/${b.id}`, a.jwt);
    expect(again.status).toBe(200);
    expect(again.body.followers).toBe(1);
    const un = await http.post(`/users/unfollow/${b.id}`, a.jwt);
    expect(un.status).toBe(200);
    expect(un.body).toMatchObject({ followers: 0, followedByMe: false });
    const unAgain = await http.get(`/users/unfollow/${b.id}`, a.jwt);
    expect(unAgain.status).toBe(200);
    expect(unAgain.body.followers).toBe(0);
  });

  it('refuses following oneself with 400', async () => {
    const a = await createUser(strapi);
    expectError(await http.post(`/users/follow/${a.id}`, a.jwt), 400, 'ValidationError');
    expectError(await http.post(`/users/follow/${a.documentId}`, a.jwt), 400, 'ValidationError');
  });

  it.each(['987654321', '99999999999999999999', '-1', 'doesnotexist000000000000', 'nobody%40example.com', "1%20OR%201%3D1"])(
    'answers 404 for a user that does not exist: %s',
    async (ref) => {
      const a = await createUser(strapi);
      expectError(await http.post(`/users/follow/${ref}`, a.jwt), 404, 'NotFoundError');
      expectError(await http.post(`/users/unfollow/${ref}`, a.jwt), 404, 'NotFoundError');
    }
  );

  it('needs a token', async () => {
    const b = await createUser(strapi);
    expectError(await http.post(`/users/follow/${b.id}`), 403, 'ForbiddenError');
    expectError(await http.post(`/users/unfollow/${b.id}`), 403, 'ForbiddenError');
  });
});
