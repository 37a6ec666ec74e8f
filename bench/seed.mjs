// Seeds a benchmark data set straight through the database layer (pg / better-sqlite3), with
// batched multi-row INSERTs in transactions, into a schema the app has already created.
//
// Fixed roles of some users (ids):
//   1            the heavy user (`heavy` posts)
//   2..6         star users; 70% of the follows go to them (star 2 is the one benchmarked)
//   7            a light user with LIGHT_POSTS posts
//   8..71        actors: they like/unlike the viral post, follow/unfollow star 2 and log in
//   72..         the viral post's likers, then everybody else (every 50th post is by a star)
//   last id - 2  the big feed reader: follows FEED_BIG_FOLLOWS = 5,000 users (fewer only if there are not enough),
//                heavy user 1, the stars 2..6 and light user 7 among them (the rest regular
//                users at an even stride); nobody else's random follows come from them
//   last id - 1  the small feed reader: follows light user 7 and 9 regular users (10)
//   last id      the newcomer: no posts, no follows, no likes, no comments
// Star 2 has about 28,000 followers in the full run (1,120 in --quick), so its followers list
// has a page past the 20,000th follower; the feed readers' follows do not count in `follows`.
import bcrypt from 'bcryptjs';
import Database from 'better-sqlite3';
import pg from 'pg';
// The app's own names for its derived tables and triggers, from the compiled app (the benchmark
// runs after `npm run build`), so a rename there cannot leave the seeder dropping nothing.
import { DERIVED, TRIGGER_PREFIX } from '../dist/src/db/derived/definitions.js';
import { q } from '../dist/src/db/dialect.js';
import { listTriggersSql, prefixPattern } from '../dist/src/db/triggers.js';
import { documentId, progress } from './lib.mjs';

export const PASSWORD = 'Bench-Passw0rd!';
export const HEAVY = 1;
export const STARS = [2, 3, 4, 5, 6];
export const LIGHT = 7;
export const ACTORS = Array.from({ length: 64 }, (_, i) => 8 + i);
const FIRST_REGULAR = 72;
const LIGHT_POSTS = 30;
const UNLIKED_COMMENTS = 30;
const FEED_BIG_FOLLOWS = 5000;
const FEED_SMALL_FOLLOWS = 10;
/** Every STAR_POST_EVERY-th regular post is written by a star, so the stars' pulled timelines are not empty. */
const STAR_POST_EVERY = 50;

/** The data set's sizes: the full run's, or --quick's (a smoke run; ratios only indicative). */
export const SIZES = {
  full: { users: 10000, posts: 100000, likes: 1000000, viral: 200000, heavy: 20000, follows: 200000, comments: 100000 },
  // follows 8000: 1,120 followers per star, above the app's 1,000-follower pull threshold, so the
  // stars are pulled authors in the quick run as in the full one.
  quick: { users: 500, posts: 5000, likes: 50000, viral: 10000, heavy: 1000, follows: 8000, comments: 5000 },
};

