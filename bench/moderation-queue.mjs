#!/usr/bin/env node
// The moderation queue's first page against the unliked post read (issue 15): 10,000 open
// reports over 3,000 posts on PostgreSQL, both routes loaded in the same run with autocannon.
// Target: the queue's p99 within 2x the post read's p99.
//   node bench/moderation-queue.mjs [--db postgres|sqlite] [--reports N --items N] [--duration S --connections C] [--probe] [--cpu-prof DIR] [--keep]
// --cpu-prof DIR writes the server's CPU profile (node --cpu-prof) into DIR when it stops; --keep
// leaves the seeded database behind (its name is printed) for EXPLAIN ANALYZE.
// Needs dist/ (npm run build, or a Jest run, compiles it).
import autocannon from 'autocannon';
import { randomSecrets } from '../scripts/lib/secrets.js';
import { stopServer } from '../scripts/lib/server.js';
import { createDatabase, queryDb, startStrapi } from './lib.mjs';
import { opt, argv } from './cli.mjs';

const kind = opt('db', 'postgres');
const REPORTS = Number(opt('reports', 10_000));
const ITEMS = Number(opt('items', 3_000));
const USERS = 1_000;
const duration = Number(opt('duration', 10));
const connections = Number(opt('connections', 8));
const cpuProf = opt('cpu-prof', '');
const log = (s) => process.stderr.write(`${s}\n`);

async function load(name, url, headers) {
  const common = { url, connections, timeout: 30, headers };
  await autocannon({ ...common, duration: Math.max(1, Math.round(duration / 3)) });
  const r = await autocannon({ ...common, duration });
  const non2xx = r.non2xx + r.errors + r.timeouts;
  log(`  ${name.padEnd(28)} ${String(Math.round(r.requests.average)).padStart(6)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  (${r.requests.total} req, ${non2xx} non-2xx)`);
  if (r.requests.total === 0 || non2xx > 0) throw new Error(`${name}: ${non2xx} of ${r.requests.total} requests failed`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

/** Seeds with set-based SQL (PostgreSQL), after Strapi made the schema. */
async function seed(db) {
  if (db.kind !== 'postgres') throw new Error('the seed is written for PostgreSQL');
  const q = (sql, params) => queryDb(db, sql, params);
  const doc = (expr) => `substr(md5(${expr}), 1, 24)`;
  await q(`INSERT INTO up_users (document_id, username, email, provider, password, confirmed, blocked, created_at, updated_at, published_at)
           SELECT ${doc(`'u' || g`)}, 'benchuser' || g, 'benchuser' || g || '@bench.example', 'local', 'x', true, false, now(), now(), now()
             FROM generate_series(1, ${USERS}) g`);
  const [{ min: firstUser }] = await q(`SELECT min(id) FROM up_users`);
  await q(`INSERT INTO posts (document_id, title, description, hidden, open_reports, created_at, updated_at, published_at)
           SELECT ${doc(`'p' || g`)}, 'Reported post ' || g, repeat('Buy now, limited offer. ', 8), false, 0, now() - (g || ' minutes')::interval, now(), now()
             FROM generate_series(1, ${ITEMS + 1}) g`);
  await q(`INSERT INTO posts_author_lnk (post_id, user_id) SELECT p.id, $1::int + (p.id % ${USERS}) FROM posts p`, [firstUser]);
  // ITEMS posts share REPORTS reports: every post gets floor(REPORTS / ITEMS), the first ones one more.
  await q(`INSERT INTO reports (document_id, reason, details, state, target, created_at, updated_at, published_at)
           SELECT ${doc(`'r' || g`)}, 'spam', 'details ' || g, 'open', 'post', now() - (g || ' seconds')::interval, now(), now()
             FROM generate_series(1, ${REPORTS}) g`);
  const [{ min: firstReport }] = await q(`SELECT min(id) FROM reports`);
  const [{ min: firstPost }] = await q(`SELECT min(id) FROM posts`);
  await q(`INSERT INTO reports_post_lnk (report_id, post_id) SELECT r.id, $2::int + ((r.id - $1::int) % ${ITEMS}) FROM reports r`, [firstReport, firstPost]);
  await q(`INSERT INTO reports_reporter_lnk (report_id, user_id) SELECT r.id, $2::int + ((r.id - $1::int) / ${ITEMS}) % ${USERS} FROM reports r`, [firstReport, firstUser]);
  await q(`UPDATE posts p SET open_reports = (SELECT count(*) FROM reports_post_lnk l JOIN reports r ON r.id = l.report_id WHERE l.post_id = p.id AND r.state = 'open')`);
  await q(`ANALYZE`);
  const [unliked] = await q(`SELECT document_id FROM posts WHERE open_reports = 0 ORDER BY id DESC LIMIT 1`);
  return unliked.document_id;
}

async function moderatorToken(base, superToken) {
  const call = async (method, url, body, token) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()).data;
  };
  const role = (await call('GET', '/admin/roles', undefined, superToken)).find((r) => r.code === 'social-moderator');
  const email = 'moderator@example.com';
  const password = 'M0derat0r-Passw0rd!';
  const created = await call('POST', '/admin/users', { firstname: 'Mo', lastname: 'Derator', email, roles: [role.id] }, superToken);
  await call('POST', '/admin/register', { registrationToken: created.registrationToken, userInfo: { firstname: 'Mo', lastname: 'Derator', password } });
  return (await call('POST', '/admin/login', { email, password })).token;
}

