import type { Core } from '@strapi/strapi';
import { expectError } from './helpers/assertions';
import { createUser } from './helpers/fixtures';
import { useStrapi, type Api } from './helpers/strapi';

let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

describe('headers', () => {
  it('sends security headers on API answers', async () => {
    const res = await http.get('/posts/doesnotexist000000000000');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBeDefined();
    expect(res.headers['content-security-policy']).toBeDefined();
    // Strict-Transport-Security only over TLS: tests/hardening-bodies.test.ts.
  });

  it('answers CORS preflights as configured, without credentials', async () => {
    const res = await http
      .raw()
      .options('/api/posts')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,x-access-token');
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBeDefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('x-access-token');
  });

  it('lets a browser app on another origin read the cursor lists’ Link header', async () => {
    const res = await http.raw().get('/api/posts/public?limit=1').set('Origin', 'https://app.example.com');
    expect(res.status).toBe(200);
    expect(String(res.headers['access-control-expose-headers']).toLowerCase()).toContain('link');
  });
});

describe('the plugin’s user listing', () => {
  it('is not open to Public or Authenticated: no emails or hashes leak', async () => {
    const u = await createUser(strapi);
    for (const token of [undefined, u.jwt]) {
      expectError(await http.get('/users', token), 403, 'ForbiddenError');
      expectError(await http.get(`/users/${u.id}`, token), 403, 'ForbiddenError');
      expectError(await http.get('/users/count', token), 403, 'ForbiddenError');
    }
  });
});
