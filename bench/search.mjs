#!/usr/bin/env node
// Search and blocks benchmark (issue 14): post search for a rare and a common word and user
// search, each against the unliked post read in the same run and at the same connections; and
// the home feed and post read of a reader with 1,000 blocks against the same reader without.
//   node bench/search.mjs [--quick] [--db postgres|sqlite|both] [--duration S] [--connections C]
//                         [--users N --posts N ...] (the sizes of bench/seed.mjs)
// Prints a Markdown table for docs/PERFORMANCE.md. Needs a compiled app (dist/).
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import { randomSecrets } from '../scripts/lib/secrets.js';
import { stopServer } from '../scripts/lib/server.js';
import { createDatabase, queryDb, startStrapi } from './lib.mjs';
import { seed, SIZES } from './seed.mjs';
import pg from 'pg';
import Database from 'better-sqlite3';
import { argv, dataSetOptions } from './cli.mjs';

const { quick, sizes, connections, kinds } = dataSetOptions(SIZES);
const BLOCKS = 1000;
const TARGET = 1.5;
const log = (s) => process.stderr.write(`${s}\n`);

async function load(name, base, requests, duration) {
  const common = { url: base, connections, timeout: 30, requests };
  await autocannon({ ...common, duration: Math.max(1, Math.round(duration / 3)) }); // warm-up
  const r = await autocannon({ ...common, duration });
  const non2xx = r.non2xx + r.errors + r.timeouts;
  const row = { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, non2xx };
  log(`    ${name.padEnd(30)} ${String(Math.round(row.rps)).padStart(6)} req/s  p50 ${row.p50} ms  p99 ${row.p99} ms  (${row.total} req, ${non2xx} non-2xx)`);
  if (row.total === 0 || non2xx > row.total * 0.01) throw new Error(`${name}: ${non2xx} of ${row.total} requests non-2xx or failed`);
  return row;
}

/** Writes `rows` of (blocker, blocked) straight into the blocks join table. */
async function insertBlocks(db, rows) {
  if (db.kind === 'postgres') {
    const c = new pg.Client(db.conn);
    await c.connect();
    try {
      await c.query(`INSERT INTO up_users_blocking_lnk (user_id, inv_user_id) SELECT $1::int, unnest($2::int[])`, [rows[0][0], rows.map((r) => r[1])]);
    } finally {
      await c.end();
    }
    return;
  }
  const d = new Database(db.filename);
  try {
    const insert = d.prepare(`INSERT INTO up_users_blocking_lnk (user_id, inv_user_id) VALUES (?, ?)`);
    d.transaction(() => rows.forEach((r) => insert.run(...r)))();
  } finally {
    d.close();
  }
}

