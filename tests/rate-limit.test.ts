import type { Core } from '@strapi/strapi';
import { expectError } from './helpers/assertions';
import { createUser, uniq } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

let strapi: Core.Strapi;
let http: Api;

const MAX = 3;

useStrapi((s, h) => {
  strapi = s;
  http = h;
  // The suite runs with RATE_LIMIT_ENABLED=false; this file turns it on with a small budget.
  strapi.config.set('rate-limits.enabled', true);
  strapi.config.set('rate-limits.budgets.login', { max: MAX, intervalMs: 60_000 });
  strapi.config.set('rate-limits.budgets.auth', { max: MAX, intervalMs: 60_000 });
});

const login = (email: string, password = 'wrong-password') => http.post('/users/login').send({ email, password });

describe('POST /users/login is rate-limited', () => {
  it('per IP and email: the attempt after the budget is a 429, even with the right password', async () => {
    const u = await createUser(strapi);
    for (let i = 0; i < MAX; i++) expect((await login(u.email)).status).toBe(400);
    expectError(await login(u.email, u.password), 429, 'RateLimitError');
  });

  it('one budget per account across every route that checks a password, whether named by email or username', async () => {
    // A client IP of its own (through a trusted proxy), so only the per-account budget can answer 429 here.
    strapi.server.app.proxy = true;
    const from = (test: ReturnType<typeof http.post>) => test.set('X-Forwarded-For', '203.0.113.77');
    try {
      const u = await createUser(strapi);
      for (let i = 0; i < MAX; i++) expect((await from(http.post('/users/login')).send({ email: u.email, password: 'wrong-password' })).status).toBe(400);
      // Spent on /users/login: /auth/local refuses further guesses at the same account, by username too.
      expectError(await from(http.post('/auth/local')).send({ identifier: u.username, password: u.password }), 429, 'RateLimitError');
      expectError(await from(http.post('/auth/local')).send({ identifier: u.email.toUpperCase(), password: 'wrong-password' }), 429, 'RateLimitError');
      const change = { currentPassword: 'wrong-password', password: 'Brand-N3w-Secret!', passwordConfirmation: 'Brand-N3w-Secret!' };
      expectError(await from(http.post('/auth/change-password', u.jwt)).send(change), 429, 'RateLimitError');
      expectError(await from(http.delete('/users/users', u.jwt)).send({ password: 'wrong-password' }), 429, 'RateLimitError');
      // Another account from the same IP still has its budget.
      const other = await createUser(strapi);
      expect((await from(http.post('/auth/local')).send({ identifier: other.username, password: other.password })).status).toBe(200);
    } finally {
      strapi.server.app.proxy = false;
    }
  });

  it('per IP: cycling through emails does not escape the limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < MAX * 3 + 2; i++) statuses.push((await login(`${uniq('spray')}@example.com`)).status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 400).length).toBeLessThanOrEqual(MAX * 3);
  });

  it('the plugin’s /auth/local is limited too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < MAX + 1; i++) {
      statuses.push((await http.post('/auth/local').send({ identifier: `${uniq('x')}@example.com`, password: 'nope-nope' })).status);
    }
    expect(statuses[statuses.length - 1]).toBe(429);
  });
});
