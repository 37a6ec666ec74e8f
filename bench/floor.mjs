#!/usr/bin/env node
// The RAW FLOOR of the benchmark: a minimal Koa server on the same database as the app, with
// hand-written parameterised SQL and the same JWT verification (jsonwebtoken, the app's
// JWT_SECRET, plus a lookup of the user as the plugin does), answering the benchmarked routes
// with the same JSON shapes. It is what the hardware allows; not a product. Env: PORT,
// JWT_SECRET, DATABASE_CLIENT (postgres|sqlite), DATABASE_NAME/HOST/PORT/USERNAME/PASSWORD or
// DATABASE_FILENAME, APP_KEYS (the cursors: the app's codec, compiled in dist/).
//
// The cursor lists (home feed, public timeline, a user's posts, followers) read with the SQL of
// bench/feed-sql.mjs, the same statements in shape as the app's, including the hybrid home feed,
// and answer `{ data, meta: { next, prev } }` with cursors the app would also accept (same codec,
// same list names, same keys). Only `next` cursors are read; the Link header is left out.
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import bcrypt from 'bcryptjs';
import Database from 'better-sqlite3';
import jwt from 'jsonwebtoken';
import Koa from 'koa';
import pg from 'pg';
import { CursorCodec } from '../dist/src/lib/cursor.js';
import { authorPostsSql, followersSql, homeFeedSql, publicSql, pulledSql } from './feed-sql.mjs';

const SECRET = process.env.JWT_SECRET;
const isPg = process.env.DATABASE_CLIENT === 'postgres';
const codec = new CursorCodec(String(process.env.APP_KEYS ?? '').split(',').filter(Boolean));

let all; // (sql, params) => Promise<rows>; $1.. placeholders
// (fn(run)) => Promise of fn's result, its statements in one transaction. fn must be written
// so that it works with a synchronous run too (SQLite): no await between its statements, or
// another request's statements would run inside the transaction.
let transaction;
if (isPg) {
  const pool = new pg.Pool({
    host: process.env.DATABASE_HOST ?? '127.0.0.1', port: Number(process.env.DATABASE_PORT ?? 5432),
    database: process.env.DATABASE_NAME, user: process.env.DATABASE_USERNAME ?? 'postgres',
    password: process.env.DATABASE_PASSWORD || undefined, max: 10,
  });
  // Named statements: prepared once per connection, so PostgreSQL can reuse plans (as the app does).
  const names = new Map();
  const nameOf = (sql) => names.get(sql) ?? names.set(sql, `floor_${names.size}`).get(sql);
  all = async (sql, params = []) => (await pool.query({ name: nameOf(sql), text: sql, values: params })).rows;
  transaction = async (fn) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(async (sql, params) => (await client.query({ name: nameOf(sql), text: sql, values: params })).rows);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  };
} else {
  const db = new Database(process.env.DATABASE_FILENAME);
  db.pragma('foreign_keys = ON');
  const cache = new Map();
  // $n placeholders become ?, with the parameters repeated in order of occurrence.
  const runSync = (sql, params = []) => {
    let entry = cache.get(sql);
    if (!entry) {
      const order = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]) - 1);
      cache.set(sql, (entry = { st: db.prepare(sql.replace(/\$\d+/g, '?')), order }));
    }
    const args = entry.order.map((i) => params[i]);
    return entry.st.reader ? entry.st.all(...args) : (entry.st.run(...args), []);
  };
  all = async (sql, params) => runSync(sql, params);
  // better-sqlite3 is synchronous: run returns the rows, and nothing else runs between BEGIN and
  // COMMIT as long as fn does not await.
  transaction = async (fn) => db.transaction(() => fn(runSync))();
}
const one = async (sql, params) => (await all(sql, params))[0];
const T = isPg ? 'true' : '1';
const F = isPg ? 'false' : '0';
const iso = (v) => new Date(v instanceof Date ? v : Number.isFinite(Number(v)) ? Number(v) : v).toISOString();
const author = (r, p = 'a_') => (r[`${p}id`] == null ? null : { id: r[`${p}id`], documentId: r[`${p}doc`], username: r[`${p}username`], name: r[`${p}name`] ?? null });

class HttpError extends Error {
  constructor(status, name, message) {
    super(message);
    this.status = status;
    this.name = name;
  }
}
const notFound = (what = 'Post') => new HttpError(404, 'NotFoundError', `${what} not found`);

