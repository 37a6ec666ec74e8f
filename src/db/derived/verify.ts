import type { Core } from '@strapi/strapi';
import { q } from '../dialect';
import { tables } from '../tables';
import { DERIVED } from './definitions';
import { HOME } from './home-timeline';
import { SEARCH, postDocument, userDocument } from './search';
import { dialectOf } from '../dialect';
import { NOTIFY, allNotificationSources, shownSql } from './notifications';
import { RECORD } from './records';

/**
 * The derived rows against the ground truth they replace, as pairs of row lists that must be
 * equal: every counter equals the COUNT(*) it stands for, every ordered index holds exactly the
 * rows it indexes with the sort key copied right, every open-report count equals the open reports,
 * and (optionally) the home timeline holds exactly the followed posts.
 *
 * Used by tests/counters.test.ts and tests/seed-demo.test.ts (through tests/helpers/exact.ts) and
 * by `npm run seed:demo -- --check`. Reads everything: for test and demo databases, not for a
 * production one of any size.
 */
export type ExactnessCheck = { name: string; actual: Array<Record<string, number>>; expected: Array<Record<string, number>> };

type Row = Record<string, unknown>;
const rowsOf = (result: Row[] | { rows: Row[] }): Row[] => (Array.isArray(result) ? result : result.rows);
const VISIBLE = (column: string) => `(CASE WHEN ${column} THEN 1 ELSE 0 END) = 0`;
const FLAG = (column: string) => `(CASE WHEN ${column} THEN 1 ELSE 0 END)`;
const KIND = (column: string) => `(CASE ${column} WHEN 'follow' THEN 1 WHEN 'like' THEN 2 WHEN 'comment' THEN 3 ELSE 0 END)`;

export type ExactnessOptions = { home?: boolean; /** Only the home timelines of users whose email is LIKE this. */ homeReaders?: string };

