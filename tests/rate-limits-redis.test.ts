import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { isPostgres, pgAdminConfig } from './helpers/env';
import { ownRedis, type OwnRedis } from './helpers/redis-server';
import { stopServer, waitForHealth } from '../scripts/lib/server';
import { startNode, type AppNode } from './helpers/node-process';

/**
 * Two app processes sharing one database and one Redis (a redis-server of this spec's own, on a
 * free port): a budget of N is exactly N across both nodes, whichever node each request reaches,
 * sequential or concurrent. Then Redis goes away (killed) and comes back: requests are served
 * without limits and without a 5xx, each node warns once, and sharing resumes by itself.
 * On PostgreSQL the nodes start together on a fresh database; on SQLite one after the other on a
 * fresh file (SQLite serves several processes of one machine, but two processes writing at the same
 * moment get SQLITE_BUSY, so concurrent requests here go to a route that writes nothing).
 */
jest.setTimeout(240_000);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Answer = { status: number; body: Json; headers: Headers; node: number };

const POSTS_MAX = 7;
const REGISTER_MAX = 6;
/** The plugin's other /auth/* routes: per route and IP (RATE_LIMIT_MAX). */
const AUTH_MAX = 7;
const WARNING = 'Rate limits: Redis is unreachable';

const database = isPostgres() ? `social_rl_${process.pid}_${Date.now()}` : path.join(os.tmpdir(), `social-rl-${process.pid}-${Date.now()}.db`);
const dbEnv: Record<string, string> = isPostgres()
  ? { DATABASE_CLIENT: 'postgres', DATABASE_NAME: database }
  : { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: database };

let redis: OwnRedis;
let nodes: AppNode[] = [];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(node: number, method: string, url: string, token?: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${nodes[node].url}/api${url}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as Json, headers: res.headers, node };
}

/** A node for each request: random, but both nodes serve some of every run. */
function spread(count: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i % 2);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

const remainingOf = (a: Answer) => a.headers.get('x-ratelimit-remaining');
const post = (node: number, jwt: string, i: number) => call(node, 'POST', '/posts', jwt, { title: `rate ${i}`, description: '' });
const forgot = (node: number, i: number) => call(node, 'POST', '/auth/forgot-password', undefined, { email: `nobody${i}@example.com` });

beforeAll(async () => {
  if (isPostgres()) {
    const admin = new Client(pgAdminConfig());
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
  }
  redis = await ownRedis();
  const env = {
    ...dbEnv,
    RATE_LIMIT_ENABLED: 'true',
    REDIS_URL: redis.url,
    RATE_LIMIT_POSTS_MAX: String(POSTS_MAX),
    RATE_LIMIT_REGISTER_MAX: String(REGISTER_MAX),
    RATE_LIMIT_MAX: String(AUTH_MAX),
    SERVE_ADMIN_PANEL: 'false',
    LOG_FORMAT: 'json',
  };
  if (isPostgres()) {
    nodes = await Promise.all([startNode(env), startNode(env)]);
    await Promise.all(nodes.map((node) => waitForHealth(node)));
  } else {
    nodes = [await startNode(env)];
    await waitForHealth(nodes[0]);
    nodes.push(await startNode(env));
    await waitForHealth(nodes[1]);
  }
});

afterAll(async () => {
  await Promise.all(nodes.map((node) => stopServer(node)));
  await redis?.stop();
  if (isPostgres()) {
    const admin = new Client(pgAdminConfig());
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
  } else {
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(database + suffix, { force: true });
  }
});

const users: string[] = [];

