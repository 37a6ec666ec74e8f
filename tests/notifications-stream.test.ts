import { randomUUID } from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { Client } from 'pg';
import { stopServer, waitForHealth } from '../scripts/lib/server';
import { closeNotificationStreams } from '../src/server/notification-stream';
import { isPostgres, pgAdminConfig } from './helpers/env';
import { openEventStream, type EventStream } from './helpers/event-stream';
import { createPost, createUser, type TestUser } from './helpers/fixtures';
import { startNode, type AppNode } from './helpers/node-process';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * GET /api/notifications/stream (src/server/notification-stream.ts): Server-Sent Events on this
 * database in-process (SQLite: the poll; PostgreSQL: LISTEN/NOTIFY), its heartbeat, the per-user
 * limit, tokens, blocked and deleted users, the end of every stream at shutdown; and on
 * PostgreSQL two app processes, where a like through one reaches a stream held by the other.
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)), {
  NOTIFICATION_STREAM_HEARTBEAT_MS: '300',
  NOTIFICATION_STREAMS_PER_USER: '2',
  NOTIFICATION_STREAM_RECHECK_MS: '300',
});
jest.setTimeout(240_000);

const open: EventStream[] = [];
const stream = async (token?: string) => {
  const s = await openEventStream(`${http.base}/api/notifications/stream`, token);
  open.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
const users = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(strapi)));
const like = async (user: TestUser, post: { documentId: string }) => expect((await http.post(`/posts/like/${post.documentId}`, user.jwt)).status).toBe(200);

