#!/usr/bin/env node
// The candidate home-feed designs, measured directly in SQL on the benchmark's data set, for the
// reader who follows 5,000 users and the one who follows 10 (bench/seed.mjs):
//   (a) fan-out on read: the followees' posts (social_author_posts joined with the follows join
//       table), newest first, LIMIT 21; on PostgreSQL also one LATERAL read per followee;
//   (b) pure fan-out on write: the read from a per-user timeline holding ALL followees' posts
//       (a table built here for the two readers, indexed like social_home), and its write costs,
//       each in a rolled-back transaction on social_home itself (its real indexes): a star's new
//       post (one row per follower) and a follow of the heavy user (one row per post of theirs);
//   (c) the hybrid the app uses (the app's statement, bench/feed-sql.mjs), and its write costs for
//       the same two events through the app's own triggers (rolled back).
// Creates a fresh database, lets the app create the schema, seeds, starts the app once more so it
// rebuilds the derived tables (social_home included), ANALYZEs, measures, prints a markdown table
// and drops the database.
//   node bench/feed-designs.mjs [--quick] [--db postgres|sqlite|both] [--runs 200] [--write-runs 20]
//                               [--keep: leave the database for EXPLAIN; its name is printed]
import Database from 'better-sqlite3';
import pg from 'pg';
import { randomSecrets } from '../scripts/lib/secrets.js';
import { stopServer } from '../scripts/lib/server.js';
import { homeFeedSql, pulledSql } from './feed-sql.mjs';
import { createDatabase, documentId, startStrapi } from './lib.mjs';
import { seed, SIZES } from './seed.mjs';
import { opt, argv } from './cli.mjs';

const quick = argv.includes('--quick');
const sizes = quick ? SIZES.quick : SIZES.full;
const RUNS = Number(opt('runs', 200));
const WRITE_RUNS = Number(opt('write-runs', 20));
const dbArg = opt('db', 'postgres');
const kinds = dbArg === 'both' ? ['postgres', 'sqlite'] : [dbArg];
const FETCH = 21; // a page of 20, plus one to know whether more follow
const log = (s) => process.stderr.write(`${s}\n`);

/** One connection with run(sql, params) (named prepared statements on PostgreSQL) and exec(sql). */
async function connect(db) {
  if (db.kind === 'postgres') {
    const c = new pg.Client(db.conn);
    await c.connect();
    const names = new Map();
    const nameOf = (sql) => names.get(sql) ?? names.set(sql, `d${names.size}`).get(sql);
    return {
      isPg: true,
      run: async (sql, params = []) => (await c.query({ name: nameOf(sql), text: sql, values: params })).rows,
      exec: (sql) => c.query(sql),
      close: () => c.end(),
    };
  }
  const d = new Database(db.filename);
  d.pragma('foreign_keys = ON');
  const cache = new Map();
  return {
    isPg: false,
    run: async (sql, params = []) => {
      let entry = cache.get(sql);
      if (!entry) {
        const order = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]) - 1);
        cache.set(sql, (entry = { st: d.prepare(sql.replace(/\$\d+/g, '?')), order }));
      }
      const args = entry.order.map((i) => params[i]);
      return entry.st.reader ? entry.st.all(...args) : (entry.st.run(...args), []);
    },
    exec: async (sql) => d.exec(sql),
    close: async () => d.close(),
  };
}

/** p50 and p99 in ms of `runs` calls of fn (after a few warm-up calls), and fn's last result. */
async function time(fn, runs) {
  let last;
  for (let i = 0; i < Math.min(10, runs); i++) last = await fn();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    last = await fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)];
  return { p50: at(0.5), p99: at(0.99), last };
}