async function main() {
  const db = await createDatabase(kind);
  const secrets = randomSecrets();
  let strapi;
  try {
    strapi = await startStrapi(db, secrets, { nodeArgs: cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`] : [] });
    log(`seeding ${REPORTS} open reports over ${ITEMS} posts (${kind})`);
    const unliked = await seed(db);
    const register = await fetch(`${strapi.url}/admin/register-admin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ firstname: 'Bench', lastname: 'Admin', email: 'bench@example.com', password: 'Bench-Passw0rd!' }),
    });
    if (register.status !== 200) throw new Error(`register-admin: ${register.status} ${await register.text()}`);
    const superToken = (await register.json()).data.token;
    // The load runs as a moderator (the Moderator role, a dozen permissions), as in production:
    // the admin authentication builds the user's abilities on every request, and a super admin's
    // hundreds of permissions cost several times more than the queue itself.
    const token = await moderatorToken(strapi.url, superToken);
    const auth = { authorization: `Bearer ${token}` };
    const first = await (await fetch(`${strapi.url}/moderation/queue`, { headers: auth })).json();
    if (first.data?.length !== 20 || first.data[0].openReports < 3) throw new Error(`unexpected queue page: ${JSON.stringify(first).slice(0, 300)}`);
    if ((await fetch(`${strapi.url}/api/posts/${unliked}`)).status !== 200) throw new Error('the post read is not public');
    if (argv.includes('--probe')) {
      // Sequential latencies, to see where the time goes: the admin authentication alone, a
      // one-card page, a full page.
      for (const [name, url, headers] of [
        ['post read', `/api/posts/${unliked}`],
        ['admin users/me', '/admin/users/me', auth],
        ['queue limit=1', '/moderation/queue?limit=1', auth],
        ['queue limit=20', '/moderation/queue', auth],
      ]) {
        const times = [];
        for (let i = 0; i < 30; i++) {
          const t0 = performance.now();
          await (await fetch(`${strapi.url}${url}`, { headers })).arrayBuffer();
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        log(`  ${name.padEnd(16)} median ${times[15].toFixed(1)} ms  max ${times[29].toFixed(1)} ms`);
      }
    }
    log(`loading ${duration} s each, ${connections} connections`);
    const post = await load('GET /api/posts/{unliked}', `${strapi.url}/api/posts/${unliked}`);
    const queue = await load('GET /moderation/queue', `${strapi.url}/moderation/queue`, auth);
    const ratio = queue.p99 / post.p99;
    const verdict = ratio <= 2 ? 'PASS' : 'FAIL';
    console.log(JSON.stringify({ db: kind, reports: REPORTS, items: ITEMS, connections, duration, post, queue, p99Ratio: Number(ratio.toFixed(2)), target: 2, verdict }));
    if (verdict === 'FAIL') process.exitCode = 1;
  } finally {
    if (strapi) await stopServer(strapi);
    if (argv.includes('--keep')) log(`kept database ${db.name}`);
    else await db.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
