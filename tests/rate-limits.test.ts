import type { Core } from '@strapi/strapi';
import type { Response } from 'supertest';
import { expectError } from './helpers/assertions';
import { createPost, createUser, PASSWORD, uniq, type TestUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * The write budgets of API.md Part 2, "Rate limits", on one node (the in-memory store): headers on
 * every answer of a limited route, a 429 RateLimitError with Retry-After over budget, per user
 * with a token and per IP without, and which routes share a budget. Small budgets, set at run
 * time over config/rate-limits.ts (the suite runs with RATE_LIMIT_ENABLED=false).
 * Two nodes sharing Redis, and Redis going away: tests/rate-limits-redis.test.ts.
 */
let strapi: Core.Strapi;
let http: Api;

const WINDOW_MS = 30 * 60_000;
const budgets = {
  register: { max: 2, intervalMs: 60 * 60_000 },
  posts: { max: 3, intervalMs: WINDOW_MS },
  comments: { max: 3, intervalMs: WINDOW_MS },
  media: { max: 3, intervalMs: WINDOW_MS },
  social: { max: 5, intervalMs: WINDOW_MS },
  reports: { max: 2, intervalMs: 60 * 60_000 },
  login: { max: 10, intervalMs: 60_000 },
  auth: { max: 2, intervalMs: 60_000 },
};

useStrapi((s, h) => {
  strapi = s;
  http = h;
  strapi.config.set('rate-limits.enabled', true);
  strapi.config.set('rate-limits.budgets', budgets);
});

/** The X-RateLimit-* headers, checked for form. */
function rateHeaders(res: Response) {
  const limit = res.headers['x-ratelimit-limit'];
  const remaining = res.headers['x-ratelimit-remaining'];
  const reset = res.headers['x-ratelimit-reset'];
  expect([limit, remaining]).toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+$/)]);
  expect(reset).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  return { limit: Number(limit), remaining: Number(remaining), reset: Date.parse(reset) };
}

const newPost = (user: TestUser) => http.post('/posts', user.jwt).send({ title: uniq('t'), description: 'd' });

/** Through a trusted proxy, as a client at `ip` (the app's TRUST_PROXY). */
async function asClient<T>(work: (from: (test: ReturnType<Api['post']>, ip: string) => ReturnType<Api['post']>) => Promise<T>): Promise<T> {
  strapi.server.app.proxy = true;
  try {
    return await work((test, ip) => test.set('X-Forwarded-For', ip));
  } finally {
    strapi.server.app.proxy = false;
  }
}

