import { Client } from 'pg';
import { isPostgres, pgAdminConfig } from './helpers/env';
import { stopServer, waitForHealth } from '../scripts/lib/server';
import { startNode, type AppNode } from './helpers/node-process';
import { faultyTcpProxy } from './helpers/tcp-proxy';

/**
 * The database goes away under a running server and comes back. PostgreSQL only; the outage is
 * a cut TCP proxy between the app and PostgreSQL, so the shared server keeps running.
 */
const describePg = isPostgres() ? describe : describe.skip;
jest.setTimeout(180_000);

describePg('PostgreSQL going away and coming back', () => {
  const database = `social_outage_${process.pid}_${Date.now()}`;
  let node: AppNode;
  let proxy: Awaited<ReturnType<typeof faultyTcpProxy>>;
  const admin = pgAdminConfig();

  beforeAll(async () => {
    const client = new Client(admin);
    await client.connect();
    await client.query(`CREATE DATABASE "${database}"`);
    await client.end();
    proxy = await faultyTcpProxy(admin.host, admin.port);
    node = await startNode({
      DATABASE_CLIENT: 'postgres',
      DATABASE_NAME: database,
      DATABASE_PORT: String(proxy.port),
      DATABASE_CONNECTION_TIMEOUT: '3000',
      RATE_LIMIT_ENABLED: 'false',
      SERVE_ADMIN_PANEL: 'false',
    });
    await waitForHealth(node);
  });

  afterAll(async () => {
    await stopServer(node);
    await proxy.close();
    const client = new Client(admin);
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.end();
  });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const started = Date.now();
    const res = await fetch(`${node.url}/api${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any>, ms: Date.now() - started }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('fails fast with 503 while the database is gone, and recovers without a restart', async () => {
    const username = `outage${Date.now()}`;
    const reg = await call('POST', '/auth/local/register', undefined, { username, email: `${username}@example.com`, password: 'Str0ng-Passw0rd!' });
    expect(reg.status).toBe(200);
    const token = reg.body.jwt as string;
    const post = (await call('POST', '/posts', token, { title: 'before the outage' })).body.data;

    await proxy.cut();
    const during = await Promise.all([
      call('GET', `/posts/${post.documentId}`),
      call('POST', `/posts/like/${post.documentId}`, token),
      call('GET', '/users/users', token),
      call('POST', '/posts', token, { title: 'during the outage' }),
    ]);
    for (const res of during) {
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ status: 503, name: 'ServiceUnavailableError' });
      expect(res.ms).toBeLessThan(10_000);
    }
    expect(node.child.exitCode).toBeNull();

    await proxy.restore();
    const restored = Date.now();
    let recovered: { status: number } | undefined;
    while (Date.now() - restored < 30_000) {
      recovered = await call('GET', `/posts/${post.documentId}`);
      if (recovered.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(recovered?.status).toBe(200);
    console.log(`db outage: 503s answered in ${during.map((r) => r.ms).join('/')} ms; recovered ${Date.now() - restored} ms after the database came back`);
    expect((await call('POST', `/posts/like/${post.documentId}`, token)).body.data.likes).toBe(1);
    expect(node.child.exitCode).toBeNull();
  });
});
