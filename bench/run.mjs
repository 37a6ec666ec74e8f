#!/usr/bin/env node
// Benchmark harness: seeds a large data set, loads the production server (dist/) and a raw
// floor server (bench/floor.mjs) on the same database with autocannon, and writes
// docs/PERFORMANCE.md. See that file for what is measured and the targets.
//   node bench/run.mjs [--quick] [--db postgres|sqlite|both] [--users N --posts N --likes N
//                      --viral N --heavy N --follows N --comments N --duration S --connections C]
//                      [--no-write]
import autocannon from 'autocannon';
import bcrypt from 'bcryptjs';
import jwt from 'jsonwebtoken';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomSecrets } from '../scripts/lib/secrets.js';
import { stopServer } from '../scripts/lib/server.js';
import { createDatabase, ROOT, startFloor, startStrapi } from './lib.mjs';
import { grantPublic, PASSWORD, seed } from './seed.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const quick = flag('quick');
const defaults = quick
  ? { users: 500, posts: 5000, likes: 50000, viral: 10000, heavy: 1000, follows: 5000, comments: 5000, duration: 3 }
  : { users: 10000, posts: 100000, likes: 1000000, viral: 200000, heavy: 20000, follows: 200000, comments: 100000, duration: 10 };
const sizes = Object.fromEntries(Object.entries(defaults).map(([k, v]) => [k, Number(opt(k, v))]));
const connections = Number(opt('connections', 32));
const dbArg = opt('db', 'postgres');
const kinds = dbArg === 'both' ? ['postgres', 'sqlite'] : [dbArg];
const command = `node bench/run.mjs ${argv.join(' ')}`.trim();
// Targets are ratios within one run, so they carry between machines: a p99 in milliseconds does
// not (the floor's own p99 was 20-45 ms on one machine and 112-186 ms on another).
const TARGET = { floorShare: { postgres: 0.75, sqlite: 0.5 }, coreFactor: 2, p99VsFloor: 1.25, flat: 1.5 };

const log = (s) => process.stderr.write(`${s}\n`);

// Login is CPU-bound bcrypt (~70 ms a call here): at 32 connections each call would queue for
// seconds, so it runs at LOGIN_CONNECTIONS and for at least 5 s, and is reported separately.
const LOGIN_CONNECTIONS = 4;

async function load(name, base, requests, duration, conns = connections) {
  const common = { url: base, connections: conns, timeout: 30, requests };
  await autocannon({ ...common, duration: Math.max(1, Math.round(duration / 3)) }); // warm-up
  const r = await autocannon({ ...common, duration });
  const total = r.requests.total;
  const non2xx = r.non2xx + r.errors + r.timeouts;
  const row = { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total, non2xx };
  log(`    ${name.padEnd(34)} ${String(Math.round(row.rps)).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  (${total} req, ${non2xx} non-2xx/errors)`);
  if (total === 0 || non2xx > total * 0.01) throw new Error(`${name} on ${base}: ${non2xx} of ${total} requests non-2xx or failed`);
  return row;
}

/** The scenarios, as autocannon request lists, for a server at `base`. */
function scenarios(s, secret) {
  const token = (id) => jwt.sign({ id }, secret, { expiresIn: '1h' });
  const auth = (id) => ({ authorization: `Bearer ${token(id)}` });
  const actorTokens = new Map(s.users.actors.map((id) => [id, auth(id)]));
  // Each connection likes then unlikes the viral post as an actor it holds for that cycle, so a
  // like always inserts and an unlike always deletes.
  // (autocannon also calls setupRequest when it builds its clients, without a response to
  // follow, so an empty pool falls back to round robin: at worst two connections share an actor
  // for a moment, which changes no status code.)
  const pool = [...s.users.actors];
  let rr = 0;
  const acquire = () => pool.shift() ?? s.users.actors[rr++ % s.users.actors.length];
  const cycle = (first, second) => [
    { method: 'POST', path: first, setupRequest: (req, c) => ((c.actor = acquire()), { ...req, headers: actorTokens.get(c.actor) }) },
    {
      method: 'POST', path: second,
      setupRequest: (req, c) => ({ ...req, headers: actorTokens.get(c.actor ?? s.users.actors[0]) }),
      onResponse: (status, body, c) => {
        if (c.actor !== undefined && !pool.includes(c.actor)) pool.push(c.actor);
      },
    },
  ];
  const emails = s.users.actors.map((id) => `user${id}@bench.example`);
  let next = 0;
  return {
    postViral: [{ method: 'GET', path: `/api/posts/${s.viral.documentId}` }],
    postUnliked: [{ method: 'GET', path: `/api/posts/${s.unliked.documentId}` }],
    coreViral: [{ method: 'GET', path: `/api/posts/core/${s.viral.documentId}` }],
    coreUnliked: [{ method: 'GET', path: `/api/posts/core/${s.unliked.documentId}` }],
    likeUnlike: cycle(`/api/posts/like/${s.viral.documentId}`, `/api/posts/unlike/${s.viral.documentId}`),
    followUnfollow: cycle(`/api/users/follow/${s.users.star}`, `/api/users/unfollow/${s.users.star}`),
    allPostsHeavy: [{ method: 'GET', path: '/api/posts/all_posts', headers: auth(s.users.heavy) }],
    allPostsLight: [{ method: 'GET', path: '/api/posts/all_posts', headers: auth(s.users.light) }],
    usersStar: [{ method: 'GET', path: '/api/users/users', headers: auth(s.users.star) }],
    usersNewcomer: [{ method: 'GET', path: '/api/users/users', headers: auth(s.users.newcomer) }],
    login: [{
      method: 'POST', path: '/api/users/login', headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ email: emails[next++ % emails.length], password: PASSWORD }) }),
    }],
  };
}

