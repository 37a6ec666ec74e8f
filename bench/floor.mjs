#!/usr/bin/env node
// The RAW FLOOR of the benchmark: a minimal Koa server on the same database as the app, with
// hand-written parameterised SQL and the same JWT verification (jsonwebtoken, the app's
// JWT_SECRET, plus a lookup of the user as the plugin does), answering the benchmarked routes
// with the same JSON shapes. It is what the hardware allows; not a product. Env: PORT,
// JWT_SECRET, DATABASE_CLIENT (postgres|sqlite), DATABASE_NAME/HOST/PORT/USERNAME/PASSWORD or
// DATABASE_FILENAME.
import Router from '@koa/router';
import bcrypt from 'bcryptjs';
import Database from 'better-sqlite3';
import jwt from 'jsonwebtoken';
import Koa from 'koa';
import pg from 'pg';

const SECRET = process.env.JWT_SECRET;
const isPg = process.env.DATABASE_CLIENT === 'postgres';

let all; // (sql, params) => Promise<rows>; $1.. placeholders
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
} else {
  const db = new Database(process.env.DATABASE_FILENAME);
  db.pragma('foreign_keys = ON');
  const cache = new Map();
  // $n placeholders become ?, with the parameters repeated in order of occurrence.
  all = async (sql, params = []) => {
    let entry = cache.get(sql);
    if (!entry) {
      const order = [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]) - 1);
      cache.set(sql, (entry = { st: db.prepare(sql.replace(/\$\d+/g, '?')), order }));
    }
    const args = entry.order.map((i) => params[i]);
    return entry.st.reader ? entry.st.all(...args) : (entry.st.run(...args), []);
  };
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
      `SELECT p.id, p.document_id, p.title, p.description, p.hidden, p.created_at, p.updated_at,
              u.id AS a_id, u.document_id AS a_doc, u.username AS a_username, u.name AS a_name,
              s.likes, s.comments, ${liked}
         FROM posts p LEFT JOIN posts_author_lnk l ON l.post_id = p.id LEFT JOIN up_users u ON u.id = l.user_id
         LEFT JOIN social_post_stats s ON s.post_id = p.id
        WHERE p.id IN (${list})`,
      viewerId === undefined ? idParams : [...idParams, viewerId]
    ),
    all(
      `SELECT f.post_id AS post, c.id, c.document_id, c.content, c.created_at,
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
    arr.push({ id: c.id, documentId: c.document_id, content: c.content, createdAt: iso(c.created_at), author: author(c) });
    byPost.set(Number(c.post), arr);
  }
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [{
      id: r.id, documentId: r.document_id, title: r.title, description: r.description ?? '',
      createdAt: iso(r.created_at), updatedAt: iso(r.updated_at), author: author(r),
      hidden: r.hidden === true || r.hidden === 1, likes: Number(r.likes ?? 0), likedByMe: r.liked === true || r.liked === 1,
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

const router = new Router({ prefix: '/api' });
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
