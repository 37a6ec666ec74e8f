import http from 'node:http';
import { Client } from 'pg';
import { isPostgres, pgAdminConfig } from './helpers/env';
import { stopServer, waitForHealth } from '../scripts/lib/server';
import { startNode, type AppNode } from './helpers/node-process';
import { roundRobinProxy } from './helpers/round-robin-proxy';

/**
 * Two app processes on one fresh PostgreSQL database, started at the same moment, behind a
 * round-robin proxy. PostgreSQL only: SQLite is a single-node database.
 */
const describePg = isPostgres() ? describe : describe.skip;
jest.setTimeout(240_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(base: string, method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Json };
}

describePg('two nodes on one PostgreSQL', () => {
  const database = `social_nodes_${process.pid}_${Date.now()}`;
  let nodes: AppNode[] = [];
  let proxy: Awaited<ReturnType<typeof roundRobinProxy>>;

  beforeAll(async () => {
    const admin = new Client(pgAdminConfig());
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    const env = {
      DATABASE_CLIENT: 'postgres',
      DATABASE_NAME: database,
      RATE_LIMIT_ENABLED: 'false',
      SERVE_ADMIN_PANEL: 'false',
      LOG_FORMAT: 'json',
    };
    // Started together on an empty database: schema sync and seeding would race without the lock.
    nodes = await Promise.all([startNode(env), startNode(env)]);
    await Promise.all(nodes.map((node) => waitForHealth(node)));
    proxy = await roundRobinProxy(nodes.map((node) => node.url));
  });

  afterAll(async () => {
    await proxy?.close();
    await Promise.all(nodes.map((node) => stopServer(node)));
    const admin = new Client(pgAdminConfig());
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  });

  const db = async <T>(work: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ ...pgAdminConfig(), database });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };

  it('both started on the fresh database without duplicating seeded rows', async () => {
    const duplicates = await db((c) =>
      c.query(`SELECT p.action, l.role_id, count(*) FROM up_permissions p
               JOIN up_permissions_role_lnk l ON l.permission_id = p.id
               GROUP BY p.action, l.role_id HAVING count(*) > 1`)
    );
    expect(duplicates.rows).toEqual([]);
    const roles = await db((c) => c.query(`SELECT type, count(*)::int AS n FROM up_roles GROUP BY type`));
    for (const row of roles.rows) expect(row.n).toBe(1);
  });

  it('writes structured logs: one JSON object a line, with level, message and timestamp', async () => {
    const lines = nodes[0].stdout().split('\n').filter((line) => line.trim().startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const entry = JSON.parse(line) as { level?: string; message?: string; timestamp?: string | number };
      expect(typeof entry.level).toBe('string');
      expect(entry.message).toBeDefined();
      expect([line, Number.isNaN(new Date(entry.timestamp ?? '').getTime())]).toEqual([line, false]);
    }
    expect(lines.some((line) => line.includes('Strapi started successfully'))).toBe(true);
  });

  it('a token issued by one node is accepted by the other', async () => {
    const username = `node${Date.now()}`;
    const reg = await call(nodes[0].url, 'POST', '/auth/local/register', undefined, {
      username,
      email: `${username}@example.com`,
      password: 'Str0ng-Passw0rd!',
    });
    expect(reg.status).toBe(200);
    const login = await call(nodes[0].url, 'POST', '/users/login', undefined, { email: `${username}@example.com`, password: 'Str0ng-Passw0rd!' });
    expect((await call(nodes[1].url, 'GET', '/users/users', login.body.jwt)).status).toBe(200);
  });

  it('concurrent likes, follows and comments over both nodes give exact counts', async () => {
    const users = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const username = `load${i}x${Date.now()}`;
        const res = await call(proxy.url, 'POST', '/auth/local/register', undefined, {
          username,
          email: `${username}@example.com`,
          password: 'Str0ng-Passw0rd!',
        });
        expect(res.status).toBe(200);
        return { jwt: res.body.jwt as string, id: res.body.user.id as number };
      })
    );
    const [author, ...fans] = users;
    const post = (await call(proxy.url, 'POST', '/posts', author.jwt, { title: 'viral', description: 'd' })).body.data;
    const before = [...proxy.hits];
    const results = await Promise.all(
      fans.flatMap((fan, i) => [
        call(proxy.url, 'POST', `/posts/like/${post.documentId}`, fan.jwt),
        call(proxy.url, 'POST', `/posts/like/${post.id}`, fan.jwt),
        call(proxy.url, 'POST', `/users/follow/${author.id}`, fan.jwt),
        call(proxy.url, 'GET', `/users/follow/${author.id}`, fan.jwt),
        call(proxy.url, 'POST', `/posts/comment/${post.documentId}`, fan.jwt, { content: `comment ${i}` }),
      ])
    );
    expect(results.filter((r) => r.status >= 300)).toEqual([]);
    // Both nodes served part of the load.
    expect(proxy.hits[0] - before[0]).toBeGreaterThan(10);
    expect(proxy.hits[1] - before[1]).toBeGreaterThan(10);

    const read = await call(proxy.url, 'GET', `/posts/${post.documentId}`);
    expect(read.body.data).toMatchObject({ likes: fans.length, commentsCount: fans.length });
    const me = await call(proxy.url, 'GET', '/users/users', author.jwt);
    expect(me.body.followers).toBe(fans.length);
    const rows = await db((c) => c.query('SELECT count(*)::int AS n FROM posts_liked_by_lnk WHERE post_id = $1', [post.id]));
    expect(rows.rows[0].n).toBe(fans.length);
  });

  it('likes, unlikes, follows and unfollows racing over both nodes end at the ground truth', async () => {
    const register = async (i: number) => {
      const username = `race${i}x${Date.now()}`;
      const res = await call(proxy.url, 'POST', '/auth/local/register', undefined, {
        username,
        email: `${username}@example.com`,
        password: 'Str0ng-Passw0rd!',
      });
      return { jwt: res.body.jwt as string, id: res.body.user.id as number };
    };
    const users = await Promise.all(Array.from({ length: 10 }, (_, i) => register(i)));
    const posts = await Promise.all(
      users.slice(0, 3).map(async (u) => (await call(proxy.url, 'POST', '/posts', u.jwt, { title: 'race' })).body.data as { id: number })
    );
    // Each user runs its own random sequence (one request at a time, so its last action per
    // pair is the truth); all users run at once, spread over both nodes by the proxy.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const truthLikes = new Map<string, boolean>();
    const truthFollows = new Map<string, boolean>();
    const plans = users.map((u) =>
      Array.from({ length: 16 }, () => {
        if (random() < 0.5) {
          const post = posts[Math.floor(random() * posts.length)];
          return { kind: random() < 0.6 ? 'like' : 'unlike', user: u, target: post.id };
        }
        const other = users[Math.floor(random() * users.length)];
        return { kind: random() < 0.6 ? 'follow' : 'unfollow', user: u, target: other.id };
      }).filter((step) => !(step.kind.endsWith('follow') && step.target === step.user.id))
    );
    for (const plan of plans) {
      for (const step of plan) {
        const key = `${step.user.id}:${step.target}`;
        if (step.kind === 'like' || step.kind === 'unlike') truthLikes.set(key, step.kind === 'like');
        else truthFollows.set(key, step.kind === 'follow');
      }
    }
    const statuses: number[] = [];
    await Promise.all(
      plans.map(async (plan) => {
        for (const step of plan) {
          const path = step.kind.endsWith('like') ? `/posts/${step.kind}/${step.target}` : `/users/${step.kind}/${step.target}`;
          statuses.push((await call(proxy.url, 'POST', path, step.user.jwt)).status);
        }
      })
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    for (const post of posts) {
      const expected = [...truthLikes].filter(([key, liked]) => liked && key.endsWith(`:${post.id}`)).length;
      const rows = await db((c) => c.query('SELECT count(*)::int AS n FROM posts_liked_by_lnk WHERE post_id = $1', [post.id]));
      expect(rows.rows[0].n).toBe(expected);
      expect((await call(proxy.url, 'GET', `/posts/${post.id}`)).body.data.likes).toBe(expected);
    }
    for (const u of users) {
      const followers = [...truthFollows].filter(([key, on]) => on && key.endsWith(`:${u.id}`)).length;
      const following = [...truthFollows].filter(([key, on]) => on && key.startsWith(`${u.id}:`)).length;
      const me = (await call(proxy.url, 'GET', '/users/users', u.jwt)).body;
      expect([u.id, me.followers, me.following]).toEqual([u.id, followers, following]);
    }
  });

  it('an administrator’s permission change applies on the other node at its next request', async () => {
    const username = `perm${Date.now()}`;
    const reg = await call(nodes[0].url, 'POST', '/auth/local/register', undefined, {
      username,
      email: `${username}@example.com`,
      password: 'Str0ng-Passw0rd!',
    });
    const token = reg.body.jwt as string;
    const post = (await call(nodes[0].url, 'POST', '/posts', token, { title: 't' })).body.data;
    expect((await call(nodes[1].url, 'POST', `/posts/like/${post.id}`, token)).status).toBe(200);

    // What Settings → Users & Permissions → Roles does when a box is unticked: delete the row.
    const removed = await db((c) =>
      c.query(`DELETE FROM up_permissions p USING up_permissions_role_lnk l, up_roles r
               WHERE l.permission_id = p.id AND l.role_id = r.id AND r.type = 'authenticated'
                 AND p.action = 'api::post.post.like' RETURNING p.id`)
    );
    expect(removed.rowCount).toBe(1);
    // Permissions are read from the database on every request: no cache, so the bound is "next request".
    expect((await call(nodes[1].url, 'POST', `/posts/like/${post.id}`, token)).status).toBe(403);
    expect((await call(nodes[0].url, 'POST', `/posts/like/${post.id}`, token)).status).toBe(403);
  });

  it('SIGTERM drains requests in flight: none is cut, new ones are refused, the process exits 0', async () => {
    const node = nodes[1];
    const username = `drain${Date.now()}`;
    const email = `${username}@example.com`;
    const reg = await call(node.url, 'POST', '/auth/local/register', undefined, { username, email, password: 'Str0ng-Passw0rd!' });
    expect(reg.status).toBe(200);
    // Logins are slow on purpose (bcrypt), so 30 of them are still in flight 300 ms after they
    // were sent. Each uses its own connection: no keep-alive races blur the result.
    const login = () =>
      new Promise<string>((resolve) => {
        const body = JSON.stringify({ email, password: 'Str0ng-Passw0rd!' });
        const req = http.request(
          `${node.url}/api/users/login`,
          { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(String(res.statusCode)));
          }
        );
        req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
        req.end(body);
      });
    const inFlight = Array.from({ length: 30 }, login);
    await new Promise((resolve) => setTimeout(resolve, 300));
    node.child.kill('SIGTERM');
    // Once the drain has begun (it logs), a new connection is refused.
    while (!node.stdout().includes('SIGTERM received')) await new Promise((resolve) => setTimeout(resolve, 10));
    const late = await login();
    const outcomes = await Promise.all(inFlight);
    expect(await node.exited).toBe(0);
    // Every login the server handled (it logs each request as it completes) reached its client
    // as a 200: none was cut. Requests still in the kernel's accept queue when the listener
    // closed were never accepted and are reset or refused, as after any close().
    const handled = node
      .stdout()
      .split('\n')
      .filter((line) => line.includes('POST /api/users/login') && line.trim().startsWith('{'));
    expect(handled.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === '200')).toHaveLength(handled.length);
    expect(outcomes.filter((o) => !['200', 'ECONNRESET', 'ECONNREFUSED'].includes(o))).toEqual([]);
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(late);
  });
});
