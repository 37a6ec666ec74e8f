import zlib from 'node:zlib';
import { useBodyServer, waitFor } from './helpers/body-server';
import type { TestUser } from './helpers/fixtures';
import { trickle } from './helpers/raw-http';
import type { Api } from './helpers/strapi';

/**
 * A body that trickles in (slowloris) is cut off after BODY_TIMEOUT_MS with a 408 in the
 * envelope (src/middlewares/body-timeout.ts; issue 10). A server of its own with a short
 * timeout: hardening-bodies.test.ts keeps a long one, so that its big bodies never race it.
 */
const BODY_TIMEOUT_MS = 1_500;

let http: Api;
let user: TestUser;
const { errorLogs, leftOnDisk } = useBodyServer(BODY_TIMEOUT_MS, (server) => ({ http, user } = server));

describe('a body that trickles in', () => {
  const port = () => new URL(http.base).port;
  it.each([
    ['JSON', 'application/json', undefined],
    ['gzip JSON', 'application/json', 'gzip'],
    ['multipart', 'multipart/form-data; boundary=xXxBoundaryxXx', undefined],
  ])('%s: cut off with a 408 after BODY_TIMEOUT_MS, the connection closed', async (_what, type, encoding) => {
    const target = type.startsWith('multipart') ? '/api/upload' : '/api/users/login';
    const head = `POST ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nContent-Type: ${type}\r\n${encoding ? `Content-Encoding: ${encoding}\r\n` : ''}Content-Length: 1000\r\n\r\n`;
    const body = encoding ? zlib.gzipSync(Buffer.alloc(2000, 'a')).subarray(0, 1000) : Buffer.alloc(1000, 'a');
    const { text, closedAfterMs } = await trickle(http.base, head, body, 200, 20_000);
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toContain('"status":408');
    expect(closedAfterMs).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 100);
    expect(closedAfterMs).toBeLessThan(BODY_TIMEOUT_MS + 5_000);
    await waitFor(() => leftOnDisk().length === 0);
    expect(leftOnDisk()).toEqual([]);
    expect(errorLogs).toEqual([]);
  });

  it('a body that arrives in time is served as usual', async () => {
    const res = await http.post('/users/login').send({ email: user.email, password: user.password });
    expect(res.status).toBe(200);
  });
});
