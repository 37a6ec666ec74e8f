#!/usr/bin/env node
// The figures of docs/SCALING.md: what one app node and one PostgreSQL do with the benchmark's
// routes, and what the database alone sustains with the app's own queries. PostgreSQL only.
//   node bench/scaling.mjs [--requests 100] [--duration 10] [--connections 32] [--pgbench-clients 16] [--keep]
// (needs `npm run build` or a Jest run first: it runs dist/)
//
// 1. A fresh database, the app's schema, the benchmark's quick data set (bench/seed.mjs, SIZES.quick).
// 2. Per route, --requests requests one at a time (after a warm-up) against the production server
//    with bench/query-meter.cjs loaded: queries per request, database time per request as the app
//    sees it (knex to answer), wall time, and the CPU of the Node process and of the database's
//    backends (/proc/<pid>/stat) per request.
// 3. The mix (every route of step 2 but login, in turn on each connection) at --connections for
//    --duration seconds: throughput, latency, and the cores used by Node and by PostgreSQL.
// 4. pgbench on the same database with a script made of the SQL the app ran for one request of
//    each route of the mix (captured in step 2, bindings written in; the liker and the follower
//    drawn at random among the benchmark's actors), -M prepared, --pgbench-clients clients,
//    --duration seconds: the database alone, without the app.
// Prints markdown; writes the pgbench script to .tmp/scaling-mix.pgbench.sql.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { randomSecrets } from '../scripts/lib/secrets.js';
import { COMPILED_APP, startServer, stopServer, waitForHealth } from '../scripts/lib/server.js';
import { createDatabase, ROOT, startStrapi } from './lib.mjs';
import { seed, SIZES } from './seed.mjs';
import { numOpt, argv } from './cli.mjs';

const REQUESTS = numOpt('requests', 100);
const DURATION = numOpt('duration', 10);
const CONNECTIONS = numOpt('connections', 32);
const PGBENCH_CLIENTS = numOpt('pgbench-clients', 16);
const log = (s) => process.stderr.write(`${s}\n`);
const TICK = 100; // clock ticks per second (getconf CLK_TCK)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) of a process, or undefined once it is gone. */
function cpuOf(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return undefined;
  }
}

/**
 * The CPU seconds the backends of `database` (optionally of one application_name) use between
 * start() and stop(): their pids are polled every 100 ms, a backend that appears meanwhile counts
 * from zero, one that ends counts up to its last reading.
 */
function backendCpu(admin, database, application) {
  const first = new Map();
  const last = new Map();
  let timer;
  const poll = async () => {
    const { rows } = await admin.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND ($2::text IS NULL OR application_name = $2)`,
      [database, application ?? null]
    );
    for (const { pid } of rows) {
      const cpu = cpuOf(pid);
      if (cpu === undefined) continue;
      if (!first.has(pid)) first.set(pid, started ? 0 : cpu);
      last.set(pid, cpu);
    }
  };
  let started = false;
  return {
    async start() {
      await poll();
      started = true;
      const loop = async () => {
        await poll().catch(() => {});
        timer = setTimeout(loop, 100);
      };
      timer = setTimeout(loop, 100);
    },
    async stop() {
      clearTimeout(timer);
      await poll().catch(() => {});
      let total = 0;
      for (const [pid, end] of last) total += end - (first.get(pid) ?? 0);
      return total;
    },
  };
}

/** A SQL literal for pgbench: the binding written into the text. */
function literal(value) {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return `'${value.toISOString()}'`;
  if (Array.isArray(value)) return `'{${value.join(',')}}'`;
  return `'${String(value).replace(/'/g, "''")}'`;
}

/**
 * pgbench reads `:name` as a variable anywhere in a statement, string literals included (the
 * feed's to_char format 'HH24:MI:SS'): such a colon is written as chr(58), same value.
 */
const pgbenchSafe = (sql) =>
  sql.replace(/'(?:[^']|'')*'/g, (quoted) => (/:[A-Za-z0-9_]/.test(quoted) ? `(${quoted.split(':').join(`' || chr(58) || '`)})` : quoted));