describe('the stream on one node', () => {
  it('answers text/event-stream, unbuffered, and a like arrives within 2 s as a `notification` event', async () => {
    const [a, b] = await users(2);
    const post = await createPost(strapi, a);
    const s = await stream(a.jwt);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(s.headers.get('x-accel-buffering')).toBe('no');
    expect(s.headers.get('cache-control')).toContain('no-transform');
    expect(s.headers.get('content-encoding')).toBeNull();
    const started = Date.now();
    await like(b, post);
    const event = await s.next((e) => e.event === 'notification', 2000);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(event).not.toBeNull();
    const data = JSON.parse(event!.data);
    expect(data).toMatchObject({ type: 'like', read: false, actor: { id: b.id, username: b.username }, post: { id: post.id, documentId: post.documentId }, comment: null });
    expect(event!.id).toBe(String(data.id));
    // The same notification the list shows.
    expect((await http.get('/notifications', a.jwt)).body.data[0]).toEqual(data);
  });

  it('writes from the Document Service reach the stream too; own actions and muted actors send nothing', async () => {
    const [a, b, muted] = await users(3);
    const post = await createPost(strapi, a);
    await strapi.db.query('plugin::users-permissions.user').update({ where: { id: a.id }, data: { muting: { connect: [muted.id] } } });
    const s = await stream(a.jwt);
    await like(a, post);
    await like(muted, post);
    await strapi.documents('api::comment.comment').create({ data: { content: 'from the admin', author: b.documentId, post: post.documentId, hidden: false } });
    const event = await s.next((e) => e.event === 'notification', 2000);
    expect(JSON.parse(event!.data)).toMatchObject({ type: 'comment', actor: { id: b.id }, comment: { content: 'from the admin' } });
    expect(await s.next((e) => e.event === 'notification', 700)).toBeNull();
  });

  it('sends heartbeat comments', async () => {
    const [a] = await users(1);
    const s = await stream(a.jwt);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(s.comments.filter((c) => c === 'keep-alive').length).toBeGreaterThanOrEqual(2);
  });

  it('allows a few streams per user: one more is a 429 in the envelope; closing one frees its place', async () => {
    const [a, b] = await users(2);
    const first = await stream(a.jwt);
    await stream(a.jwt);
    const third = await stream(a.jwt);
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ data: null, error: { status: 429, name: 'RateLimitError' } });
    expect((await stream(b.jwt)).status).toBe(200);
    await first.close();
    let again: EventStream | undefined;
    for (let i = 0; i < 20 && again?.status !== 200; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await stream(a.jwt);
    }
    expect(again?.status).toBe(200);
  });

  it('needs a valid token: none is a 403, a bad or a blocked user’s a 401', async () => {
    const [blocked] = await users(1);
    await strapi.db.query('plugin::users-permissions.user').update({ where: { id: blocked.id }, data: { blocked: true } });
    expect((await stream()).status).toBe(403);
    expect((await stream('not.a.token')).status).toBe(401);
    expect((await stream(blocked.jwt)).status).toBe(401);
    // A token in the query string is not one.
    const res = await http.raw().get(`/api/notifications/stream?token=${blocked.jwt}`);
    expect(res.status).toBe(403);
  });

  it('ends the stream of a user a moderator blocks, and of a deleted user', async () => {
    const [blocked, deleted] = await users(2);
    const s1 = await stream(blocked.jwt);
    const s2 = await stream(deleted.jwt);
    expect([s1.status, s2.status]).toEqual([200, 200]);
    await strapi.db.query('plugin::users-permissions.user').update({ where: { id: blocked.id }, data: { blocked: true } });
    await strapi.db.query('plugin::users-permissions.user').delete({ where: { id: deleted.id } });
    expect(await s1.ended(2000)).toBe(true);
    expect(await s2.ended(2000)).toBe(true);
  });

  it('ends every open stream at once when the node shuts down', async () => {
    const [a, b] = await users(2);
    const streams = [await stream(a.jwt), await stream(b.jwt)];
    const started = Date.now();
    await closeNotificationStreams(strapi);
    for (const s of streams) expect(await s.ended(1000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

const describePg = isPostgres() ? describe : describe.skip;

describePg('two nodes on one PostgreSQL', () => {
  const database = `social_stream_${process.pid}_${Date.now()}`;
  let nodes: AppNode[] = [];

  beforeAll(async () => {
    const admin = new Client(pgAdminConfig());
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    const env = { DATABASE_CLIENT: 'postgres', DATABASE_NAME: database, RATE_LIMIT_ENABLED: 'false', SERVE_ADMIN_PANEL: 'false', SHUTDOWN_TIMEOUT_MS: '20000' };
    nodes = await Promise.all([startNode(env), startNode(env)]);
    await Promise.all(nodes.map((node) => waitForHealth(node)));
  });

  afterAll(async () => {
    await Promise.all(nodes.map((node) => stopServer(node)));
    const admin = new Client(pgAdminConfig());
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  });

  async function call(node: AppNode, method: string, path: string, token?: string, body?: unknown) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${node.url}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  const register = async (node: AppNode) => {
    const username = `u${randomUUID().slice(0, 12).replace(/-/g, '')}`;
    const res = await call(node, 'POST', '/auth/local/register', undefined, { username, email: `${username}@example.com`, password: 'Str0ng-Passw0rd!' });
    expect(res.status).toBe(200);
    return { jwt: res.body.jwt as string, id: res.body.user.id as number };
  };

  it('a like through one node reaches a stream held by the other within 2 s', async () => {
    const [one, two] = nodes;
    const author = await register(one);
    const fan = await register(two);
    const post = await call(one, 'POST', '/posts', author.jwt, { title: 'two nodes', description: '' });
    expect(post.status).toBe(201);
    const s = await openEventStream(`${two.url}/api/notifications/stream`, author.jwt);
    try {
      expect(s.status).toBe(200);
      const delays: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const started = Date.now();
        expect((await call(one, 'POST', `/posts/${i % 2 === 0 ? 'like' : 'unlike'}/${post.body.data.documentId}`, fan.jwt)).status).toBe(200);
        if (i % 2 === 1) continue;
        const event = await s.next((e) => e.event === 'notification', 2000);
        expect(event).not.toBeNull();
        expect(JSON.parse(event!.data)).toMatchObject({ type: 'like', actor: { id: fan.id }, post: { documentId: post.body.data.documentId } });
        delays.push(Date.now() - started);
      }
      expect(Math.max(...delays)).toBeLessThan(2000);
      // A follow through the stream's own node arrives as well.
      expect((await call(two, 'POST', `/users/follow/${author.id}`, fan.jwt)).status).toBe(200);
      expect(JSON.parse((await s.next((e) => e.event === 'notification', 2000))!.data)).toMatchObject({ type: 'follow' });
    } finally {
      await s.close();
    }
  });

  it('a node shutting down ends its open streams at once, not after the drain timeout', async () => {
    const two = nodes[1];
    const user = await register(two);
    const s = await openEventStream(`${two.url}/api/notifications/stream`, user.jwt);
    expect(s.status).toBe(200);
    const started = Date.now();
    const stopped = stopServer(two);
    expect(await s.ended(5000)).toBe(true);
    await stopped;
    // SHUTDOWN_TIMEOUT_MS is 20 s: the stream did not hold the drain.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