async function viewer(ctx, required) {
  const header = ctx.get('authorization');
  if (!header) {
    if (required) throw new HttpError(403, 'ForbiddenError', 'Forbidden');
    return undefined;
  }
  let payload;
  try {
    payload = jwt.verify(header.replace(/^Bearer\s+/i, ''), SECRET);
  } catch {
    throw new HttpError(401, 'UnauthorizedError', 'Invalid credentials');
  }
  const user = await one(`SELECT id, blocked FROM up_users WHERE id = $1`, [payload.id]);
  if (!user || user.blocked === true || user.blocked === 1) throw new HttpError(401, 'UnauthorizedError', 'Invalid credentials');
  return user.id;
}

async function postKey(raw, viewerId) {
  const byId = /^\d{1,10}$/.test(raw);
  const row = await one(
    `SELECT p.id, p.document_id, p.hidden, l.user_id AS author FROM posts p LEFT JOIN posts_author_lnk l ON l.post_id = p.id WHERE ${byId ? 'p.id' : 'p.document_id'} = $1`,
    [byId ? Number(raw) : raw]
  );
  if (!row) throw notFound();
  if ((row.hidden === true || row.hidden === 1) && row.author !== viewerId) throw notFound();
  return { id: row.id, documentId: row.document_id };
}

// The floor reads the same derived tables as the app (counters and ordered indexes kept by the
// app's triggers, src/db/derived): it is the best hand-written SQL on the same schema.
async function postViews(ids, viewerId) {
  if (ids.length === 0) return [];
  // PostgreSQL: one array parameter and LATERAL, so one SQL text (one prepared statement) for
  // every page size. SQLite: an IN list and one LIMITed subquery per post, glued with UNION ALL.
  const list = isPg ? 'SELECT unnest($1::int[])' : ids.map((_, i) => `$${i + 1}`).join(',');
  const idParams = isPg ? [`{${ids.join(',')}}`] : ids;
  const v = idParams.length + 1;
  const liked = viewerId === undefined ? 'false AS liked' : `EXISTS (SELECT 1 FROM posts_liked_by_lnk k WHERE k.post_id = p.id AND k.user_id = $${v}) AS liked`;
  const firsts = isPg
    ? `SELECT l.* FROM unnest($1::int[]) AS x(post_id) CROSS JOIN LATERAL (SELECT post_id, comment_id, created_at
         FROM social_post_comments pc WHERE pc.post_id = x.post_id ORDER BY created_at, comment_id LIMIT 25) l`
    : ids
        .map((_, i) => `SELECT * FROM (SELECT post_id, comment_id, created_at FROM social_post_comments WHERE post_id = $${i + 1}
                        ORDER BY created_at, comment_id LIMIT 25) f${i}`)
        .join(' UNION ALL ');
  const [rows, comments] = await Promise.all([
    all(
      `SELECT p.id, p.document_id, p.title, p.description, p.hidden, p.created_at, p.updated_at, p.edited_at,
              u.id AS a_id, u.document_id AS a_doc, u.username AS a_username, u.name AS a_name,
              s.likes, s.comments, ${liked}
         FROM posts p LEFT JOIN posts_author_lnk l ON l.post_id = p.id LEFT JOIN up_users u ON u.id = l.user_id
         LEFT JOIN social_post_stats s ON s.post_id = p.id
        WHERE p.id IN (${list})`,
      viewerId === undefined ? idParams : [...idParams, viewerId]
    ),
    all(
      `SELECT f.post_id AS post, c.id, c.document_id, c.content, c.created_at, c.edited_at,
              u.id AS a_id, u.document_id AS a_doc, u.username AS a_username, u.name AS a_name
         FROM (${firsts}) f JOIN comments c ON c.id = f.comment_id
         LEFT JOIN comments_author_lnk ca ON ca.comment_id = c.id LEFT JOIN up_users u ON u.id = ca.user_id
        ORDER BY f.post_id, f.created_at, f.comment_id`,
      idParams
    ),
  ]);
  const byPost = new Map();
  for (const c of comments) {
    const arr = byPost.get(Number(c.post)) ?? [];
    arr.push({ id: c.id, documentId: c.document_id, content: c.content, createdAt: iso(c.created_at), editedAt: c.edited_at == null ? null : iso(c.edited_at), author: author(c) });
    byPost.set(Number(c.post), arr);
  }
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [{
      id: r.id, documentId: r.document_id, title: r.title, description: r.description ?? '',
      createdAt: iso(r.created_at), updatedAt: iso(r.updated_at), editedAt: r.edited_at == null ? null : iso(r.edited_at), author: author(r),
      media: [], hidden: r.hidden === true || r.hidden === 1, likes: Number(r.likes ?? 0), likedByMe: r.liked === true || r.liked === 1,
      commentsCount: Number(r.comments ?? 0), comments: byPost.get(id) ?? [],
    }];
  });
}