async function measure(kind) {
  log(`\n== ${kind} ==`);
  const db = await createDatabase(kind);
  const secrets = randomSecrets();
  let server;
  let c;
  try {
    server = await startStrapi(db, secrets); // creates the schema
    await stopServer(server);
    server = undefined;
    log('  seeding');
    const s = await seed(db, sizes);
    log(`  seeded in ${s.seconds.toFixed(1)} s: ${JSON.stringify(s.counts)}`);
    const boot = Date.now();
    server = await startStrapi(db, secrets); // rebuilds the derived tables, social_home included
    await stopServer(server);
    server = undefined;
    log(`  the app rebuilt the derived tables in ${((Date.now() - boot) / 1000).toFixed(1)} s`);

    c = await connect(db);
    const { isPg } = c;
    await c.exec('ANALYZE');
    const readers = [['follows 5,000', s.users.feedBig], ['follows 10', s.users.feedSmall]];
    const reads = [];
    const writes = [];

    // (a) fan-out on read.
    // Every candidate filters on the list tables' copy of the hidden flag, as the app does: no
    // join to posts before the LIMIT.
    // The feed holds the reader's own posts too: every candidate reads the followees and the reader.
    const authorsOf = `(SELECT inv_user_id AS author_id FROM up_users_following_lnk WHERE user_id = $1 UNION ALL SELECT ${isPg ? "$1::int" : "$1"})`;
    const joinSql = `SELECT ap.post_id, ap.created_at FROM ${authorsOf} f
        JOIN social_author_posts ap ON ap.user_id = f.author_id
       WHERE (ap.hidden = 0 OR ap.user_id = $1)
       ORDER BY ap.created_at DESC, ap.post_id DESC LIMIT ${FETCH}`;
    const lateralSql = `SELECT x.post_id, x.created_at
        FROM ${authorsOf} a
        CROSS JOIN LATERAL (SELECT ap.post_id, ap.created_at FROM social_author_posts ap
                             WHERE ap.user_id = a.author_id AND (ap.hidden = 0 OR ap.user_id = $1)
                             ORDER BY ap.created_at DESC, ap.post_id DESC LIMIT ${FETCH}) x
       ORDER BY x.created_at DESC, x.post_id DESC LIMIT ${FETCH}`;

    // (b) pure fan-out on write: every followee's posts in the readers' timeline rows.
    await c.exec(`DROP TABLE IF EXISTS bench_full_home`);
    await c.exec(`CREATE TABLE bench_full_home (user_id integer NOT NULL, post_id integer NOT NULL, author_id integer NOT NULL, created_at ${isPg ? 'timestamp(6)' : 'datetime'}, hidden integer NOT NULL)`);
    await c.exec(`INSERT INTO bench_full_home (user_id, post_id, author_id, created_at, hidden)
        SELECT f.user_id, ap.post_id, ap.user_id, ap.created_at, ap.hidden
          FROM (SELECT user_id, inv_user_id FROM up_users_following_lnk UNION ALL SELECT id, id FROM up_users) f
          JOIN social_author_posts ap ON ap.user_id = f.inv_user_id
         WHERE f.user_id IN (${s.users.feedBig}, ${s.users.feedSmall})`);
    await c.exec(`CREATE INDEX bench_full_home_newest ON bench_full_home (user_id, created_at DESC, post_id DESC)`);
    await c.exec('ANALYZE');
    const fullHomeSql = `SELECT h.post_id, h.created_at FROM bench_full_home h
       WHERE h.user_id = $1 AND (h.hidden = 0 OR h.author_id = $1)
       ORDER BY h.created_at DESC, h.post_id DESC LIMIT ${FETCH}`;

    // (c) the hybrid: the app's statement; on SQLite the app looks the pulled authors up first.
    const hybrid = async (viewer) => {
      const pulled = isPg ? [] : (await c.run(pulledSql, [viewer])).map((r) => Number(r.author_id));
      const { sql, params } = homeFeedSql(isPg, viewer, FETCH, null, pulled);
      return c.run(sql, params);
    };

    const count = async (sql, params) => Number((await c.run(sql, params))[0].n);
    for (const [label, viewer] of readers) {
      const follows = await count(`SELECT count(*) AS n FROM up_users_following_lnk WHERE user_id = $1`, [viewer]);
      const followeePosts = await count(
        `SELECT count(*) AS n FROM up_users_following_lnk f JOIN social_author_posts ap ON ap.user_id = f.inv_user_id WHERE f.user_id = $1`, [viewer]);
      const homeRows = await count(`SELECT count(*) AS n FROM social_home WHERE user_id = $1`, [viewer]);
      const pulled = await count(`SELECT count(*) AS n FROM social_pulled_follows WHERE follower_id = $1`, [viewer]);
      const candidates = [
        ['(a) fan-out on read: join, sort', `${followeePosts} followee posts sorted`, () => c.run(joinSql, [viewer])],
        ...(isPg ? [['(a) fan-out on read: LATERAL per followee', `${follows} index reads`, () => c.run(lateralSql, [viewer])]] : []),
        ['(b) fan-out on write: full timeline', `1 index read (${followeePosts} rows kept)`, () => c.run(fullHomeSql, [viewer])],
        ['(c) hybrid (the app)', `1 + ${pulled + 1} index reads (${homeRows} rows kept)`, () => hybrid(viewer)],
      ];
      let reference;
      for (const [design, work, fn] of candidates) {
        const t = await time(fn, RUNS);
        const ids = t.last.map((r) => Number(r.post_id ?? r.item_id)).slice(0, 20).join(',');
        reference ??= ids;
        const same = ids === reference ? '' : ' (other posts!)';
        reads.push({ design, reader: `${label} (${follows} follows)`, work: work + same, ...t });
        log(`  ${design.padEnd(44)} ${label.padEnd(14)} p50 ${t.p50.toFixed(2)} ms  p99 ${t.p99.toFixed(2)} ms`);
      }
    }

    // Write costs, each in a transaction rolled back.
    const rolledBack = (fn) => async () => {
      await c.exec('BEGIN');
      try {
        await fn();
      } finally {
        await c.exec('ROLLBACK');
      }
    };
    const star = s.users.star;
    const heavy = s.users.heavy;
    const newcomer = s.users.newcomer;
    const starFollowers = await count(`SELECT count(*) AS n FROM up_users_following_lnk WHERE inv_user_id = $1`, [star]);
    const heavyPosts = await count(`SELECT count(*) AS n FROM social_author_posts WHERE user_id = $1`, [heavy]);
    const now = isPg ? 'now()' : `${Date.now()}`;
    const FAKE_POST = 2_000_000_000;
    const newPost = async () => {
      const t = isPg ? new Date() : Date.now();
      const [row] = await c.run(
        `INSERT INTO posts (document_id, title, description, hidden, open_reports, created_at, updated_at, published_at)
         VALUES ($1, 'Design post', 'Measured in a rolled-back transaction.', ${isPg ? 'false' : '0'}, 0, $2, $2, $2) RETURNING id`,
        [documentId(), t]
      );
      await c.run(`INSERT INTO posts_author_lnk (post_id, user_id, post_ord) VALUES ($1, $2, 1)`, [row.id, star]);
    };
    const write = [
      ['(b) fan-out on write', `a star's new post: ${starFollowers} timeline rows`, rolledBack(() =>
        c.run(`INSERT INTO social_home (user_id, post_id, author_id, created_at)
                 SELECT f.user_id, $2, $1, ${now} FROM up_users_following_lnk f WHERE f.inv_user_id = $1`, [star, FAKE_POST]))],
      ['(b) fan-out on write', `a follow of the heavy user: ${heavyPosts} timeline rows`, rolledBack(() =>
        c.run(`INSERT INTO social_home (user_id, post_id, author_id, created_at)
                 SELECT $2, ap.post_id, ap.user_id, ap.created_at FROM social_author_posts ap WHERE ap.user_id = $1`, [heavy, newcomer]))],
      ['(c) hybrid (the app\'s triggers)', `a star's new post (post + author link)`, rolledBack(newPost)],
      ['(c) hybrid (the app\'s triggers)', 'a follow of the heavy user (link)', rolledBack(() =>
        c.run(`INSERT INTO up_users_following_lnk (user_id, inv_user_id) VALUES ($1, $2)`, [newcomer, heavy]))],
    ];
    for (const [design, what, fn] of write) {
      const t = await time(fn, WRITE_RUNS);
      writes.push({ design, what, ...t });
      log(`  ${design.padEnd(44)} ${what.padEnd(44)} p50 ${t.p50.toFixed(2)} ms  p99 ${t.p99.toFixed(2)} ms`);
    }
    return { kind, counts: s.counts, reads, writes };
  } finally {
    await c?.close().catch(() => {});
    await stopServer(server);
    if (argv.includes('--keep')) log(`  kept ${db.name}`);
    else await db.drop().catch((e) => log(`  could not drop ${db.name}: ${e.message}`));
  }
}