const ROUTES = [
  ['postViral', 'GET /api/posts/{viral}'],
  ['postUnliked', 'GET /api/posts/{unliked}'],
  ['likeUnlike', 'POST like + unlike (viral)'],
  ['followUnfollow', 'POST follow + unfollow (star)'],
  ['allPostsHeavy', 'GET all_posts (heavy user)'],
  ['allPostsLight', 'GET all_posts (light user)'],
  ['usersStar', 'GET users/users (star)'],
  ['usersNewcomer', 'GET users/users (newcomer)'],
  ['login', 'POST /api/users/login (4 connections)'],
];

async function checkShapes(strapiUrl, floorUrl, s) {
  // The floor must answer what the app answers (same shapes, same figures) for the read.
  const get = (base, p) => fetch(base + p).then((r) => r.json());
  const [ours, floor, core] = await Promise.all([
    get(strapiUrl, `/api/posts/${s.viral.documentId}`),
    get(floorUrl, `/api/posts/${s.viral.documentId}`),
    fetch(`${strapiUrl}/api/posts/core/${s.viral.documentId}`).then(async (r) => ({ status: r.status, body: await r.json() })),
  ]);
  const pick = (d) => JSON.stringify({ ...d, comments: d?.comments?.map((c) => c.id) });
  if (pick(ours.data) !== pick(floor.data)) throw new Error(`the floor's post differs from the app's:\n${pick(ours.data)}\n${pick(floor.data)}`);
  if (core.status !== 200) throw new Error(`the core route answered ${core.status}: ${JSON.stringify(core.body).slice(0, 400)}`);
  const likedBy = core.body.data?.likedBy;
  if (process.env.BENCH_VERBOSE) log(JSON.stringify(core.body).slice(0, 1500));
  return { coreLikes: likedBy?.count ?? likedBy, coreComments: core.body.data?.comments?.length };
}

