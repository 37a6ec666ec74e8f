#!/usr/bin/env node
// The limiter's own cost per request, without HTTP or Strapi around it: the compiled
// enforce() of src/rate-limit/limits.ts (dist/), called as the route middleware calls it, with
// the in-memory store and with Redis (a redis-server of its own on a free port), one caller or
// many. Less exposed to a busy machine than an HTTP load test (bench/rate-limit-probe.mjs).
//   node bench/rate-limit-cost.mjs [--calls N]
// Needs dist/ (npm run build, or any Jest run).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './lib.mjs';

const require = createRequire(import.meta.url);
const { enforce, closeRateLimits, startRateLimits } = require(path.join(ROOT, 'dist', 'src', 'rate-limit', 'limits.js'));

const argv = process.argv.slice(2);
const calls = Number(argv[argv.indexOf('--calls') + 1] || 50_000);

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
  await new Promise((r) => setTimeout(r, 300));
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

const fakeStrapi = (redisUrl) => {
  const settings = { enabled: true, redis: { url: redisUrl, timeoutMs: 500, prefix: 'bench:' }, budgets: {} };
  return { config: { get: () => settings }, log: { warn: console.warn, info: () => {} } };
};
const budget = { max: 1e9, intervalMs: 1_800_000 };
const ctx = (caller) => ({ set() {}, state: {}, request: { ip: '127.0.0.1' }, caller });

/** µs per call, `concurrency` callers in flight at once, each its own key when `keys` > 1. */
async function measure(strapi, concurrency, keys) {
  let next = 0;
  const worker = async () => {
    while (next < calls) {
      const i = next++;
      await enforce(strapi, ctx(), [{ name: 'posts', budget, key: `user:${i % keys}` }]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker)); // warm-up
  next = 0;
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  return { wall: Number(process.hrtime.bigint() - started) / 1000 / calls, cpu: (used.user + used.system) / calls };
}

const redis = await startRedis();
try {
  for (const [label, url] of [['memory', ''], ...(redis ? [['Redis', redis.url]] : [])]) {
    const strapi = fakeStrapi(url);
    startRateLimits(strapi);
    if (url) await new Promise((r) => setTimeout(r, 500)); // connected and ready
    for (const [concurrency, keys] of [[1, 1], [16, 10_000]]) {
      const { wall, cpu } = await measure(strapi, concurrency, keys);
      console.log(`${label.padEnd(7)} ${String(concurrency).padStart(2)} in flight, ${String(keys).padStart(5)} callers: ${cpu.toFixed(1)} µs of this process's CPU, ${wall.toFixed(1)} µs wall, per request`);
    }
    await closeRateLimits(strapi);
  }
} finally {
  redis?.stop();
}