async function main() {
  const started = Date.now();
  log(`feed-designs: node bench/feed-designs.mjs ${argv.join(' ')}\n  sizes ${JSON.stringify(sizes)}; ${RUNS} reads, ${WRITE_RUNS} writes each`);
  const out = [];
  for (const kind of kinds) {
    const r = await measure(kind);
    const c = r.counts;
    out.push(`### ${kind === 'postgres' ? 'PostgreSQL' : 'SQLite'}`, '');
    out.push(`Data: ${c.users} users, ${c.posts} posts (heavy user ${c.heavyPosts}), ${c.follows} follows (star 2 ${c.star2Followers} followers); ` +
      `one connection, no concurrent load; ${RUNS} reads (first page, 21 rows) and ${WRITE_RUNS} rolled-back writes each, after 10 warm-up calls.`, '');
    out.push('| design | reader | work per page | p50 ms | p99 ms |', '|---|---|---|---:|---:|');
    for (const x of r.reads) out.push(`| ${x.design} | ${x.reader} | ${x.work} | ${x.p50.toFixed(2)} | ${x.p99.toFixed(2)} |`);
    out.push('', '| design | write | p50 ms | p99 ms |', '|---|---|---:|---:|');
    for (const x of r.writes) out.push(`| ${x.design} | ${x.what} | ${x.p50.toFixed(2)} | ${x.p99.toFixed(2)} |`);
    out.push('');
  }
  process.stdout.write(`\n${out.join('\n')}\n`);
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (error) => {
    log(`feed-designs FAILED: ${error.stack ?? error}`);
    process.exit(1);
  }
);
