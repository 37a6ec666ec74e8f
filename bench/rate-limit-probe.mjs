#!/usr/bin/env node
// What the rate limiter costs: two limited routes loaded with autocannon on the production server
// with limits off, on in memory, and on in Redis (a redis-server of its own on a free port):
// - POST /api/posts with an empty body: the limiter runs (after authentication), then the
//   controller answers 400 without touching the database, so the route's own work is smallest
//   and the limiter's share largest;
// - POST /api/posts/like/:id, a like the user already has: a real write path.
// The budgets are made too large to run out, so every request does the limiter's work.
// With --rounds 2 the modes run in order, then in reverse (A B C C B A), and each figure is the
// mean of its runs, so a machine getting busier or quieter does not favour one mode.
//   node bench/rate-limit-probe.mjs [--db sqlite|postgres] [--duration S] [--connections N] [--rounds R]
// Needs `npm run build` (dist/) and, for the Redis row, `redis-server` on the PATH.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import autocannon from 'autocannon';
import { randomSecrets } from '../scripts/lib/secrets.js';
import { stopServer } from '../scripts/lib/server.js';
import { createDatabase, startStrapi } from './lib.mjs';
import { opt } from './cli.mjs';

const kind = opt('db', 'sqlite');
const duration = Number(opt('duration', 5));
const connections = Number(opt('connections', 16));
const rounds = Number(opt('rounds', 1));
const HUGE = '1000000000';

const freePort = () =>
  new Promise((resolve) => {
    const l = net.createServer();
    l.listen(0, '127.0.0.1', () => {
      const { port } = l.address();
      l.close(() => resolve(port));
    });
  });

async function startRedis() {
  if (spawnSync('redis-server', ['--version']).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

const json = async (url, init) => {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...init?.headers } });
  return { status: res.status, headers: res.headers, body: await res.json() };
};

const db = await createDatabase(kind);
const secrets = randomSecrets();
const redis = await startRedis();
const modes = [
  ['limits off', { RATE_LIMIT_ENABLED: 'false' }],
  ['limits on, memory', { RATE_LIMIT_ENABLED: 'true', REDIS_URL: '' }],
  ...(redis ? [['limits on, Redis', { RATE_LIMIT_ENABLED: 'true', REDIS_URL: redis.url }]] : []),
];
const results = [];
let strapi;
try {
  const order = Array.from({ length: rounds }, (_, r) => (r % 2 === 0 ? modes : [...modes].reverse())).flat();
  for (const [label, env] of order) {
    strapi = await startStrapi(db, secrets, { env: { ...env, RATE_LIMIT_REGISTER_MAX: HUGE, RATE_LIMIT_SOCIAL_MAX: HUGE, RATE_LIMIT_POSTS_MAX: HUGE } });
    const username = `probe${Date.now()}${results.length}`;
    const reg = await json(`${strapi.url}/api/auth/local/register`, {
      method: 'POST',
      body: JSON.stringify({ username, email: `${username}@example.com`, password: 'Str0ng-Passw0rd!' }),
    });
    const auth = { authorization: `Bearer ${reg.body.jwt}` };
    const post = await json(`${strapi.url}/api/posts`, { method: 'POST', headers: auth, body: JSON.stringify({ title: 'probe' }) });
    const routes = [
      ['POST /posts {} (400)', `${strapi.url}/api/posts`, '{}'],
      ['POST /posts/like/:id', `${strapi.url}/api/posts/like/${post.body.data.documentId}`, undefined],
    ];
    for (const [route, url, body] of routes) {
      const first = await json(url, { method: 'POST', headers: auth, body });
      const limited = first.headers.get('x-ratelimit-limit') !== null;
      const headers = { ...auth, 'content-type': 'application/json' };
      await autocannon({ url, method: 'POST', headers, body, connections, duration: 1 });
      const r = await autocannon({ url, method: 'POST', headers, body, connections, duration });
      results.push({ label, route, rps: r.requests.average });
      console.log(
        `${route.padEnd(22)} ${label.padEnd(18)} ${String(Math.round(r.requests.average)).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  status ${first.status}  X-RateLimit-* ${limited ? 'yes' : 'no'}`
      );
    }
    await stopServer(strapi);
    strapi = undefined;
  }
  // The server is CPU-bound at these loads: 1/throughput is its time per request.
  const mean = (label, route) => {
    const runs = results.filter((x) => x.label === label && x.route === route);
    return { label, route, rps: runs.reduce((sum, x) => sum + x.rps, 0) / runs.length };
  };
  const routes = [...new Set(results.map((x) => x.route))];
  if (rounds > 1) for (const [label] of modes) for (const route of routes) console.log(`mean ${route}, ${label}: ${Math.round(mean(label, route).rps)} req/s`);
  for (const r of modes.slice(1).flatMap(([label]) => routes.map((route) => mean(label, route)))) {
    const base = mean(modes[0][0], r.route);
    const cost = ((base.rps - r.rps) / base.rps) * 100;
    const perRequestUs = (1 / r.rps - 1 / base.rps) * 1e6;
    console.log(`${r.route}, ${r.label}: ${cost.toFixed(1)}% fewer req/s than limits off (${Math.round(perRequestUs)} µs of server time per request)`);
  }
} finally {
  if (strapi) await stopServer(strapi);
  redis?.stop();
  await db.drop();
}