async function runOne(kind) {
  log(`\n== ${kind} ==`);
  const db = await createDatabase(kind);
  const secrets = randomSecrets(); // the server and the load's tokens share JWT_SECRET
  let strapi;
  let floor;
  try {
    const boot = Date.now();
    strapi = await startStrapi(db, secrets); // creates the schema, roles and permissions
    log(`  schema created by the app in ${((Date.now() - boot) / 1000).toFixed(1)} s (${db.name})`);
    await stopServer(strapi);
    strapi = undefined;

    log('  seeding');
    const s = await seed(db, sizes);
    log(`  seeded in ${s.seconds.toFixed(1)} s: ${JSON.stringify(s.counts)}`);
    // The core route (bench/core-route.cjs) asks for the post read's permission, which Public
    // holds; here Public may also read users, which Strapi's populate validation requires to
    // populate the author. (Comments have no core find action, so Strapi's sanitizer drops the
    // comments populate: the core read does LESS work than ours.)
    await grantPublic(db, ['plugin::users-permissions.user.find']);

    const restart = Date.now();
    strapi = await startStrapi(db, secrets); // rebuilds and recounts the counters (src/db/derived)
    s.recountSeconds = (Date.now() - restart) / 1000;
    log(`  restarted in ${s.recountSeconds.toFixed(1)} s, counters recounted from the seeded rows`);
    floor = await startFloor(db, secrets);
    const core = await checkShapes(strapi.url, floor.url, s);
    log(`  shapes checked; core route: likedBy count ${core.coreLikes}, ${core.coreComments} comments`);

    const oursSc = scenarios(s, secrets.JWT_SECRET);
    const floorSc = scenarios(s, secrets.JWT_SECRET);
    const results = {};
    for (const [key, label] of ROUTES) {
      log(`  ${label}`);
      results[key] = {
        ours: await load(`ours  ${key}`, strapi.url, oursSc[key], key === 'login' ? Math.max(5, sizes.duration) : sizes.duration, key === 'login' ? LOGIN_CONNECTIONS : connections),
        floor: await load(`floor ${key}`, floor.url, floorSc[key], key === 'login' ? Math.max(5, sizes.duration) : sizes.duration, key === 'login' ? LOGIN_CONNECTIONS : connections),
      };
      for (const srv of [strapi, floor]) if (!srv.running()) throw new Error(`${srv.label} died:\n${srv.log()}`);
    }
    log('  core controller');
    results.postViral.core = await load('core  postViral', strapi.url, oursSc.coreViral, sizes.duration);
    results.postUnliked.core = await load('core  postUnliked', strapi.url, oursSc.coreUnliked, sizes.duration);

    const compareStart = process.hrtime.bigint();
    const N = 10;
    for (let i = 0; i < N; i++) await bcrypt.compare(PASSWORD, s.hash);
    const bcryptMs = Number(process.hrtime.bigint() - compareStart) / 1e6 / N;
    return { kind, seed: s, results, bcryptMs, core };
  } finally {
    await stopServer(floor);
    await stopServer(strapi);
    await db.drop().catch((e) => log(`  could not drop ${db.name}: ${e.message}`));
  }
}

const f0 = (x) => String(Math.round(x));
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const mark = (ok) => (ok ? 'met' : '**missed**');

function report(run) {
  const { results: r } = run;
  const floorShare = TARGET.floorShare[run.kind];
  const lines = [];
  const verdicts = [];
  lines.push(`| route | ours req/s | p50 ms | p99 ms | floor req/s | floor p99 ms | ours ÷ floor | ours ÷ core |`);
  lines.push(`|---|---:|---:|---:|---:|---:|---:|---:|`);
  for (const [key, label] of ROUTES) {
    const x = r[key];
    const share = x.ours.rps / x.floor.rps;
    const core = x.core ? `${f1(x.ours.rps / x.core.rps)} (core ${f0(x.core.rps)} req/s, p99 ${x.core.p99} ms)` : '';
    lines.push(`| ${label} | ${f0(x.ours.rps)} | ${x.ours.p50} | ${x.ours.p99} | ${f0(x.floor.rps)} | ${x.floor.p99} | ${f1(share)} | ${core} |`);
    if (key !== 'login') {
      const p99Ratio = x.ours.p99 / Math.max(x.floor.p99, 0.01);
      verdicts.push([`${label}: ≥ ${floorShare * 100}% of floor throughput`, `${(share * 100).toFixed(0)}%`, share >= floorShare]);
      verdicts.push([`${label}: p99 ≤ ${TARGET.p99VsFloor}× floor p99`, `${f1(p99Ratio)}× (${x.ours.p99} vs ${x.floor.p99} ms)`, p99Ratio <= TARGET.p99VsFloor]);
    }
    if (x.core) verdicts.push([`${label}: ≥ ${TARGET.coreFactor}x core controller`, `${f1(x.ours.rps / x.core.rps)}x`, x.ours.rps / x.core.rps >= TARGET.coreFactor]);
  }
  const flat = [
    ['post read: viral ÷ unliked p50', r.postViral.ours.p50, r.postUnliked.ours.p50],
    ['all_posts: heavy ÷ light p50', r.allPostsHeavy.ours.p50, r.allPostsLight.ours.p50],
    ['users/users: star ÷ newcomer p50', r.usersStar.ours.p50, r.usersNewcomer.ours.p50],
  ];
  const flatLines = ['| flat-cost check | ours (ms) | baseline (ms) | ratio | target | |', '|---|---:|---:|---:|---:|---|'];
  for (const [label, a, b] of flat) {
    const ratio = a / Math.max(b, 0.01);
    flatLines.push(`| ${label} | ${a} | ${b} | ${f1(ratio)} | ≤ ${TARGET.flat} | ${mark(ratio <= TARGET.flat)} |`);
    verdicts.push([`${label} ≤ ${TARGET.flat}`, f1(ratio), ratio <= TARGET.flat]);
  }
  return { table: lines.join('\n'), flat: flatLines.join('\n'), verdicts };
}

