// The list reads of the app's timelines and follower lists as hand-written SQL, shared by the raw
// floor (bench/floor.mjs) and bench/feed-designs.mjs. The SHAPE of each statement is a copy of the
// app's (src/db/repositories/timelines.ts and users.ts, src/db/keyset.ts): the same tables, the
// same indexes, the same keyset conditions and the same hybrid home feed (social_home merged with
// the newest posts of each pulled author the reader follows, src/db/derived/home-timeline.ts).
// Placeholders are $1..; only `next` positions (reading down the list) are supported.
//
// Every builder returns { sql, params } for a page of `fetch` rows (limit + 1), each with
// item_id and its key k0[, k1] as the app's cursors hold it: PostgreSQL times as the text
// to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US'), SQLite times as the stored number.

const PG_TIME = `'YYYY-MM-DD"T"HH24:MI:SS.US'`;
const hiddenIs0 = (alias) => `(CASE WHEN ${alias}.hidden THEN 1 ELSE 0 END) = 0`;
// The list tables' own copy of the flag (0/1), as the app filters them (visibleListedPost).
const listedShown = (alias) => `${alias}.hidden = 0`;

/** `AND (t <= $a AND (t < $a OR id < $b))` for a (created_at, id) key after `position`, or ''. */
function after(isPg, time, id, position, next) {
  if (!position) return { sql: '', params: [] };
  const [t, i] = position.key;
  const ts = isPg ? `$${next}::timestamp` : `$${next}`;
  const op = position.inclusive ? '<=' : '<';
  return { sql: ` AND (${time} <= ${ts} AND (${time} < ${ts} OR ${id} ${op} $${next + 1}))`, params: [t, i] };
}

const keys = (isPg, alias, id) => `${isPg ? `to_char(${alias}.created_at, ${PG_TIME})` : `${alias}.created_at`} AS k0, ${alias}.${id} AS k1`;

/**
 * The home feed, as the app reads it. `pulled` (SQLite only): the author ids the reader's pulled
 * branches read (the reader and their social_pulled_follows rows), which the app looks up first.
 */
export function homeFeedSql(isPg, viewerId, fetch, position, pulled = []) {
  // $1 viewer, $2 fetch, $3/$4 the position.
  const home = after(isPg, 'h.created_at', 'h.post_id', position, 3);
  const byAuthor = after(isPg, 'ap.created_at', 'ap.post_id', position, 3);
  const homeBranch = `SELECT h.post_id, h.created_at FROM social_home h
     WHERE h.user_id = $1${home.sql} AND (${listedShown('h')} OR h.author_id = $1)
     ORDER BY h.created_at DESC, h.post_id DESC LIMIT $2`;
  const authorBranch = (author) => `SELECT ap.post_id, ap.created_at FROM social_author_posts ap
     WHERE ap.user_id ${author}${byAuthor.sql} AND (${listedShown('ap')} OR ap.user_id = $1)
     ORDER BY ap.created_at DESC, ap.post_id DESC LIMIT $2`;
  const outer = (branches) => `SELECT u.post_id AS item_id, ${keys(isPg, 'u', 'post_id')} FROM (${branches}) u ORDER BY u.created_at DESC, u.post_id DESC LIMIT $2`;
  const params = [viewerId, fetch, ...home.params];
  if (isPg) {
    return {
      sql: outer(`(${homeBranch})
        UNION
        (SELECT x.post_id, x.created_at
           FROM (SELECT $1::int AS author_id UNION SELECT author_id FROM social_pulled_follows WHERE follower_id = $1) a
           CROSS JOIN LATERAL (${authorBranch('= a.author_id')}) x)`),
      params,
    };
  }
  // SQLite: one UNION branch per pulled author (the app's limit is 400 branches; beyond, one IN read).
  const authors = [viewerId, ...pulled.filter((id) => id !== viewerId)];
  const first = params.length + 1;
  const branches = authors.length <= 400
    ? authors.map((_, i) => `SELECT * FROM (${authorBranch(`= $${first + i}`)})`)
    : [`SELECT * FROM (${authorBranch(`IN (${authors.map((_, i) => `$${first + i}`).join(',')})`)})`];
  return { sql: outer([`SELECT * FROM (${homeBranch})`, ...branches].join(' UNION ')), params: [...params, ...authors] };
}

/** The pulled authors a reader follows (SQLite's homeFeedSql needs them first). */
export const pulledSql = `SELECT author_id FROM social_pulled_follows WHERE follower_id = $1`;

/** Every visible post, newest first (anonymous reader). */
export function publicSql(isPg, fetch, position) {
  const c = after(isPg, 'p.created_at', 'p.id', position, 2);
  return {
    sql: `SELECT p.id AS item_id, ${keys(isPg, 'p', 'id')} FROM posts p WHERE (${hiddenIs0('p')})${c.sql}
           ORDER BY p.created_at DESC, p.id DESC LIMIT $1`,
    params: [fetch, ...c.params],
  };
}

/** One author's visible posts, newest first (anonymous reader). */
export function authorPostsSql(isPg, authorId, fetch, position) {
  const c = after(isPg, 'ap.created_at', 'ap.post_id', position, 3);
  return {
    sql: `SELECT ap.post_id AS item_id, ${keys(isPg, 'ap', 'post_id')} FROM social_author_posts ap
           WHERE ap.user_id = $1 AND (${listedShown('ap')})${c.sql} ORDER BY ap.created_at DESC, ap.post_id DESC LIMIT $2`,
    params: [authorId, fetch, ...c.params],
  };
}

/** Who follows `userId`, most recent follow first (the join table's id orders the links). */
export function followersSql(userId, fetch, position) {
  const c = position ? { sql: ` AND (l.id ${position.inclusive ? '<=' : '<'} $3)`, params: [position.key[0]] } : { sql: '', params: [] };
  return {
    sql: `SELECT l.user_id AS item_id, l.id AS k0 FROM up_users_following_lnk l WHERE l.inv_user_id = $1${c.sql} ORDER BY l.id DESC LIMIT $2`,
    params: [userId, fetch, ...c.params],
  };
}