async function counts(userId, own) {
  const r = (await one(`SELECT followers, following, posts, hidden_posts FROM social_user_stats WHERE user_id = $1`, [userId])) ?? {};
  const posts = Number(r.posts ?? 0) - (own ? 0 : Number(r.hidden_posts ?? 0));
  return { followers: Number(r.followers ?? 0), following: Number(r.following ?? 0), posts };
}

async function profileRow(raw) {
  if (raw.includes('@')) return one(`SELECT id, document_id, username, name, email FROM up_users WHERE email = $1`, [raw.toLowerCase()]);
  if (/^\d{1,10}$/.test(raw)) return one(`SELECT id, document_id, username, name, email FROM up_users WHERE id = $1`, [Number(raw)]);
  return one(`SELECT id, document_id, username, name, email FROM up_users WHERE document_id = $1`, [raw]);
}

async function publicProfile(u, viewerId) {
  const [c, f] = await Promise.all([
    counts(u.id, u.id === viewerId),
    one(`SELECT 1 AS x FROM up_users_following_lnk WHERE user_id = $1 AND inv_user_id = $2`, [viewerId, u.id]),
  ]);
  return { id: u.id, documentId: u.document_id, username: u.username, name: u.name ?? null, ...c, followedByMe: f !== undefined };
}

const likeState = async (key, liked) => {
  const r = await one(`SELECT likes FROM social_post_stats WHERE post_id = $1`, [key.id]);
  return { data: { ...key, likes: Number(r?.likes ?? 0), likedByMe: liked }, meta: {} };
};

/** `limit` (1-40, default 20) and a `next` cursor of `list`, or a 400, as the app reads them. */
function pageRequest(ctx, list, keyLength) {
  const raw = ctx.query.limit;
  const limit = raw === undefined ? 20 : /^\d{1,2}$/.test(raw) ? Number(raw) : 0;
  if (limit < 1 || limit > 40) throw new HttpError(400, 'ValidationError', 'limit must be a whole number from 1 to 40');
  if (ctx.query.cursor === undefined) return { limit, position: null };
  let position;
  try {
    position = codec.decode(list, String(ctx.query.cursor), keyLength);
  } catch {
    throw new HttpError(400, 'ValidationError', 'cursor is not a cursor this list gave out');
  }
  if (position.direction !== 'next') throw new HttpError(400, 'ValidationError', 'the floor reads next cursors only');
  return { limit, position };
}

/** Rows of item_id, k0[, k1] (limit + 1 of them) as the ids of a page and its meta, as the app's cursorMeta. */
function pageOf(list, request, rows, keyLength) {
  const keyOf = (r) => Array.from({ length: keyLength }, (_, i) => {
    const v = r[`k${i}`];
    return typeof v === 'number' || typeof v === 'string' ? v : Number(v);
  });
  const items = rows.slice(0, request.limit);
  const ids = items.map((r) => Number(r.item_id));
  if (items.length === 0) {
    const p = request.position;
    return { ids, meta: p ? { next: null, prev: codec.encode(list, { direction: 'prev', key: p.key, inclusive: !p.inclusive }) } : { next: null, prev: null } };
  }
  const more = rows.length > request.limit;
  return {
    ids,
    meta: {
      next: more ? codec.encode(list, { direction: 'next', key: keyOf(items[items.length - 1]), inclusive: false }) : null,
      prev: codec.encode(list, { direction: 'prev', key: keyOf(items[0]), inclusive: false }),
    },
  };
}

async function postPage(ctx, list, me, build) {
  const request = pageRequest(ctx, list, 2);
  const { sql, params } = await build(request.limit + 1, request.position);
  const { ids, meta } = pageOf(list, request, await all(sql, params), 2);
  ctx.body = { data: await postViews(ids, me), meta };
}