const machine = () => {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'} × ${cpus.length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.type()} ${os.release()}`;
};

async function main() {
  const started = Date.now();
  log(`bench: ${command}\n  sizes ${JSON.stringify(sizes)}, ${connections} connections`);
  const runs = [];
  for (const kind of kinds) runs.push(await runOne(kind));
  const total = (Date.now() - started) / 1000;

  const md = [];
  md.push('How it is measured: `bench/run.mjs` creates a fresh database, lets the production server');
  md.push('(compiled `dist/`, `NODE_ENV=production`, rate limits off) create the schema, seeds it through the');
  md.push('database layer (`bench/seed.mjs`), restarts the server and loads each route with autocannon at');
  md.push(`${connections} connections after a short warm-up. Each route is also served by the RAW FLOOR, \`bench/floor.mjs\`: a`);
  md.push('minimal Koa server with hand-written SQL on the same database, the same JWT check and the same JSON');
  md.push("shapes. The post read is also served by Strapi's CORE controller (`findOne` with populate,");
  md.push('`GET /api/posts/core/:id`, a route only the benchmark adds: `bench/core-route.cjs`).');
  md.push('');
  md.push('Targets, all ratios within one run: every hot route ≥ 75% of the floor throughput on PostgreSQL');
  md.push('(≥ 50% on SQLite) and a p99 ≤ 1.25× the floor\'s p99, at 32 connections, on every route but login;');
  md.push('the post read ≥ 2x the core controller; the three flat-cost ratios (viral ÷ unliked post read,');
  md.push('heavy ÷ light `all_posts`, star ÷ newcomer `users/users`, on p50 latency) ≤ 1.5.');
  md.push('Login is reported separately: its cost is bcrypt.');
  md.push('');
  md.push(`- Command: \`${command}\``);
  md.push(`- Machine: ${machine()}`);
  md.push(`- Date: ${new Date().toISOString()}; whole run ${total.toFixed(0)} s`);
  md.push(`- Load: ${connections} connections, ${sizes.duration} s per route per server (after a ${Math.max(1, Math.round(sizes.duration / 3))} s warm-up)`);
  md.push('');
  for (const run of runs) {
    const { table, flat, verdicts } = report(run);
    const c = run.seed.counts;
    md.push(`## ${run.kind === 'postgres' ? 'PostgreSQL' : 'SQLite'}`);
    md.push('');
    md.push(`Data: ${c.users} users, ${c.posts} posts, ${c.likes} likes (viral post ${c.viralLikes}), heavy user ${c.heavyPosts} posts, ` +
      `${c.follows} follows (each of 5 stars ${c.starFollowers}), ${c.comments} comments. Seeded in ${run.seed.seconds.toFixed(1)} s; the app then rebuilt and recounted its counters and started in ${run.seed.recountSeconds.toFixed(1)} s.`);
    md.push('');
    md.push(table);
    md.push('');
    md.push(`Login: one bcrypt.compare of the seeded hash (cost 10) takes ${run.bcryptMs.toFixed(1)} ms on one core here, which bounds login throughput.`);
    md.push('');
    md.push(flat);
    md.push('');
    const met = verdicts.filter((v) => v[2]);
    const missed = verdicts.filter((v) => !v[2]);
    md.push(`Targets met (${met.length}): ${met.map((v) => `${v[0]} (${v[1]})`).join('; ') || 'none'}.`);
    md.push('');
    md.push(`Targets **missed** (${missed.length}): ${missed.map((v) => `${v[0]} (${v[1]})`).join('; ') || 'none'}.`);
    md.push('');
  }
  const text = md.join('\n');
  process.stdout.write(`\n${text}\n`);
  if (!flag('no-write')) {
    // The measured part goes between the markers; the hand-written analysis around it stays.
    const file = path.join(ROOT, 'docs', 'PERFORMANCE.md');
    const [BEGIN, END] = ['<!-- bench:begin -->', '<!-- bench:end -->'];
    const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const [head, tail] = old.includes(BEGIN) && old.includes(END) ? [old.slice(0, old.indexOf(BEGIN)), old.slice(old.indexOf(END) + END.length)] : ['# Performance\n\n', '\n'];
    fs.writeFileSync(file, `${head}${BEGIN}\n${text}\n${END}${tail}`);
    log(`wrote docs/PERFORMANCE.md (${total.toFixed(0)} s)`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    log(`bench FAILED: ${error.stack ?? error}`);
    process.exit(1);
  }
);