export async function exactnessChecks(strapi: Core.Strapi, options: ExactnessOptions = {}): Promise<ExactnessCheck[]> {
  const sql = async (text: string): Promise<Array<Record<string, number>>> =>
    rowsOf(await strapi.db.connection.raw(text)).map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value)])));
  const t = tables(strapi);
  const L = { t: q(t.likes.table), post: q(t.likes.owner) };
  const F = { t: q(t.follows.table), follower: q(t.follows.owner), followed: q(t.follows.target) };
  const A = { t: q(t.postAuthor.table), post: q(t.postAuthor.owner), user: q(t.postAuthor.target) };
  const C = { t: q(t.commentPost.table), comment: q(t.commentPost.owner), post: q(t.commentPost.target) };
  const CA = { t: q(t.commentAuthor.table), comment: q(t.commentAuthor.owner), user: q(t.commentAuthor.target) };
  const reports = q(t.reports);
  // Per kind of item: its author link and its report link, for the moderation record's counts.
  const reported = [
    { kind: 'post', author: A.t, item: A.post, user: A.user, link: t.reportPost },
    { kind: 'comment', author: CA.t, item: CA.comment, user: CA.user, link: t.reportComment },
  ] as const;
  /** Reports against user `u` (and, with `where`, only those matching it), over both kinds. */
  const against = (where = '') =>
    reported
      .map(
        ({ author, item, user, link }) =>
          `(SELECT count(*) FROM ${author} a JOIN ${q(link.table)} l ON l.${q(link.target)} = a.${item} JOIN ${reports} r ON r.id = l.${q(link.owner)}
             WHERE a.${user} = u.id${where})`
      )
      .join(' + ');
  const posts = q(t.posts);
  const comments = q(t.comments);
  const users = q(t.users);
  const check = async (name: string, actual: string, expected: string): Promise<ExactnessCheck> => ({ name, actual: await sql(actual), expected: await sql(expected) });
  /** A derived (user_id, <item>_id, hidden) table of authored items against the author link and the items' hidden flag. */
  const authorRows = (name: string, derived: string, itemColumn: string, link: { t: string; item: string; user: string }, items: string) =>
    check(
      name,
      `SELECT a.user_id, a.${itemColumn}, a.hidden FROM ${derived} a ORDER BY a.${itemColumn}, a.user_id`,
      `SELECT a.${link.user} AS user_id, a.${link.item} AS ${itemColumn}, ${FLAG('x.hidden')} AS hidden
       FROM ${link.t} a JOIN ${items} x ON x.id = a.${link.item} ORDER BY a.${link.item}, a.${link.user}`
    );

  const checks = [
    await check(
      'post counters (likes, visible comments)',
      `SELECT post_id AS id, likes, comments FROM ${DERIVED.postStats} ORDER BY post_id`,
      `SELECT p.id,
         (SELECT count(*) FROM ${L.t} l WHERE l.${L.post} = p.id) AS likes,
         (SELECT count(*) FROM ${C.t} l JOIN ${comments} c ON c.id = l.${C.comment} WHERE l.${C.post} = p.id AND ${VISIBLE('c.hidden')}) AS comments
       FROM ${posts} p ORDER BY p.id`
    ),
    await check(
      'user counters (followers, following, posts, hidden posts)',
      `SELECT user_id AS id, followers, following, posts, hidden_posts FROM ${DERIVED.userStats} ORDER BY user_id`,
      `SELECT u.id,
         (SELECT count(*) FROM ${F.t} f WHERE f.${F.followed} = u.id) AS followers,
         (SELECT count(*) FROM ${F.t} f WHERE f.${F.follower} = u.id) AS following,
         (SELECT count(*) FROM ${A.t} a WHERE a.${A.user} = u.id) AS posts,
         (SELECT count(*) FROM ${A.t} a JOIN ${posts} p ON p.id = a.${A.post} WHERE a.${A.user} = u.id AND NOT ${VISIBLE('p.hidden')}) AS hidden_posts
       FROM ${users} u ORDER BY u.id`
    ),
    await check(
      'user record counters (comments, hidden comments, reports against, open reports against)',
      `SELECT user_id AS id, comments, hidden_comments, reports_against, open_reports_against FROM ${DERIVED.userStats} ORDER BY user_id`,
      `SELECT u.id,
         (SELECT count(*) FROM ${CA.t} a WHERE a.${CA.user} = u.id) AS comments,
         (SELECT count(*) FROM ${CA.t} a JOIN ${comments} c ON c.id = a.${CA.comment} WHERE a.${CA.user} = u.id AND NOT ${VISIBLE('c.hidden')}) AS hidden_comments,
         ${against()} AS reports_against,
         ${against(" AND r.state = 'open'")} AS open_reports_against
       FROM ${users} u ORDER BY u.id`
    ),
    await authorRows("an author's comments (rows and hidden flag)", RECORD.authorComments, 'comment_id', { t: CA.t, item: CA.comment, user: CA.user }, comments),
    await check(
      'report targets (one per report link, with the open flag)',
      `SELECT CASE kind WHEN 'post' THEN 1 ELSE 2 END AS kind, item_id, report_id, is_open FROM ${RECORD.reportTargets} ORDER BY 1, item_id, report_id`,
      reported
        .map(
          ({ kind, link }) =>
            `SELECT ${kind === 'post' ? 1 : 2} AS kind, l.${q(link.target)} AS item_id, r.id AS report_id, ${FLAG("r.state = 'open'")} AS is_open
               FROM ${q(link.table)} l JOIN ${reports} r ON r.id = l.${q(link.owner)}`
        )
        .join(' UNION ALL ') + ' ORDER BY 1, 2, 3'
    ),
    await authorRows("an author's posts, newest first (rows and hidden flag)", DERIVED.authorPosts, 'post_id', { t: A.t, item: A.post, user: A.user }, posts),
    await check(
      "an author's posts: sort key",
      `SELECT count(*) AS n FROM ${DERIVED.authorPosts} a JOIN ${posts} p ON p.id = a.post_id WHERE a.created_at <> p.created_at`,
      `SELECT 0 AS n`
    ),
    await check(
      "a post's visible comments, oldest first (rows)",
      `SELECT post_id, comment_id FROM ${DERIVED.postComments} ORDER BY comment_id`,
      `SELECT l.${C.post} AS post_id, l.${C.comment} AS comment_id FROM ${C.t} l JOIN ${comments} c ON c.id = l.${C.comment}
       WHERE ${VISIBLE('c.hidden')} ORDER BY l.${C.comment}`
    ),
    await check(
      "a post's visible comments: sort key",
      `SELECT count(*) AS n FROM ${DERIVED.postComments} x JOIN ${comments} c ON c.id = x.comment_id WHERE x.created_at <> c.created_at`,
      `SELECT 0 AS n`
    ),
    // Notifications: exactly one per justified (actor, type, target), and each unread counter the
    // COUNT(*) it stands for (unread, and neither blocked either way nor muted).
    await check(
      'notifications (one per like, follow and comment that should notify)',
      `SELECT user_id, actor_id, ${KIND('type')} AS kind, target, COALESCE(post_id, 0) AS post_id, COALESCE(comment_id, 0) AS comment_id
         FROM ${NOTIFY.notifications} ORDER BY kind, target, actor_id`,
      `SELECT user_id, actor_id, ${KIND('type')} AS kind, target, COALESCE(post_id, 0) AS post_id, COALESCE(comment_id, 0) AS comment_id
         FROM (${allNotificationSources(t)}) e ORDER BY kind, target, actor_id`
    ),
    await check(
      'unread notification counters',
      `SELECT user_id AS id, unread FROM ${NOTIFY.unread} ORDER BY user_id`,
      `SELECT u.id, (SELECT count(*) FROM ${NOTIFY.notifications} n WHERE n.user_id = u.id AND n.is_read = 0 AND ${shownSql(t, 'n.user_id', 'n.actor_id')}) AS unread
         FROM ${users} u ORDER BY u.id`
    ),
  ];
  // The search indexes: one entry per post and user, with the text of the row now.
  const pg = dialectOf(strapi) === 'postgres';
  const key = pg ? { posts: 'post_id', users: 'user_id' } : { posts: 'rowid', users: 'rowid' };
  checks.push(
    await check('post search entries', `SELECT ${key.posts} AS id FROM ${q(SEARCH.posts)} ORDER BY 1`, `SELECT id FROM ${posts} ORDER BY id`),
    await check('user search entries', `SELECT ${key.users} AS id FROM ${q(SEARCH.users)} ORDER BY 1`, `SELECT id FROM ${users} ORDER BY id`),
    await check(
      'post search text (and sort key)',
      pg
        ? `SELECT count(*) AS n FROM ${q(SEARCH.posts)} s JOIN ${posts} p ON p.id = s.post_id
            WHERE s.doc <> ${postDocument('p')} OR s.created_at IS DISTINCT FROM p.created_at`
        : `SELECT count(*) AS n FROM ${q(SEARCH.posts)} s JOIN ${posts} p ON p.id = s.rowid
            WHERE s.title IS NOT coalesce(p.title, '') OR s.description IS NOT coalesce(p.description, '')`,
      `SELECT 0 AS n`
    ),
    await check(
      'user search text',
      pg
        ? `SELECT count(*) AS n FROM ${q(SEARCH.users)} s JOIN ${users} u ON u.id = s.user_id WHERE s.doc <> ${userDocument('u')}`
        : `SELECT count(*) AS n FROM ${q(SEARCH.users)} s JOIN ${users} u ON u.id = s.rowid
            WHERE s.username IS NOT coalesce(u.username, '') OR s.name IS NOT coalesce(u.name, '')`,
      `SELECT 0 AS n`
    )
  );
  for (const [kind, table, link] of [
    ['post', posts, t.reportPost],
    ['comment', comments, t.reportComment],
  ] as const) {
    checks.push(
      await check(
        `open reports per ${kind}`,
        `SELECT id, COALESCE(open_reports, 0) AS n FROM ${table} ORDER BY id`,
        `SELECT x.id, (SELECT count(*) FROM ${q(link.table)} l JOIN ${q(t.reports)} r ON r.id = l.${q(link.owner)}
                        WHERE l.${q(link.target)} = x.id AND r.state = 'open') AS n
         FROM ${table} x ORDER BY x.id`
      )
    );
  }
  if (options.home) {
    // Holds for a data set written without unfollows by authors who never turned pulled: after
    // an author turns pulled, their earlier pushed rows stay on purpose (home-timeline.ts).
    const reader = (column: string) =>
      options.homeReaders === undefined ? '' : `AND ${column} IN (SELECT id FROM ${users} WHERE email LIKE '${options.homeReaders.replace(/'/g, "''")}')`;
    checks.push(
      await check(
        'home timeline rows (one per follower and post of an ordinary author)',
        `SELECT user_id, post_id, author_id, hidden FROM ${HOME.home} WHERE 1 = 1 ${reader('user_id')} ORDER BY user_id, post_id`,
        `SELECT f.${F.follower} AS user_id, a.post_id, a.user_id AS author_id, a.hidden
         FROM ${F.t} f JOIN ${DERIVED.userStats} s ON s.user_id = f.${F.followed} JOIN ${DERIVED.authorPosts} a ON a.user_id = f.${F.followed}
         WHERE s.pulled = 0 ${reader(`f.${F.follower}`)} ORDER BY f.${F.follower}, a.post_id`
      ),
      await check(
        'home timeline: sort key',
        `SELECT count(*) AS n FROM ${HOME.home} h JOIN ${posts} p ON p.id = h.post_id WHERE h.created_at <> p.created_at`,
        `SELECT 0 AS n`
      ),
      await check(
        'followed pulled authors',
        `SELECT follower_id, author_id FROM ${HOME.pulledFollows} WHERE 1 = 1 ${reader('follower_id')} ORDER BY follower_id, author_id`,
        `SELECT f.${F.follower} AS follower_id, f.${F.followed} AS author_id FROM ${F.t} f
         JOIN ${DERIVED.userStats} s ON s.user_id = f.${F.followed} WHERE s.pulled = 1 ${reader(`f.${F.follower}`)} ORDER BY f.${F.follower}, f.${F.followed}`
      )
    );
  }
  return checks;
}

/** The names of the checks whose two sides differ. */
export const driftOf = (checks: ExactnessCheck[]): string[] =>
  checks.filter((c) => JSON.stringify(c.actual) !== JSON.stringify(c.expected)).map((c) => c.name);
