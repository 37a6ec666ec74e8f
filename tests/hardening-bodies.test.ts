import zlib from 'node:zlib';
import type { Core } from '@strapi/strapi';
import { useBodyServer, waitFor } from './helpers/body-server';
import type { TestUser } from './helpers/fixtures';
import { multipart, rawRequest } from './helpers/raw-http';
import type { Api } from './helpers/strapi';

/**
 * What an attack on the production build found in request handling (issue 10, defects 1, 5, 6
 * and the headers): each case failed before its fix. Every temporary part of a multipart body
 * is written to UPLOAD_TMP_DIR, a fresh folder here, so "nothing stays on disk" is checkable
 * (tests/helpers/body-server.ts).
 */
// Far longer than any body here needs: the body timeout has its own file (body-timeout.test.ts),
// with a short one. Sharing one short value, CI runs saw the 11 MB upload answered 408 before
// its 413 (at 1.5 s and at 3 s, where it takes 86 ms on an idle machine).
const BODY_TIMEOUT_MS = 60_000;

let strapi: Core.Strapi;
let http: Api;
let user: TestUser;
const { errorLogs, leftOnDisk } = useBodyServer(BODY_TIMEOUT_MS, (server) => ({ strapi, http, user } = server));

const envelope = (answer: { status: number; json: unknown }, status: number, name?: string) => {
  expect(answer.status).toBe(status);
  const body = answer.json as { data: unknown; error: { status: number; name: string; message: string } };
  expect(body.data).toBeNull();
  expect(body.error.status).toBe(status);
  if (name) expect(body.error.name).toBe(name);
};

describe('multipart bodies (the anonymous disk fill)', () => {
  it.each(['/api/users/login', '/api/nothing-here', '/api/posts', '/admin/login'])(
    'are refused with 415 on %s, where no route takes files, and nothing is written',
    async (target) => {
      const { body, contentType } = multipart('junk', Buffer.alloc(2 * 1024 * 1024, 1));
      const answer = await rawRequest(http.base, 'POST', target, { 'Content-Type': contentType, 'Content-Length': String(body.length) }, body);
      envelope(answer, 415, 'UnsupportedMediaTypeError');
      expect(leftOnDisk()).toEqual([]);
      expect(errorLogs).toEqual([]);
    }
  );

  it('over the size limit are refused with 413 while they stream, also where files are taken', async () => {
    const { body, contentType } = multipart('files', Buffer.alloc(11 * 1024 * 1024, 2));
    const answer = await rawRequest(http.base, 'POST', '/api/upload', { 'Content-Type': contentType, 'Content-Length': String(body.length) }, body).catch(
      // The server may close the connection before the client has sent everything.
      () => ({ status: 413, json: { data: null, error: { status: 413, name: 'PayloadTooLargeError' } }, headers: {}, text: '' })
    );
    envelope(answer, 413);
    await waitFor(() => leftOnDisk().length === 0);
    expect(leftOnDisk()).toEqual([]);
  });

  it('leave no temporary file behind on a route that takes files, whatever the field and the answer', async () => {
    // Public may not upload: the answer is a 403, after the parts were parsed.
    for (const field of ['junk', 'files']) {
      const { body, contentType } = multipart(field, Buffer.alloc(100 * 1024, 3));
      const answer = await rawRequest(http.base, 'POST', '/api/upload', { 'Content-Type': contentType }, body);
      expect(answer.status).toBe(403);
    }
    await waitFor(() => leftOnDisk().length === 0);
    expect(leftOnDisk()).toEqual([]);
  });

  it('with no boundary, or cut short, answer 400 (415 where no route takes files), logged as no error', async () => {
    const noBoundary = await rawRequest(http.base, 'POST', '/api/upload', { 'Content-Type': 'multipart/form-data' }, 'hello');
    envelope(noBoundary, 400, 'ValidationError');
    const { body, contentType } = multipart('files', Buffer.alloc(1000, 4));
    const cut = await rawRequest(http.base, 'POST', '/api/upload', { 'Content-Type': contentType }, body.subarray(0, 600));
    envelope(cut, 400, 'ValidationError');
    const elsewhere = await rawRequest(http.base, 'POST', '/api/posts', { 'Content-Type': 'multipart/form-data', Authorization: `Bearer ${user.jwt}` }, 'x');
    envelope(elsewhere, 415);
    expect(leftOnDisk()).toEqual([]);
    expect(errorLogs).toEqual([]);
  });
});

describe('bodies that claim an encoding they do not have', () => {
  const json = JSON.stringify({ email: 'a@example.com', password: 'whatever-it-is' });
  it.each(['gzip', 'deflate', 'br'])('Content-Encoding: %s on a plain body is a 400, with or without a token', async (encoding) => {
    for (const [target, token] of [['/api/users/login', undefined], ['/api/posts', user.jwt]] as const) {
      const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Encoding': encoding };
      if (token) headers.Authorization = `Bearer ${token}`;
      envelope(await rawRequest(http.base, 'POST', target, headers, json), 400, 'ValidationError');
    }
    expect(errorLogs).toEqual([]);
  });

  it('an unknown encoding is a 415; a real gzip body still works', async () => {
    envelope(await rawRequest(http.base, 'POST', '/api/users/login', { 'Content-Type': 'application/json', 'Content-Encoding': 'compress' }, json), 415);
    const gzipped = zlib.gzipSync(JSON.stringify({ title: 'zipped', description: 'it works' }));
    const answer = await rawRequest(http.base, 'POST', '/api/posts', {
      'Content-Type': 'application/json',
      'Content-Encoding': 'gzip',
      Authorization: `Bearer ${user.jwt}`,
    }, gzipped);
    expect(answer.status).toBe(201);
    expect(errorLogs).toEqual([]);
  });
});

describe('methods the API does not know', () => {
  it.each(['TRACE', 'PROPFIND', 'M-SEARCH'])('%s on an /api path is a 405 in the envelope, with Allow', async (method) => {
    for (const target of ['/api/posts/1', '/api/users/login', '/api/no-such-thing']) {
      const answer = await rawRequest(http.base, method, target);
      envelope(answer, 405, 'MethodNotAllowedError');
      expect(answer.headers.allow).toBeDefined();
    }
    const known = await rawRequest(http.base, 'TRACE', '/api/users/login');
    expect(String(known.headers.allow)).toContain('POST');
  });
});

describe('headers', () => {
  it('no X-Powered-By', async () => {
    const res = await http.get('/posts/doesnotexist000000000000');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('HSTS only when the request came over TLS (here: through a trusted proxy)', async () => {
    expect((await http.get('/posts/nope')).headers['strict-transport-security']).toBeUndefined();
    const untrusted = await http.raw().get('/api/posts/nope').set('X-Forwarded-Proto', 'https');
    expect(untrusted.headers['strict-transport-security']).toBeUndefined();
    strapi.server.app.proxy = true;
    try {
      const trusted = await http.raw().get('/api/posts/nope').set('X-Forwarded-Proto', 'https');
      expect(trusted.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      strapi.server.app.proxy = false;
    }
  });
});