const db = await createDatabase('postgres');
const secrets = randomSecrets();
const meterFile = path.join(os.tmpdir(), `query-meter-${process.pid}.json`);
const admin = new pg.Client(db.conn);
let server;
try {
  log('schema and quick data set …');
  server = await startStrapi(db, secrets);
  await stopServer(server);
  const s = await seed(db, SIZES.quick);
  server = await startServer({
    env: { ...process.env, ...secrets, ...db.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false', SERVE_ADMIN_PANEL: 'false', QUERY_METER_FILE: meterFile },
    args: [COMPILED_APP, path.join(ROOT, 'bench', 'query-meter.cjs')],
    output: { keep: 8000 },
    label: 'strapi',
  });
  await waitForHealth(server, 180_000);
  await admin.connect();

  const token = (id) => ({ authorization: `Bearer ${jwt.sign({ id }, secrets.JWT_SECRET, { expiresIn: '1h' })}` });
  const u = s.users;
  const reader = u.actors[0];
  const liker = u.actors[u.actors.length - 1];
  const json = { 'content-type': 'application/json' };
  const routes = [
    ['GET /api/posts/{unliked}', [{ method: 'GET', path: `/api/posts/${s.unliked.documentId}`, headers: token(reader) }]],
    ['GET /api/posts/{viral}', [{ method: 'GET', path: `/api/posts/${s.viral.documentId}`, headers: token(reader) }]],
    ['GET /api/posts/feed (follows 10)', [{ method: 'GET', path: '/api/posts/feed?limit=20', headers: token(u.feedSmall) }]],
    ['GET /api/posts/feed (follows 5,000)', [{ method: 'GET', path: '/api/posts/feed?limit=20', headers: token(u.feedBig) }]],
    ['GET /api/posts/public', [{ method: 'GET', path: '/api/posts/public?limit=20', headers: token(reader) }]],
    ['GET /api/users/{star}/followers', [{ method: 'GET', path: `/api/users/${u.star}/followers?limit=20`, headers: token(reader) }]],
    ['GET /api/posts/all_posts (light)', [{ method: 'GET', path: '/api/posts/all_posts', headers: token(u.light) }]],
    ['GET /api/users/users (star)', [{ method: 'GET', path: '/api/users/users', headers: token(u.star) }]],
    ['POST like + unlike (viral)', [
      { method: 'POST', path: `/api/posts/like/${s.viral.documentId}`, headers: token(liker) },
      { method: 'POST', path: `/api/posts/unlike/${s.viral.documentId}`, headers: token(liker) },
    ]],
    ['POST follow + unfollow (star)', [
      { method: 'POST', path: `/api/users/follow/${u.star}`, headers: token(liker) },
      { method: 'POST', path: `/api/users/unfollow/${u.star}`, headers: token(liker) },
    ]],
    ['POST /api/posts (newcomer)', [{ method: 'POST', path: '/api/posts', headers: { ...token(u.newcomer), ...json }, body: JSON.stringify({ title: 'Scaling probe', description: 'A post written by bench/scaling.mjs.' }) }]],
  ];

  const meter = async () => {
    fs.rmSync(meterFile, { force: true });
    process.kill(server.child.pid, 'SIGUSR2');
    for (let i = 0; i < 50 && !fs.existsSync(meterFile); i++) await sleep(20);
    await sleep(20);
    return JSON.parse(fs.readFileSync(meterFile, 'utf8'));
  };
  const send = async (req) => {
    const r = await fetch(server.url + req.path, { method: req.method, headers: req.headers, body: req.body });
    await r.arrayBuffer();
    if (r.status >= 300) throw new Error(`${req.method} ${req.path}: ${r.status}`);
  };

  // Step 2: one request at a time.
  log(`per route, ${REQUESTS} requests one at a time …`);
  const perRoute = [];
  const capturedSql = new Map();
  for (const [label, reqs] of routes) {
    for (let i = 0; i < 10; i++) for (const req of reqs) await send(req);
    await meter();
    for (const req of reqs) await send(req);
    capturedSql.set(label, (await meter()).captured);
    const before = await meter();
    const dbCpu = backendCpu(admin, db.name);
    await dbCpu.start();
    const nodeBefore = cpuOf(server.child.pid);
    const t0 = performance.now();
    let n = 0;
    for (let i = 0; i < REQUESTS; i++) for (const req of reqs) (await send(req), n++);
    const wall = performance.now() - t0;
    const nodeCpu = cpuOf(server.child.pid) - nodeBefore;
    const pgCpu = await dbCpu.stop();
    const after = await meter();
    const row = {
      label,
      queries: (after.queries - before.queries) / n,
      dbMs: (after.ms - before.ms) / n,
      wallMs: wall / n,
      nodeCpuMs: (nodeCpu * 1000) / n,
      pgCpuMs: (pgCpu * 1000) / n,
    };
    perRoute.push(row);
    log(`  ${label.padEnd(36)} ${row.queries.toFixed(1)} queries  db ${row.dbMs.toFixed(2)} ms  wall ${row.wallMs.toFixed(2)} ms  node cpu ${row.nodeCpuMs.toFixed(2)} ms  pg cpu ${row.pgCpuMs.toFixed(2)} ms`);
  }

  // Step 3: the mix under load. Each connection holds one actor for its like/unlike and follow/unfollow.
  log(`mix at ${CONNECTIONS} connections for ${DURATION} s …`);
  const actorTokens = u.actors.map((id) => token(id));
  let nextActor = 0;
  const mix = routes.filter(([label]) => !label.startsWith('POST /api/posts ')).flatMap(([label, reqs]) =>
    reqs.map((req) =>
      req.method === 'POST'
        ? { ...req, setupRequest: (r, c) => ((c.actor ??= actorTokens[nextActor++ % actorTokens.length]), { ...r, headers: c.actor }) }
        : req
    )
  );
  await autocannon({ url: server.url, connections: CONNECTIONS, duration: 3, requests: mix });
  const dbCpu = backendCpu(admin, db.name);
  await dbCpu.start();
  const nodeBefore = cpuOf(server.child.pid);
  const t0 = performance.now();
  const load = await autocannon({ url: server.url, connections: CONNECTIONS, duration: DURATION, requests: mix });
  const seconds = (performance.now() - t0) / 1000;
  const nodeCores = (cpuOf(server.child.pid) - nodeBefore) / seconds;
  const pgCores = (await dbCpu.stop()) / seconds;
  const mixRow = { rps: load.requests.average, p50: load.latency.p50, p99: load.latency.p99, non2xx: load.non2xx + load.errors + load.timeouts, total: load.requests.total, nodeCores, pgCores };
  log(`  ${Math.round(mixRow.rps)} req/s p50 ${mixRow.p50} ms p99 ${mixRow.p99} ms, node ${nodeCores.toFixed(2)} cores, postgres ${pgCores.toFixed(2)} cores, ${mixRow.non2xx} non-2xx of ${mixRow.total}`);

  // Step 4: the database alone, with the queries of one request of each route of the mix.
  const actorsLow = Math.min(...u.actors.slice(1));
  const actorsHigh = Math.max(...u.actors.slice(1));
  const lines = [`\\set actor random(${actorsLow}, ${actorsHigh})`];
  let perCycle = 0;
  for (const [label] of routes.filter(([label]) => !label.startsWith('POST /api/posts '))) {
    const writes = label.startsWith('POST');
    perCycle += writes ? 2 : 1;
    for (const { sql, bindings } of capturedSql.get(label)) {
      if (/^\s*(begin|commit|rollback|savepoint|release)/i.test(sql)) continue;
      const text = sql.replace(/\$(\d+)/g, (_, k) => {
        const value = bindings[Number(k) - 1];
        return writes && value === liker ? ':actor' : literal(value);
      });
      lines.push(`${pgbenchSafe(text.replace(/\s+/g, ' ').trim())};`);
    }
  }
  const script = path.join(ROOT, '.tmp', 'scaling-mix.pgbench.sql');
  fs.mkdirSync(path.dirname(script), { recursive: true });
  fs.writeFileSync(script, `${lines.join('\n')}\n`);
  log(`pgbench, ${PGBENCH_CLIENTS} clients, ${DURATION} s, ${lines.length - 1} statements per transaction (= ${perCycle} requests) …`);
  const pgbenchCpu = backendCpu(admin, db.name, 'pgbench');
  await pgbenchCpu.start();
  const p0 = performance.now();
  const child = spawn('pgbench', ['-h', db.conn.host, '-p', String(db.conn.port), '-U', db.conn.user, '-n', '-M', 'prepared', '-c', String(PGBENCH_CLIENTS), '-j', '2', '-T', String(DURATION), '-f', script, db.name], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  let clientCpu;
  const clientPoll = setInterval(() => (clientCpu = cpuOf(child.pid) ?? clientCpu), 100);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(clientPoll);
  const pSeconds = (performance.now() - p0) / 1000;
  const pgCoresBench = (await pgbenchCpu.stop()) / pSeconds;
  if (code !== 0) throw new Error(`pgbench failed:\n${out}`);
  const tps = Number((/tps = ([\d.]+)/.exec(out) ?? [])[1]);
  const latency = (/latency average = ([\d.]+) ms/.exec(out) ?? [])[1];
  log(out.trim().split('\n').slice(-6).join('\n'));

  // Step 5: the size of what grows with the data set, per row, tables with their indexes.
  const TABLES = ['up_users', 'posts', 'posts_author_lnk', 'posts_liked_by_lnk', 'up_users_following_lnk', 'comments', 'comments_post_lnk', 'social_home', 'social_pulled_follows', 'social_author_posts', 'social_post_comments', 'social_post_stats', 'social_user_stats'];
  await admin.query('ANALYZE');
  const sizes = [];
  for (const table of TABLES) {
    const { rows: [row] } = await admin.query(`SELECT count(*)::int AS n, pg_total_relation_size($1::regclass)::bigint AS bytes, pg_indexes_size($1::regclass)::bigint AS index_bytes FROM ${table}`, [table]);
    sizes.push({ table, rows: row.n, bytes: Number(row.bytes), indexBytes: Number(row.index_bytes) });
  }
  // The admin panel's search box (Content Manager: title contains, case-insensitive) has no index to use.
  // Execution time as PostgreSQL reports it (EXPLAIN ANALYZE), median of 5.
  const SEARCH = `EXPLAIN (ANALYZE, FORMAT JSON) SELECT id FROM posts WHERE title ILIKE '%no such words%' ORDER BY id DESC LIMIT 10`;
  const executionMs = async () => {
    const timed = [];
    for (let i = 0; i < 5; i++) timed.push((await admin.query(SEARCH)).rows[0]['QUERY PLAN'][0]['Execution Time']);
    return timed.sort((a, b) => a - b)[2];
  };
  const searchMs = await executionMs();
  // The same search with a trigram index (pg_trgm ships with PostgreSQL; this is a scratch database).
  let trigramMs;
  try {
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
    await admin.query('CREATE INDEX scaling_posts_title_trgm ON posts USING gin (title gin_trgm_ops)');
    await admin.query('ANALYZE posts');
    trigramMs = await executionMs();
  } catch (error) {
    log(`pg_trgm: ${error.message}`);
  }

  const f = (x, d = 2) => x.toFixed(d);
  console.log(`\n# bench/scaling.mjs — ${new Date().toISOString()}, ${os.cpus().length} cores (${os.cpus()[0].model}), PostgreSQL ${(await admin.query('SHOW server_version')).rows[0].server_version}`);
  console.log(`Data: SIZES.quick of bench/seed.mjs (${JSON.stringify(s.counts)})\n`);
  console.log('| route | queries / request | database ms / request (knex → answer) | wall ms / request | Node CPU ms / request | PostgreSQL CPU ms / request |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of perRoute) console.log(`| ${r.label} | ${f(r.queries, 1)} | ${f(r.dbMs)} | ${f(r.wallMs)} | ${f(r.nodeCpuMs)} | ${f(r.pgCpuMs)} |`);
  const mixRoutes = perRoute.filter((r) => !r.label.startsWith('POST /api/posts '));
  const weight = (r) => (r.label.startsWith('POST') ? 2 : 1);
  const total = mixRoutes.reduce((a, r) => a + weight(r), 0);
  const avg = (key) => mixRoutes.reduce((a, r) => a + r[key] * weight(r), 0) / total;
  console.log(`| **mix (each request of the rows above but post creation, once)** | ${f(avg('queries'), 1)} | ${f(avg('dbMs'))} | ${f(avg('wallMs'))} | ${f(avg('nodeCpuMs'))} | ${f(avg('pgCpuMs'))} |`);
  console.log(`\nMix at ${CONNECTIONS} connections, ${DURATION} s: ${Math.round(mixRow.rps)} req/s, p50 ${mixRow.p50} ms, p99 ${mixRow.p99} ms, ${mixRow.non2xx} non-2xx/errors of ${mixRow.total}; Node ${f(nodeCores)} cores, PostgreSQL backends ${f(pgCores)} cores.`);
  console.log(`\npgbench -M prepared -c ${PGBENCH_CLIENTS} -j 2 -T ${DURATION} -f .tmp/scaling-mix.pgbench.sql (${lines.length - 1} statements = ${perCycle} requests a transaction): ${f(tps, 1)} tps = ${Math.round(tps * perCycle)} requests/s of database work, latency average ${latency} ms; PostgreSQL backends ${f(pgCoresBench)} cores, pgbench itself ${clientCpu === undefined ? '?' : f(clientCpu)} CPU s.`);
  console.log('\n| table | rows | bytes / row (with indexes) | of which indexes | total MiB |');
  console.log('|---|---:|---:|---:|---:|');
  for (const r of sizes) console.log(`| ${r.table} | ${r.rows} | ${r.rows ? Math.round(r.bytes / r.rows) : '-'} | ${r.rows ? Math.round(r.indexBytes / r.rows) : '-'} | ${f(r.bytes / 2 ** 20, 1)} |`);
  const posts = sizes.find((r) => r.table === 'posts').rows;
  console.log(`\nAdmin search (title ILIKE '%…%', no match, EXPLAIN ANALYZE execution time, median of 5): ${f(searchMs)} ms over ${posts} posts (${f((searchMs / posts) * 1000, 3)} µs a post); with a pg_trgm GIN index on title: ${trigramMs === undefined ? 'not measured' : `${f(trigramMs)} ms`}.`);
  console.log(`\nJSON: ${JSON.stringify({ sizes, searchMs, trigramMs, perRoute, mix: mixRow, pgbench: { tps, perCycle, requestsPerSecond: tps * perCycle, pgCores: pgCoresBench, clients: PGBENCH_CLIENTS } })}`);
} finally {
  await stopServer(server);
  await admin.end().catch(() => {});
  fs.rmSync(meterFile, { force: true });
  if (argv.includes('--keep')) log(`kept database ${db.name}`);
  else await db.drop();
}