/** A small deterministic PRNG, so two runs with the same sizes seed the same shape. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writers with one interface: insert(table, columns, rows-iterator, label). */
async function pgWriter(conn) {
  const client = new pg.Client(conn);
  await client.connect();
  await client.query('SET synchronous_commit = off');
  return {
    bool: (b) => b,
    ts: (ms) => new Date(ms),
    async insert(table, columns, rows, total, label) {
      const bar = progress(label, total);
      const per = Math.max(1, Math.min(5000, Math.floor(60000 / columns.length)));
      await client.query('BEGIN');
      let batch = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const params = [];
        const tuples = batch.map((row) => `(${row.map((v) => (params.push(v), `$${params.length}`)).join(',')})`);
        await client.query(`INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(',')}) VALUES ${tuples.join(',')}`, params);
        bar.tick(batch.length);
        batch = [];
      };
      for (const row of rows) {
        batch.push(row);
        if (batch.length >= per) await flush();
      }
      await flush();
      await client.query('COMMIT');
      bar.end();
    },
    query: (sql, params) => client.query(sql, params).then((r) => r.rows),
    exec: (sql) => client.query(sql),
    async finish(tablesWithIds) {
      for (const t of tablesWithIds) await client.query(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), (SELECT max(id) FROM "${t}"))`);
      await client.query('ANALYZE');
      await client.end();
    },
  };
}

function sqliteWriter(filename) {
  const db = new Database(filename);
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = ON');
  return {
    bool: (b) => (b ? 1 : 0),
    ts: (ms) => ms, // Strapi stores SQLite datetimes as epoch milliseconds
    async insert(table, columns, rows, total, label) {
      const bar = progress(label, total);
      const per = Math.max(1, Math.min(500, Math.floor(30000 / columns.length)));
      const sqlFor = (n) =>
        `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(',')}) VALUES ${Array(n)
          .fill(`(${columns.map(() => '?').join(',')})`)
          .join(',')}`;
      const full = db.prepare(sqlFor(per));
      let batch = [];
      const flush = () => {
        if (batch.length === 0) return;
        (batch.length === per ? full : db.prepare(sqlFor(batch.length))).run(batch.flat());
        bar.tick(batch.length);
        batch = [];
      };
      db.exec('BEGIN');
      for (const row of rows) {
        batch.push(row);
        if (batch.length >= per) flush();
      }
      flush();
      db.exec('COMMIT');
      bar.end();
    },
    query: async (sql, params = []) => db.prepare(sql.replace(/\$\d+/g, '?')).all(...params),
    exec: async (sql) => db.exec(sql),
    async finish() {
      db.exec('ANALYZE');
      db.close();
    },
  };
}

/**
 * A bulk load is not what the app's counter triggers (src/db/derived) are for: 200,000 likes on
 * one post would update one counter row 200,000 times. So the seeder drops the triggers and the
 * version row, loads, and the app rebuilds and recounts everything at its next start (timed by
 * run.mjs), exactly as it would after any drift.
 */
async function dropDerived(w, kind) {
  // The app's query has one `?` placeholder; the writers take $1.
  const triggers = await w.query(listTriggersSql(kind).replace('?', '$1'), [prefixPattern(TRIGGER_PREFIX)]);
  for (const { name } of triggers) {
    await w.exec(kind === 'postgres' ? `DROP FUNCTION IF EXISTS ${q(name)}() CASCADE` : `DROP TRIGGER IF EXISTS ${q(name)}`);
  }
  await w.exec(`DROP TABLE IF EXISTS ${q(DERIVED.state)}`);
}

/**
 * Seeds `db` (from lib.createDatabase) with `o` = { users, posts, likes, viral, heavy, follows,
 * comments }. Returns the ids and figures the load phase needs.
 */
export async function seed(db, o) {
  const started = Date.now();
  const w = db.kind === 'postgres' ? await pgWriter(db.conn) : sqliteWriter(db.filename);
  await dropDerived(w, db.kind);
  const rand = rng(42);
  const int = (n) => Math.floor(rand() * n);

  // Enough users for the viral post's likers (a like is unique per user and post).
  // (+3: the two feed readers and the newcomer come after the viral post's likers.)
  const N = Math.max(o.users, o.viral + FIRST_REGULAR + 3, FIRST_REGULAR + 20);
  const NEWCOMER = N;
  const FEED_BIG = N - 2;
  const FEED_SMALL = N - 1;
  const P = Math.max(o.posts, o.heavy + LIGHT_POSTS + 10);
  const VIRAL = P;
  const UNLIKED = P - 1;
  const now = Date.now();
  const YEAR = 365 * 24 * 3600 * 1000;
  const postTime = (id) => now - YEAR + Math.floor((id / P) * (YEAR - 3600_000));

  const hashStart = Date.now();
  const hash = bcrypt.hashSync(PASSWORD, 10); // the plugin's cost
  const hashMs = Date.now() - hashStart;
  const [{ id: authRole }] = await w.query(`SELECT id FROM up_roles WHERE type = $1`, ['authenticated']);

  // Users.
  const userDoc = [];
  await w.insert(
    'up_users',
    ['id', 'document_id', 'username', 'email', 'provider', 'password', 'confirmed', 'blocked', 'name', 'created_at', 'updated_at', 'published_at'],
    (function* () {
      for (let id = 1; id <= N; id++) {
        const t = w.ts(now - YEAR - (N - id) * 1000);
        userDoc[id] = documentId();
        yield [id, userDoc[id], `user${id}`, `user${id}@bench.example`, 'local', hash, w.bool(true), w.bool(false), `User ${id}`, t, t, t];
      }
    })(),
    N,
    'users'
  );
  await w.insert('up_users_role_lnk', ['user_id', 'role_id', 'user_ord'], (function* () {
    for (let id = 1; id <= N; id++) yield [id, authRole, id];
  })(), N, 'roles');

  // Posts: 1..heavy by the heavy user, then the light user's, then random authors.
  const authorOf = new Int32Array(P + 1);
  const postDoc = [];
  await w.insert(
    'posts',
    ['id', 'document_id', 'title', 'description', 'hidden', 'open_reports', 'created_at', 'updated_at', 'published_at'],
    (function* () {
      for (let id = 1; id <= P; id++) {
        authorOf[id] =
          id <= o.heavy ? HEAVY
          : id <= o.heavy + LIGHT_POSTS ? LIGHT
          : id % STAR_POST_EVERY === 0 && id < UNLIKED ? STARS[(id / STAR_POST_EVERY) % STARS.length]
          : FIRST_REGULAR + int(N - FIRST_REGULAR);
        const t = w.ts(postTime(id));
        postDoc[id] = documentId();
        yield [id, postDoc[id], `Post ${id}`, `The body of post ${id}. `.repeat(4), w.bool(false), 0, t, t, t];
      }
    })(),
    P,
    'posts'
  );
  await w.insert('posts_author_lnk', ['post_id', 'user_id', 'post_ord'], (function* () {
    for (let id = 1; id <= P; id++) yield [id, authorOf[id], id];
  })(), P, 'authors');

  // Likes: the viral post gets `viral` likes; the rest follow a Zipf-like law over a random
  // ranking of the other posts (the unliked post gets none). Likers of one post are a run of
  // consecutive user ids from a random start, so they are distinct.
  const others = o.likes - o.viral;
  const ranked = [];
  for (let id = 1; id <= P - 2; id++) ranked.push(id);
  for (let i = ranked.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [ranked[i], ranked[j]] = [ranked[j], ranked[i]];
  }
  const cap = N - FIRST_REGULAR - 1;
  const weights = ranked.map((_, r) => 1 / Math.pow(r + 1, 0.9));
  const wsum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((x) => Math.min(cap, Math.floor((others * x) / wsum)));
  let deficit = others - counts.reduce((a, b) => a + b, 0);
  for (let r = 0; deficit > 0 && ranked.length > 0; r = (r + 1) % ranked.length) {
    if (counts[r] < cap) {
      counts[r]++;
      deficit--;
    }
  }
  const likeTotal = o.viral + counts.reduce((a, b) => a + b, 0);
  await w.insert('posts_liked_by_lnk', ['post_id', 'user_id'], (function* () {
    for (let k = 0; k < o.viral; k++) yield [VIRAL, FIRST_REGULAR + k];
    for (let r = 0; r < ranked.length; r++) {
      const start = int(N - FIRST_REGULAR);
      for (let k = 0; k < counts[r]; k++) yield [ranked[r], FIRST_REGULAR + ((start + k) % (N - FIRST_REGULAR - 1))];
    }
  })(), likeTotal, 'likes');

  // Follows: 70% to the stars (runs of consecutive followers), the rest random pairs. Actors never
  // follow a star (they follow/unfollow star 2 under load) and the newcomer is left out.
  const pairs = new Set();
  const follows = [];
  const perStar = Math.min(N - FIRST_REGULAR - 2, Math.floor((o.follows * 0.7) / STARS.length));
  for (const star of STARS) {
    for (let k = 0; k < perStar; k++) {
      const follower = FIRST_REGULAR + k;
      pairs.add(follower * (N + 1) + star);
      follows.push([follower, star]);
    }
  }
  // The feed readers: fixed followees, regular ones at an even stride over the regular ids.
  const regular = N - 3 - FIRST_REGULAR; // FIRST_REGULAR .. FEED_BIG - 1
  const stride = (n, offset) => Array.from({ length: n }, (_, k) => FIRST_REGULAR + ((offset + Math.floor((k * regular) / n)) % regular));
  const bigFixed = [HEAVY, ...STARS, LIGHT];
  const bigFollows = Math.min(FEED_BIG_FOLLOWS, regular + bigFixed.length);
  const feedFollows = [
    ...[...bigFixed, ...stride(bigFollows - bigFixed.length, 0)].map((b) => [FEED_BIG, b]),
    ...[LIGHT, ...stride(FEED_SMALL_FOLLOWS - 1, 1)].map((b) => [FEED_SMALL, b]),
  ];
  for (const [a, b] of feedFollows) {
    const key = a * (N + 1) + b;
    if (pairs.has(key)) throw new Error(`feed follow ${a} → ${b} twice`);
    pairs.add(key);
    follows.push([a, b]);
  }
  const target = o.follows + feedFollows.length;
  let guard = 0;
  while (follows.length < target && guard++ < o.follows * 20) {
    const a = 1 + int(N - 1);
    const b = 1 + int(N - 1);
    if (a === b || (ACTORS.includes(a) && STARS.includes(b)) || a === FEED_BIG || a === FEED_SMALL) continue;
    const key = a * (N + 1) + b;
    if (pairs.has(key)) continue;
    pairs.add(key);
    follows.push([a, b]);
  }
  await w.insert('up_users_following_lnk', ['user_id', 'inv_user_id'], follows, follows.length, 'follows');

  // Comments: the viral post gets 1%, the unliked post UNLIKED_COMMENTS, the rest random posts.
  const C = Math.max(o.comments, UNLIKED_COMMENTS + 100);
  const viralComments = Math.max(30, Math.floor(C / 100));
  const commentPost = new Int32Array(C + 1);
  const commentAuthor = new Int32Array(C + 1);
  await w.insert(
    'comments',
    ['id', 'document_id', 'content', 'hidden', 'open_reports', 'created_at', 'updated_at', 'published_at'],
    (function* () {
      for (let id = 1; id <= C; id++) {
        commentPost[id] = id <= viralComments ? VIRAL : id <= viralComments + UNLIKED_COMMENTS ? UNLIKED : 1 + int(P - 2);
        commentAuthor[id] = FIRST_REGULAR + int(N - FIRST_REGULAR - 1);
        const t = w.ts(postTime(commentPost[id]) + 1000 + int(3_000_000));
        yield [id, documentId(), `Comment ${id} on post ${commentPost[id]}`, w.bool(false), 0, t, t, t];
      }
    })(),
    C,
    'comments'
  );
  await w.insert('comments_post_lnk', ['comment_id', 'post_id', 'comment_ord'], (function* () {
    for (let id = 1; id <= C; id++) yield [id, commentPost[id], id];
  })(), C, 'c→post');
  await w.insert('comments_author_lnk', ['comment_id', 'user_id', 'comment_ord'], (function* () {
    for (let id = 1; id <= C; id++) yield [id, commentAuthor[id], id];
  })(), C, 'c→author');

  await w.finish(['up_users', 'posts', 'comments']);
  return {
    seconds: (Date.now() - started) / 1000,
    hash,
    hashMs,
    counts: {
      users: N, posts: P, likes: likeTotal, viralLikes: o.viral, heavyPosts: o.heavy, follows: follows.length, starFollowers: perStar, comments: C,
      star2Followers: follows.reduce((n, [, b]) => n + (b === STARS[0] ? 1 : 0), 0),
      feedBigFollows: bigFollows, feedSmallFollows: FEED_SMALL_FOLLOWS,
    },
    viral: { id: VIRAL, documentId: postDoc[VIRAL] },
    unliked: { id: UNLIKED, documentId: postDoc[UNLIKED] },
    users: { heavy: HEAVY, light: LIGHT, star: STARS[0], newcomer: NEWCOMER, actors: ACTORS, feedBig: FEED_BIG, feedSmall: FEED_SMALL },
    userDoc: (id) => userDoc[id],
  };
}

/** Grants `actions` to the Public role, in the benchmark's throw-away database. */
export async function grantPublic(db, actions) {
  const now = Date.now();
  if (db.kind === 'postgres') {
    const c = new pg.Client(db.conn);
    await c.connect();
    try {
      const [{ id: role }] = (await c.query(`SELECT id FROM up_roles WHERE type = 'public'`)).rows;
      for (const action of actions) {
        const t = new Date(now);
        const { rows } = await c.query(
          `INSERT INTO up_permissions (document_id, action, created_at, updated_at, published_at) VALUES ($1, $2, $3, $3, $3) RETURNING id`,
          [documentId(), action, t]
        );
        await c.query(`INSERT INTO up_permissions_role_lnk (permission_id, role_id, permission_ord) VALUES ($1, $2, 1)`, [rows[0].id, role]);
      }
    } finally {
      await c.end();
    }
    return;
  }
  const d = new Database(db.filename);
  try {
    const { id: role } = d.prepare(`SELECT id FROM up_roles WHERE type = 'public'`).get();
    for (const action of actions) {
      const { lastInsertRowid } = d
        .prepare(`INSERT INTO up_permissions (document_id, action, created_at, updated_at, published_at) VALUES (?, ?, ?, ?, ?)`)
        .run(documentId(), action, now, now, now);
      d.prepare(`INSERT INTO up_permissions_role_lnk (permission_id, role_id, permission_ord) VALUES (?, ?, 1)`).run(Number(lastInsertRowid), role);
    }
  } finally {
    d.close();
  }
}