describe('two nodes, one Redis', () => {
  it(`registering: ${REGISTER_MAX} per IP across both nodes, counted down in order whichever node answers`, async () => {
    const answers: Answer[] = [];
    for (const node of spread(REGISTER_MAX + 3)) {
      const username = `rl${Date.now()}${answers.length}`;
      answers.push(await call(node, 'POST', '/auth/local/register', undefined, { username, email: `${username}@example.com`, password: 'Str0ng-Passw0rd!' }));
    }
    expect(answers.map((a) => a.status)).toEqual([...Array(REGISTER_MAX).fill(200), 429, 429, 429]);
    expect(answers.map(remainingOf)).toEqual([...Array.from({ length: REGISTER_MAX }, (_, i) => String(REGISTER_MAX - 1 - i)), '0', '0', '0']);
    expect(answers.every((a) => a.headers.get('x-ratelimit-limit') === String(REGISTER_MAX))).toBe(true);
    expect(answers[REGISTER_MAX].body.error.name).toBe('RateLimitError');
    expect(new Set(answers.map((a) => a.node))).toEqual(new Set([0, 1]));
    users.push(...answers.filter((a) => a.status === 200).map((a) => a.body.jwt as string));
  });

  it(`posts, one request at a time: exactly ${POSTS_MAX} across both nodes`, async () => {
    const answers: Answer[] = [];
    for (const node of spread(POSTS_MAX + 3)) answers.push(await post(node, users[0], answers.length));
    expect(answers.map((a) => a.status)).toEqual([...Array(POSTS_MAX).fill(201), 429, 429, 429]);
    expect(answers.slice(0, POSTS_MAX).map(remainingOf)).toEqual(Array.from({ length: POSTS_MAX }, (_, i) => String(POSTS_MAX - 1 - i)));
  });

  it(`all at once: exactly ${AUTH_MAX} of ${AUTH_MAX * 3} concurrent requests over both nodes get through`, async () => {
    const answers = await Promise.all(spread(AUTH_MAX * 3).map((node, i) => forgot(node, i)));
    expect(answers.filter((a) => a.status !== 200 && a.status !== 429)).toEqual([]);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(AUTH_MAX);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(AUTH_MAX * 2);
    // Each remaining count was handed out once.
    const remaining = answers.filter((a) => a.status === 200).map((a) => Number(remainingOf(a)));
    expect(remaining.sort((x, y) => x - y)).toEqual(Array.from({ length: AUTH_MAX }, (_, i) => i));
  });

  // PostgreSQL only: on SQLite, two processes writing at the same moment get SQLITE_BUSY.
  (isPostgres() ? it : it.skip)(`posts, all at once: exactly ${POSTS_MAX} of ${POSTS_MAX * 3} concurrent posts of one user over both nodes`, async () => {
    const answers = await Promise.all(spread(POSTS_MAX * 3).map((node, i) => post(node, users[1], i)));
    expect(answers.filter((a) => a.status !== 201 && a.status !== 429)).toEqual([]);
    expect(answers.filter((a) => a.status === 201)).toHaveLength(POSTS_MAX);
  });
});

describe('Redis going away and coming back', () => {
  it('while Redis is down, requests are served without limits and without a 5xx; each node warns once', async () => {
    await redis.stop();
    const answers: Answer[] = [];
    for (const node of spread(POSTS_MAX * 2)) answers.push(await post(node, users[2], answers.length));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    // Concurrent ones too, past the budget.
    const burst = await Promise.all(spread(AUTH_MAX * 3).map((node, i) => forgot(node, i)));
    expect(burst.map((a) => a.status)).toEqual(burst.map(() => 200));
    answers.push(...burst);
    expect(answers.filter((a) => a.headers.get('x-ratelimit-limit') !== null)).toEqual([]);
    const unknown = await call(0, 'POST', '/users/login', undefined, { email: 'nobody@example.com', password: 'wrong-password' });
    expect(unknown.status).toBe(400);
    for (const node of nodes) {
      const warnings = node.stdout().split('\n').filter((line) => line.includes(WARNING));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0]).level).toBe('warn');
    }
  });

  it('when Redis is back, both nodes share the budget again by themselves', async () => {
    await redis.start();
    // ioredis reconnects within its retry delay (at most 2 s); wait until each node counts again.
    for (const node of [0, 1]) {
      const deadline = Date.now() + 20_000;
      let answer = await post(node, users[3], 0);
      while (answer.headers.get('x-ratelimit-limit') === null && Date.now() < deadline) {
        await sleep(250);
        answer = await post(node, users[3], 0);
      }
      expect(answer.headers.get('x-ratelimit-limit')).toBe(String(POSTS_MAX));
    }
    const answers: Answer[] = [];
    for (const node of spread(POSTS_MAX + 3)) answers.push(await post(node, users[4], answers.length));
    expect(answers.map((a) => a.status)).toEqual([...Array(POSTS_MAX).fill(201), 429, 429, 429]);
    // Still one warning per node: the outage was logged once, its end too.
    for (const node of nodes) {
      expect(node.stdout().split('\n').filter((line) => line.includes(WARNING))).toHaveLength(1);
      expect(node.stdout()).toContain('Rate limits: Redis is back');
    }
  });

  it('a Redis that stops answering (SIGSTOP) costs at most RATE_LIMIT_REDIS_TIMEOUT_MS per request, then fails open', async () => {
    const pid = redis.pid();
    if (!pid) throw new Error('no redis-server');
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const answers = [await post(0, users[5], 0), await post(1, users[5], 1)];
      expect(answers.map((a) => a.status)).toEqual([201, 201]);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