describe('write budgets', () => {
  it('posts: Limit and Remaining count down on every answer, the one over budget is a 429 with Retry-After, and each user has a budget of their own', async () => {
    const u = await createUser(strapi);
    const before = Date.now();
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const res = await newPost(u);
      expect(res.status).toBe(201);
      seen.push(rateHeaders(res));
    }
    expect(seen.map((s) => [s.limit, s.remaining])).toEqual([[3, 2], [3, 1], [3, 0]]);
    for (const s of seen) {
      expect(s.reset).toBeGreaterThan(before);
      expect(s.reset).toBeLessThanOrEqual(Date.now() + WINDOW_MS + 1000);
    }
    // One window: every answer names the same reset time (to the second).
    expect(Math.abs(seen[2].reset - seen[0].reset)).toBeLessThan(1500);

    const over = await newPost(u);
    expectError(over, 429, 'RateLimitError');
    expect(rateHeaders(over)).toMatchObject({ limit: 3, remaining: 0 });
    const retryAfter = Number(over.headers['retry-after']);
    expect(over.headers['retry-after']).toMatch(/^\d+$/);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    // Nothing was written by the refused request.
    const mine = await http.get(`/users/${u.id}/posts`, u.jwt);
    expect(mine.status).toBe(200);

    // Editing a post spends the same budget.
    const v = await createUser(strapi);
    const post = await createPost(strapi, v);
    expect((await http.put(`/posts/${post.documentId}`, v.jwt).send({ title: 'edited' })).status).toBe(200);
    const first = await newPost(v);
    expect(first.status).toBe(201);
    expect(rateHeaders(first).remaining).toBe(1);
  });

  it('likes, unlikes, follows and unfollows (POST and GET) spend one shared budget', async () => {
    const [u, author] = [await createUser(strapi), await createUser(strapi)];
    const post = await createPost(strapi, author);
    const steps = [
      () => http.post(`/posts/like/${post.documentId}`, u.jwt),
      () => http.post(`/posts/unlike/${post.documentId}`, u.jwt),
      () => http.post(`/users/follow/${author.id}`, u.jwt),
      () => http.get(`/users/unfollow/${author.id}`, u.jwt),
      () => http.get(`/users/follow/${author.id}`, u.jwt),
    ];
    const remaining = [];
    for (const step of steps) {
      const res = await step();
      expect(res.status).toBe(200);
      remaining.push(rateHeaders(res).remaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);
    expectError(await http.post(`/users/unfollow/${author.id}`, u.jwt), 429, 'RateLimitError');
    expectError(await http.post(`/posts/like/${post.documentId}`, u.jwt), 429, 'RateLimitError');
    // Other budgets are untouched: the user can still post.
    expect((await newPost(u)).status).toBe(201);
  });

  it('comments: commenting and editing a comment share a budget; reports on posts and comments share another', async () => {
    const [u, author] = [await createUser(strapi), await createUser(strapi)];
    const post = await createPost(strapi, author);
    const c1 = await http.post(`/posts/comment/${post.documentId}`, u.jwt).send({ content: 'one' });
    expect(c1.status).toBe(201);
    expect(rateHeaders(c1)).toMatchObject({ limit: 3, remaining: 2 });
    const id = c1.body.data.documentId ?? c1.body.data.id;
    const edit = await http.put(`/comments/${id}`, u.jwt).send({ content: 'edited' });
    expect(edit.status).toBe(200);
    expect(rateHeaders(edit).remaining).toBe(1);
    expect((await http.post(`/posts/comment/${post.documentId}`, u.jwt).send({ content: 'two' })).status).toBe(201);
    expectError(await http.post(`/posts/comment/${post.documentId}`, u.jwt).send({ content: 'three' }), 429, 'RateLimitError');

    const other = await createUser(strapi);
    const r1 = await http.post(`/posts/report/${post.documentId}`, other.jwt).send({ reason: 'spam' });
    expect([200, 201]).toContain(r1.status);
    expect(rateHeaders(r1)).toMatchObject({ limit: 2, remaining: 1 });
    const r2 = await http.post(`/comments/report/${id}`, other.jwt).send({ reason: 'abuse' });
    expect([200, 201]).toContain(r2.status);
    expect(rateHeaders(r2).remaining).toBe(0);
    expectError(await http.post(`/comments/report/${id}`, other.jwt).send({ reason: 'abuse' }), 429, 'RateLimitError');
  });

  it('registering: per IP, whatever the email; another IP has its own budget', async () => {
    const register = (ip: string) =>
      asClient((from) => {
        const username = uniq('reg');
        return from(http.post('/auth/local/register'), ip).send({ username, email: `${username}@example.com`, password: PASSWORD });
      });
    const a = [await register('198.51.100.1'), await register('198.51.100.1'), await register('198.51.100.1')];
    expect(a.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(a.map((r) => rateHeaders(r).remaining)).toEqual([1, 0, 0]);
    expect(rateHeaders(a[0]).limit).toBe(2);
    expectError(a[2], 429, 'RateLimitError');
    expect(Number(a[2].headers['retry-after'])).toBeGreaterThan(0);
    expect((await register('198.51.100.2')).status).toBe(200);
  });

  it('without a token the budget is per IP: the plugin’s other /auth/* routes are limited per route and IP, with the same headers', async () => {
    const forgot = (ip: string) => asClient((from) => from(http.post('/auth/forgot-password'), ip).send({ email: `${uniq('f')}@example.com` }));
    const answers = [await forgot('198.51.100.9'), await forgot('198.51.100.9'), await forgot('198.51.100.9')];
    // Varying the email does not give a fresh budget.
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(answers.map((r) => rateHeaders(r).remaining)).toEqual([1, 0, 0]);
    expectError(answers[2], 429, 'RateLimitError');
    expect((await forgot('198.51.100.10')).status).toBe(200);
  });

  it('a request the permission check refuses spends nothing and carries no rate headers', async () => {
    const refused = await http.post('/posts').send({ title: 'no token' });
    expect(refused.status).toBe(403);
    expect(refused.headers['x-ratelimit-limit']).toBeUndefined();
    // Unlimited routes carry none either.
    const u = await createUser(strapi);
    expect((await http.get('/users/users', u.jwt)).headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('a window ends: the budget is whole again after it', async () => {
    strapi.config.set('rate-limits.budgets.posts', { max: 1, intervalMs: 1000 });
    try {
      const u = await createUser(strapi);
      expect((await newPost(u)).status).toBe(201);
      const over = await newPost(u);
      expectError(over, 429, 'RateLimitError');
      expect(Number(over.headers['retry-after'])).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, Number(over.headers['retry-after']) * 1000 + 200));
      const again = await newPost(u);
      expect(again.status).toBe(201);
      expect(rateHeaders(again)).toMatchObject({ limit: 1, remaining: 0 });
    } finally {
      strapi.config.set('rate-limits.budgets.posts', budgets.posts);
    }
  });

  it('RATE_LIMIT_ENABLED=false: no limit and no headers', async () => {
    strapi.config.set('rate-limits.enabled', false);
    try {
      const u = await createUser(strapi);
      for (let i = 0; i < budgets.posts.max + 2; i++) {
        const res = await newPost(u);
        expect(res.status).toBe(201);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    } finally {
      strapi.config.set('rate-limits.enabled', true);
    }
  });

  it('the API description lists the 429 on every limited route', async () => {
    const doc = (await http.get('/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    for (const [method, path] of [
      ['post', '/posts'],
      ['put', '/posts/{id}'],
      ['post', '/posts/like/{id}'],
      ['get', '/users/follow/{id}'],
      ['post', '/posts/comment/{id}'],
      ['post', '/comments/report/{id}'],
      ['post', '/auth/local/register'],
      ['post', '/users/login'],
    ]) {
      expect([method, path, Object.keys(doc.paths[path]?.[method]?.responses ?? {})]).toEqual([method, path, expect.arrayContaining(['429'])]);
    }
  });
});