async function runOne(kind) {
  log(`\n== ${kind} ==`);
  const db = await createDatabase(kind);
  const secrets = randomSecrets();
  let strapi;
  try {
    strapi = await startStrapi(db, secrets);
    await stopServer(strapi);
    strapi = undefined;
    log('  seeding');
    const s = await seed(db, sizes);
    const restart = Date.now();
    strapi = await startStrapi(db, secrets); // rebuilds the derived tables, the search indexes among them
    const rebuild = (Date.now() - restart) / 1000;
    log(`  restarted in ${rebuild.toFixed(1)} s (derived tables and search indexes rebuilt)`);

    const auth = (id) => ({ authorization: `Bearer ${jwt.sign({ id }, secrets.JWT_SECRET, { expiresIn: '1h' })}` });
    const get = (path, headers) => [{ method: 'GET', path, ...(headers ? { headers } : {}) }];
    // Seeded posts are "Post {id}" / "The body of post {id}. " × 4: "body" is in every post, a
    // post's number in one (and in no user's name: those are "User {id}" for ids below the posts').
    const rare = String(Math.floor(sizes.posts / 2) + 7);
    const check = async (path, headers, min) => {
      const r = await fetch(strapi.url + path, { headers });
      const body = await r.json();
      if (r.status !== 200 || body.data.length < min) throw new Error(`${path}: ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
      return body.data.length;
    };
    log(`  rare word "${rare}": ${await check(`/api/search/posts?q=${rare}`, undefined, 1)} post(s) on page 1; common word "body": ${await check('/api/search/posts?q=body', undefined, 20)}`);
    await check('/api/search/users?q=user', undefined, 20);

    const reader = s.users.feedBig;
    const results = {};
    const scenario = {
      postUnliked: get(`/api/posts/${s.unliked.documentId}`),
      searchRare: get(`/api/search/posts?q=${rare}`),
      searchCommon: get('/api/search/posts?q=body'),
      // The same page of 20 posts without a search: what a full page costs in this run.
      publicPage: get('/api/posts/public?limit=20'),
      searchUsers: get('/api/search/users?q=user1'),
      searchUsersExact: get(`/api/search/users?q=user${s.users.star}`),
      feedBefore: get('/api/posts/feed?limit=20', auth(reader)),
      postReadBefore: get(`/api/posts/${s.unliked.documentId}`, auth(reader)),
    };
    for (const [key, requests] of Object.entries(scenario)) results[key] = await load(key, strapi.url, requests, sizes.duration);

    // 1,000 blocks by the feed reader, of users it does not follow (a block through the route
    // would also remove follows; these measure the rule's cost in every read).
    const followed = new Set((await queryDb(db, `SELECT inv_user_id AS id FROM up_users_following_lnk WHERE user_id = $1`, [reader])).map((r) => Number(r.id)));
    // Not the unliked post's author either: its read with blocks must still be a 200 to measure.
    const [{ id: unlikedAuthor }] = await queryDb(db, `SELECT user_id AS id FROM posts_author_lnk WHERE post_id = $1`, [s.unliked.id]);
    followed.add(Number(unlikedAuthor));
    const targets = [];
    for (let id = 1; targets.length < BLOCKS && id <= s.counts.users; id++) if (id !== reader && !followed.has(id)) targets.push([reader, id]);
    await insertBlocks(db, targets);
    log(`  ${targets.length} blocks written for user ${reader}`);
    const timed = async (label, path, headers) => {
      const t0 = Date.now();
      const r = await fetch(strapi.url + path, { headers });
      await r.json();
      log(`  ${label}: ${r.status} in ${Date.now() - t0} ms`);
    };
    await timed('feed once, before ANALYZE', '/api/posts/feed?limit=20', auth(reader));
    // Statistics of the bulk-written blocks (autovacuum would take them a little later).
    if (db.kind === 'postgres') await queryDb(db, 'ANALYZE up_users_blocking_lnk');
    await timed('feed once, after ANALYZE', '/api/posts/feed?limit=20', auth(reader));
    results.feedAfter = await load('feedAfter', strapi.url, get('/api/posts/feed?limit=20', auth(reader)), sizes.duration);
    results.postReadAfter = await load('postReadAfter', strapi.url, get(`/api/posts/${s.unliked.documentId}`, auth(reader)), sizes.duration);
    results.publicAfter = await load('publicAfter', strapi.url, get('/api/posts/public?limit=20', auth(reader)), sizes.duration);
    // The baseline again, last: the first load of a fresh server runs partly unoptimised code,
    // so the ratios use the mean of the two p99s (both are printed).
    results.postUnlikedEnd = await load('postUnlikedEnd', strapi.url, scenario.postUnliked, sizes.duration);
    return { kind, results, blocks: targets.length, rare };
  } finally {
    await stopServer(strapi);
    await db.drop().catch((e) => log(`  could not drop ${db.name}: ${e.message}`));
  }
}

const f1 = (x) => x.toFixed(2);
const out = [];
for (const kind of kinds) {
  const { results: r, blocks, rare } = await runOne(kind);
  const base = (r.postUnliked.p99 + r.postUnlikedEnd.p99) / 2;
  out.push(`\n### ${kind}\n`);
  out.push('| scenario | req/s | p50 ms | p99 ms | p99 ÷ unliked post read p99 (mean of the first and last) | target |');
  out.push('|---|---:|---:|---:|---:|---|');
  const row = (label, x, target) =>
    out.push(`| ${label} | ${Math.round(x.rps)} | ${x.p50} | ${x.p99} | ${f1(x.p99 / Math.max(base, 0.01))} | ${target ?? ''} |`);
  row('GET /posts/{unliked} (baseline, loaded first)', r.postUnliked);
  row('GET /posts/{unliked} (baseline, loaded last)', r.postUnlikedEnd);
  row(`GET /search/posts?q=${rare} (rare word)`, r.searchRare, `≤ ${TARGET}: ${r.searchRare.p99 / base <= TARGET ? 'met' : '**missed**'}`);
  row('GET /search/posts?q=body (in every post)', r.searchCommon, `≤ ${TARGET}: ${r.searchCommon.p99 / base <= TARGET ? 'met' : '**missed**'}`);
  row('GET /posts/public?limit=20 (the same page of 20 posts, no search)', r.publicPage, `search "body" ÷ this, p99: ${f1(r.searchCommon.p99 / Math.max(r.publicPage.p99, 0.01))}`);
  row('GET /search/users?q=user1 (prefix)', r.searchUsers, `≤ ${TARGET}: ${r.searchUsers.p99 / base <= TARGET ? 'met' : '**missed**'}`);
  row('GET /search/users?q={exact username}', r.searchUsersExact);
  row('GET /posts/feed p1, reader without blocks', r.feedBefore);
  row(`GET /posts/feed p1, same reader with ${blocks} blocks`, r.feedAfter, `feed after ÷ before p50: ${f1(r.feedAfter.p50 / Math.max(r.feedBefore.p50, 0.01))}`);
  row('GET /posts/{unliked} with a token, no blocks', r.postReadBefore);
  row(`GET /posts/{unliked} with a token, ${blocks} blocks`, r.postReadAfter, `after ÷ before p50: ${f1(r.postReadAfter.p50 / Math.max(r.postReadBefore.p50, 0.01))}`);
  row(`GET /posts/public p1 with a token, ${blocks} blocks`, r.publicAfter);
}
console.log(`Command: \`node bench/search.mjs ${argv.join(' ')}\`, ${connections} connections.\n${out.join('\n')}`);