async function requireUser(raw) {
  const u = await profileRow(String(raw));
  if (!u) throw notFound('User');
  return u.id;
}

/** Public profiles of `ids` in that order, for an anonymous reader (as the app's followers list answers). */
async function publicProfiles(ids) {
  if (ids.length === 0) return [];
  const rows = await all(
    `SELECT u.id, u.document_id, u.username, u.name, u.bio, u.created_at, s.followers, s.following, s.posts, s.hidden_posts
       FROM up_users u LEFT JOIN social_user_stats s ON s.user_id = u.id
      WHERE ${isPg ? 'u.id = ANY($1::int[])' : `u.id IN (${ids.map((_, i) => `$${i + 1}`).join(',')})`}`,
    isPg ? [`{${ids.join(',')}}`] : ids
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [{
      id: r.id, documentId: r.document_id, username: r.username, name: r.name ?? null, bio: r.bio ?? '', avatar: null, createdAt: iso(r.created_at),
      followers: Number(r.followers ?? 0), following: Number(r.following ?? 0), posts: Number(r.posts ?? 0) - Number(r.hidden_posts ?? 0),
      followedByMe: false, followsMe: false, blockedByMe: false, mutedByMe: false,
    }];
  });
}

const router = new Router({ prefix: '/api' });
// Before GET /posts/:id, as in the app's routes.
router.get('/posts/feed', async (ctx) => {
  const me = await viewer(ctx, true);
  await postPage(ctx, `feed:${me}`, me, async (fetch, position) =>
    homeFeedSql(isPg, me, fetch, position, isPg ? [] : (await all(pulledSql, [me])).map((r) => Number(r.author_id))));
});
router.get('/posts/public', async (ctx) => {
  await postPage(ctx, 'public', undefined, (fetch, position) => publicSql(isPg, fetch, position));
});
router.get('/users/:id/posts', async (ctx) => {
  const userId = await requireUser(ctx.params.id);
  await postPage(ctx, `posts-of:${userId}`, undefined, (fetch, position) => authorPostsSql(isPg, userId, fetch, position));
});
router.get('/users/:id/followers', async (ctx) => {
  const userId = await requireUser(ctx.params.id);
  const list = `followers:${userId}`;
  const request = pageRequest(ctx, list, 1);
  const { sql, params } = followersSql(userId, request.limit + 1, request.position);
  const { ids, meta } = pageOf(list, request, await all(sql, params), 1);
  ctx.body = { data: await publicProfiles(ids), meta };
});
router.post('/posts', async (ctx) => {
  const me = await viewer(ctx, true);
  const body = ctx.request.body ?? {};
  const title = body.title;
  const description = body.description ?? '';
  if (typeof title !== 'string' || title.length < 1 || title.length > 200 || typeof description !== 'string' || description.length > 10_000) {
    throw new HttpError(400, 'ValidationError', 'title (1-200) and description (0-10000) are required');
  }
  // The post and its author link in one transaction; the app's triggers keep the derived tables.
  // (A promise from run on PostgreSQL, rows on SQLite: `then` below works with both.)
  const then = (x, f) => (x instanceof Promise ? x.then(f) : f(x));
  const id = await transaction((run) =>
    then(
      run(
        `INSERT INTO posts (document_id, title, description, hidden, open_reports, created_at, updated_at, published_at)
         VALUES ($1, $2, $3, ${F}, 0, $4, $4, $4) RETURNING id`,
        [randomBytes(12).toString('hex'), title, description, isPg ? new Date() : Date.now()]
      ),
      ([row]) => then(run(`INSERT INTO posts_author_lnk (post_id, user_id, post_ord) VALUES ($1, $2, 1)`, [row.id, me]), () => row.id)
    ));
  ctx.status = 201;
  ctx.body = { data: (await postViews([id], me))[0], meta: {} };
});
router.get('/posts/all_posts', async (ctx) => {
  const me = await viewer(ctx, true);
  const page = Math.max(1, Number(ctx.query['pagination[page]'] ?? 1) | 0);
  const pageSize = Math.min(100, Math.max(1, Number(ctx.query['pagination[pageSize]'] ?? 25) | 0));
  const [total, idRows] = await Promise.all([
    one(`SELECT posts FROM social_user_stats WHERE user_id = $1`, [me]),
    all(
      `SELECT post_id FROM social_author_posts WHERE user_id = $1 ORDER BY created_at DESC, post_id DESC LIMIT $2 OFFSET $3`,
      [me, pageSize, (page - 1) * pageSize]
    ),
  ]);
  const n = Number(total?.posts ?? 0);
  ctx.body = { data: await postViews(idRows.map((r) => r.post_id), me), meta: { pagination: { page, pageSize, pageCount: Math.ceil(n / pageSize), total: n } } };
});
router.get('/posts/:id', async (ctx) => {
  const me = await viewer(ctx, false);
  const key = await postKey(ctx.params.id, me);
  ctx.body = { data: (await postViews([key.id], me))[0], meta: {} };
});
router.post('/posts/like/:id', async (ctx) => {
  const me = await viewer(ctx, true);
  const key = await postKey(ctx.params.id, me);
  await all(`INSERT INTO posts_liked_by_lnk (post_id, user_id) VALUES ($1, $2) ON CONFLICT (post_id, user_id) DO NOTHING`, [key.id, me]);
  ctx.body = await likeState(key, true);
});
router.post('/posts/unlike/:id', async (ctx) => {
  const me = await viewer(ctx, true);
  const key = await postKey(ctx.params.id, me);
  await all(`DELETE FROM posts_liked_by_lnk WHERE post_id = $1 AND user_id = $2`, [key.id, me]);
  ctx.body = await likeState(key, false);
});
router.get('/users/users', async (ctx) => {
  const me = await viewer(ctx, true);
  const u = await profileRow(String(me));
  ctx.body = { id: u.id, documentId: u.document_id, username: u.username, name: u.name ?? null, email: u.email, ...(await counts(u.id, true)) };
});
for (const [verb, follow] of [['follow', true], ['unfollow', false]]) {
  const handler = async (ctx) => {
    const me = await viewer(ctx, true);
    const target = await profileRow(String(ctx.params.id));
    if (!target) throw notFound('User');
    if (follow) {
      if (target.id === me) throw new HttpError(400, 'ValidationError', 'You cannot follow yourself');
      await all(`INSERT INTO up_users_following_lnk (user_id, inv_user_id) VALUES ($1, $2) ON CONFLICT (user_id, inv_user_id) DO NOTHING`, [me, target.id]);
    } else {
      await all(`DELETE FROM up_users_following_lnk WHERE user_id = $1 AND inv_user_id = $2`, [me, target.id]);
    }
    ctx.body = await publicProfile(target, me);
  };
  router.post(`/users/${verb}/:id`, handler);
  router.get(`/users/${verb}/:id`, handler);
}
router.post('/users/login', async (ctx) => {
  const body = ctx.request.body ?? {};
  const email = String(body.email ?? body.identifier ?? '').toLowerCase();
  const u = await one(`SELECT id, document_id, username, name, email, password, blocked FROM up_users WHERE email = $1 AND provider = 'local'`, [email]);
  const ok = await bcrypt.compare(String(body.password ?? ''), u?.password || '$2a$10$wjlPO7L/NdNCj08oFft1aeqbYppckWOdRRweD2PfO/yT2fXUzN21y');
  if (!u || !ok) throw new HttpError(400, 'ValidationError', 'Invalid identifier or password');
  const token = jwt.sign({ id: u.id }, SECRET, { expiresIn: '7d' });
  ctx.body = { jwt: token, user: { id: u.id, documentId: u.document_id, username: u.username, name: u.name ?? null, email: u.email, ...(await counts(u.id, true)) } };
});

const app = new Koa();
app.use(async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 500;
    if (status === 500) console.error(error);
    ctx.status = status;
    ctx.body = { data: null, error: { status, name: error.name, message: error.message, details: {} } };
  }
});
app.use(async (ctx, next) => {
  if (ctx.path === '/_health') {
    ctx.status = 204;
    return;
  }
  if (ctx.method === 'POST' && ctx.is('application/json')) {
    let raw = '';
    for await (const chunk of ctx.req) raw += chunk;
    try {
      ctx.request.body = raw ? JSON.parse(raw) : {};
    } catch {
      throw new HttpError(400, 'ValidationError', 'Malformed request body');
    }
  }
  await next();
});
app.use(router.routes()).use(router.allowedMethods());
app.listen(Number(process.env.PORT ?? 1338), '127.0.0.1');
