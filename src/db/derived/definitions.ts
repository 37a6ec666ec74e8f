import { flagSql as flag, q, type Dialect } from '../dialect';
import type { Tables } from '../tables';
import type { TriggerSpec } from '../triggers';
import {
  becomePulledBody,
  becomePulledWhen,
  homeBackfillStatements,
  homeDropTableNames,
  homeTableStatements,
  homeTriggerBodies,
  HOME,
  type FeedThresholds,
} from './home-timeline';
import {
  notificationAnalyzedTables,
  notificationBackfillStatements,
  notificationDropTableNames,
  notificationTableStatements,
  notificationTriggerSpecs,
} from './notifications';
import {
  RECORD_COLUMNS,
  recordAnalyzedTables,
  recordBackfillStatements,
  recordCommentHiddenBody,
  recordDropTableNames,
  recordTableStatements,
  recordTriggerSpecs,
  lockRows,
  reportsAgainstSet,
} from './records';

/**
 * The derived tables: counters and ordered indexes kept exact by database triggers, so every
 * writer (our routes, the Content Manager, a cascade, another node, psql) keeps them true in the
 * same transaction as the row that justifies them. The SQL here is written once for PostgreSQL
 * and SQLite; src/db/triggers.ts wraps each trigger body in the syntax of each.
 *
 * Bump DERIVED_VERSION whenever a definition changes: start-up then rebuilds and recounts.
 */
export const DERIVED_VERSION = 7;

export const DERIVED = {
  state: 'social_derived_state',
  /** One row per post: likes, and comments a moderator has not hidden. */
  postStats: 'social_post_stats',
  /**
   * One row per user: followers, following, posts, and how many of those posts are hidden; and
   * the rest of their moderation record (comments, hidden comments, reports against them, open
   * reports against them: records.ts).
   */
  userStats: 'social_user_stats',
  /** One row per (author, post), ordered for "my posts, newest first". */
  authorPosts: 'social_author_posts',
  /** One row per visible comment, ordered for "a post's first comments". */
  postComments: 'social_post_comments',
} as const;

export { HOME } from './home-timeline';
export { RECORD } from './records';

/** Every trigger this module owns starts with this prefix (the seeder drops them by it). */
export const TRIGGER_PREFIX = 'social_count_';

export function createTableStatements(dialect: Dialect): string[] {
  const time = dialect === 'postgres' ? 'timestamp(6)' : 'datetime';
  const { state, postStats, userStats, authorPosts, postComments } = DERIVED;
  return [
    `CREATE TABLE ${q(state)} (id integer PRIMARY KEY, version integer NOT NULL, pull_followers integer NOT NULL, pull_posts integer NOT NULL)`,
    `CREATE TABLE ${q(postStats)} (post_id integer PRIMARY KEY, likes integer NOT NULL DEFAULT 0, comments integer NOT NULL DEFAULT 0)`,
    `CREATE TABLE ${q(userStats)} (user_id integer PRIMARY KEY, followers integer NOT NULL DEFAULT 0,
       following integer NOT NULL DEFAULT 0, posts integer NOT NULL DEFAULT 0, hidden_posts integer NOT NULL DEFAULT 0,
       pulled integer NOT NULL DEFAULT 0, ${RECORD_COLUMNS})`,
    `CREATE TABLE ${q(authorPosts)} (user_id integer NOT NULL, post_id integer NOT NULL, created_at ${time}, hidden integer NOT NULL DEFAULT 0)`,
    `CREATE UNIQUE INDEX social_author_posts_pair ON ${q(authorPosts)} (post_id, user_id)`,
    `CREATE INDEX social_author_posts_newest ON ${q(authorPosts)} (user_id, created_at DESC, post_id DESC)`,
    `CREATE TABLE ${q(postComments)} (post_id integer NOT NULL, comment_id integer NOT NULL, created_at ${time})`,
    `CREATE UNIQUE INDEX social_post_comments_pair ON ${q(postComments)} (comment_id, post_id)`,
    `CREATE INDEX social_post_comments_oldest ON ${q(postComments)} (post_id, created_at, comment_id)`,
    ...homeTableStatements(dialect),
    ...notificationTableStatements(dialect),
    ...recordTableStatements(),
  ];
}

/**
 * PostgreSQL plans a read of "one user's rows, newest first, LIMIT n" from the average rows per
 * user (~10 here); inside the feed's LATERAL, where the user is not known at planning time, that
 * average made it fetch and sort all 20,000 posts of the heaviest author on every page. Telling
 * it that a user has many rows (a low n_distinct, which ANALYZE keeps) makes the ordered index
 * scan, which stops after n rows, the plan for every user. Run after the tables are (re)built.
 */
export const plannerHintStatements = (dialect: Dialect): string[] =>
  dialect === 'postgres'
    ? [
        `ALTER TABLE ${q(DERIVED.authorPosts)} ALTER COLUMN user_id SET (n_distinct = 20)`,
        `ALTER TABLE ${q(HOME.home)} ALTER COLUMN user_id SET (n_distinct = 20)`,
        // The inline comments of a page of posts: with the true average (a few comments a post)
        // the prepared statement's generic plan read every comment of each post by bitmap and
        // sorted them (1-4 ms for a page of 20 when one post has 1,000), instead of the first 25
        // in index order (0.03-0.14 ms).
        `ALTER TABLE ${q(DERIVED.postComments)} ALTER COLUMN post_id SET (n_distinct = 20)`,
      ]
    : [];

/** Tables whose statistics a rebuild refreshes (a bulk load leaves the planner guessing otherwise). */
export const analyzedTables = (): string[] => [
  DERIVED.postStats,
  DERIVED.userStats,
  DERIVED.authorPosts,
  DERIVED.postComments,
  HOME.home,
  HOME.pulledFollows,
  ...notificationAnalyzedTables(),
  ...recordAnalyzedTables(),
];

/**
 * Indexes on Strapi's own tables that the cursor lists walk (src/db/repositories/lists.ts):
 * newest posts first, and each follow and like list most recent first (the join tables' id is
 * the order links were made in). Strapi leaves indexes it did not make alone; IF NOT EXISTS
 * makes this cheap to run at every start.
 */
export function listIndexStatements(t: Tables): string[] {
  const { follows: F, likes: L, blocks: B, mutes: M } = t;
  return [
    `CREATE INDEX IF NOT EXISTS social_posts_newest ON ${q(t.posts)} (created_at DESC, id DESC)`,
    `CREATE INDEX IF NOT EXISTS social_follows_followers ON ${q(F.table)} (${q(F.target)}, id DESC)`,
    `CREATE INDEX IF NOT EXISTS social_follows_following ON ${q(F.table)} (${q(F.owner)}, id DESC)`,
    `CREATE INDEX IF NOT EXISTS social_likes_newest ON ${q(L.table)} (${q(L.owner)}, id DESC)`,
    `CREATE INDEX IF NOT EXISTS social_blocks_newest ON ${q(B.table)} (${q(B.owner)}, id DESC)`,
    `CREATE INDEX IF NOT EXISTS social_mutes_newest ON ${q(M.table)} (${q(M.owner)}, id DESC)`,
  ];
}

/** Short names for the SQL below: derived tables, and the links (likes, follows, author, comment→post). */
const names = (t: Tables) => ({
  ps: DERIVED.postStats,
  us: DERIVED.userStats,
  ap: DERIVED.authorPosts,
  pc: DERIVED.postComments,
  L: t.likes,
  F: t.follows,
  A: t.postAuthor,
  C: t.commentPost,
});

export const dropTableNames = (): string[] =>
  [DERIVED.postStats, DERIVED.userStats, DERIVED.authorPosts, DERIVED.postComments, ...homeDropTableNames(), ...notificationDropTableNames(), ...recordDropTableNames(), DERIVED.state];

/** Recounts everything from the source tables (run inside the rebuild's transaction). */
export function backfillStatements(t: Tables, thresholds: FeedThresholds): string[] {
  const { ps, us, ap, pc, L, F, A, C } = names(t);
  return [
    `INSERT INTO ${q(ps)} (post_id, likes, comments)
       SELECT p.id, (SELECT count(*) FROM ${q(L.table)} l WHERE l.${q(L.owner)} = p.id), 0 FROM ${q(t.posts)} p`,
    `INSERT INTO ${q(pc)} (post_id, comment_id, created_at)
       SELECT l.${q(C.target)}, c.id, c.created_at FROM ${q(C.table)} l JOIN ${q(t.comments)} c ON c.id = l.${q(C.owner)}
        WHERE ${flag('c.hidden')} = 0`,
    `UPDATE ${q(ps)} SET comments = (SELECT count(*) FROM ${q(pc)} x WHERE x.post_id = ${q(ps)}.post_id)`,
    `INSERT INTO ${q(ap)} (user_id, post_id, created_at, hidden)
       SELECT a.${q(A.target)}, p.id, p.created_at, ${flag('p.hidden')} FROM ${q(A.table)} a JOIN ${q(t.posts)} p ON p.id = a.${q(A.owner)}`,
    `INSERT INTO ${q(us)} (user_id, followers, following, posts, hidden_posts)
       SELECT u.id,
              (SELECT count(*) FROM ${q(F.table)} f WHERE f.${q(F.target)} = u.id),
              (SELECT count(*) FROM ${q(F.table)} f WHERE f.${q(F.owner)} = u.id),
              (SELECT count(*) FROM ${q(ap)} a WHERE a.user_id = u.id),
              (SELECT count(*) FROM ${q(ap)} a WHERE a.user_id = u.id AND a.hidden = 1)
         FROM ${q(t.users)} u`,
    ...homeBackfillStatements({ us, ap, F, A }, thresholds),
    ...recordBackfillStatements(t, { us, ap }),
    ...notificationBackfillStatements(t),
  ];
}

export function triggerSpecs(t: Tables, thresholds: FeedThresholds, dialect: Dialect): TriggerSpec[] {
  const { ps, us, ap, pc, L, F, A, C } = names(t);
  const name = (suffix: string) => `${TRIGGER_PREFIX}${suffix}`;
  const home = homeTriggerBodies({ us, ap, F, A }, t.posts);

  const like = (row: 'NEW' | 'OLD', delta: 1 | -1) =>
    `UPDATE ${q(ps)} SET likes = likes + (${delta}) WHERE post_id = ${row}.${q(L.owner)}`;

  // One UPDATE for both users: the rows are locked in one index scan, so two opposite follows
  // (a→b, b→a) cannot deadlock, and a self-follow written by an admin updates one row once.
  const follow = (row: 'NEW' | 'OLD', delta: 1 | -1) =>
    `UPDATE ${q(us)} SET
       following = following + (CASE WHEN user_id = ${row}.${q(F.owner)} THEN ${delta} ELSE 0 END),
       followers = followers + (CASE WHEN user_id = ${row}.${q(F.target)} THEN ${delta} ELSE 0 END)
     WHERE user_id IN (${row}.${q(F.owner)}, ${row}.${q(F.target)})`;

  const followAdd = [follow('NEW', 1), ...home.followAdded];
  const followRemove = [follow('OLD', -1), ...home.followRemoved];

  // The post's reports move with its author (records.ts: the record's counters), read once the
  // post's row is locked (PostgreSQL; see the concurrency note there).
  const authorAdd = [
    ...lockRows(dialect, t.posts, `id = NEW.${q(A.owner)}`),
    `UPDATE ${q(us)} SET posts = posts + 1,
       hidden_posts = hidden_posts + COALESCE((SELECT ${flag('p.hidden')} FROM ${q(t.posts)} p WHERE p.id = NEW.${q(A.owner)}), 0),
       ${reportsAgainstSet('post', `NEW.${q(A.owner)}`, 1)}
     WHERE user_id = NEW.${q(A.target)}`,
    `INSERT INTO ${q(ap)} (user_id, post_id, created_at, hidden)
       SELECT NEW.${q(A.target)}, p.id, p.created_at, ${flag('p.hidden')} FROM ${q(t.posts)} p WHERE p.id = NEW.${q(A.owner)}`,
    ...home.postAdded,
  ];
  // The stored hidden flag decides, so this is right even when the post row is already gone.
  const authorRemove = [
    ...lockRows(dialect, t.posts, `id = OLD.${q(A.owner)}`),
    `UPDATE ${q(us)} SET posts = posts - 1, hidden_posts = hidden_posts - x.hidden,
       ${reportsAgainstSet('post', `OLD.${q(A.owner)}`, -1)}
       FROM (SELECT hidden FROM ${q(ap)} WHERE post_id = OLD.${q(A.owner)} AND user_id = OLD.${q(A.target)}) x
     WHERE user_id = OLD.${q(A.target)}`,
    `DELETE FROM ${q(ap)} WHERE post_id = OLD.${q(A.owner)} AND user_id = OLD.${q(A.target)}`,
    ...home.postRemoved,
  ];

  // A comment counts while it is linked to the post and not hidden; the social_post_comments row
  // is the record of "counted", so removal decrements only what was counted.
  const commentAdd = [
    `UPDATE ${q(ps)} SET comments = comments + 1
     WHERE post_id = NEW.${q(C.target)}
       AND EXISTS (SELECT 1 FROM ${q(t.comments)} c WHERE c.id = NEW.${q(C.owner)} AND ${flag('c.hidden')} = 0)`,
    `INSERT INTO ${q(pc)} (post_id, comment_id, created_at)
       SELECT NEW.${q(C.target)}, c.id, c.created_at FROM ${q(t.comments)} c
        WHERE c.id = NEW.${q(C.owner)} AND ${flag('c.hidden')} = 0`,
  ];
  const commentRemove = [
    `UPDATE ${q(ps)} SET comments = comments - 1
     WHERE post_id = OLD.${q(C.target)}
       AND EXISTS (SELECT 1 FROM ${q(pc)} x WHERE x.comment_id = OLD.${q(C.owner)} AND x.post_id = OLD.${q(C.target)})`,
    `DELETE FROM ${q(pc)} WHERE comment_id = OLD.${q(C.owner)} AND post_id = OLD.${q(C.target)}`,
  ];

  return [
    // Every post and user has its stats row from birth; the link triggers only UPDATE it.
    { name: name('post_insert'), table: t.posts, events: ['INSERT'], body: [`INSERT INTO ${q(ps)} (post_id) VALUES (NEW.id) ON CONFLICT (post_id) DO NOTHING`] },
    { name: name('post_delete'), table: t.posts, events: ['DELETE'], body: [`DELETE FROM ${q(ps)} WHERE post_id = OLD.id`] },
    {
      name: name('post_hidden'),
      table: t.posts,
      events: [{ update: ['hidden'] }],
      when: `${flag('OLD.hidden')} <> ${flag('NEW.hidden')}`,
      body: [
        `UPDATE ${q(us)} SET hidden_posts = hidden_posts + (CASE WHEN ${flag('NEW.hidden')} = 1 THEN 1 ELSE -1 END)
         WHERE user_id IN (SELECT user_id FROM ${q(ap)} WHERE post_id = NEW.id AND hidden <> ${flag('NEW.hidden')})`,
        `UPDATE ${q(ap)} SET hidden = ${flag('NEW.hidden')} WHERE post_id = NEW.id`,
        ...home.postHiddenChanged,
      ],
    },
    {
      name: name('post_created_at'),
      table: t.posts,
      events: [{ update: ['created_at'] }],
      when: `OLD.created_at IS DISTINCT FROM NEW.created_at`,
      body: [`UPDATE ${q(ap)} SET created_at = NEW.created_at WHERE post_id = NEW.id`, ...home.postCreatedAtChanged],
    },
    { name: name('user_insert'), table: t.users, events: ['INSERT'], body: [`INSERT INTO ${q(us)} (user_id) VALUES (NEW.id) ON CONFLICT (user_id) DO NOTHING`] },
    { name: name('user_delete'), table: t.users, events: ['DELETE'], body: [`DELETE FROM ${q(us)} WHERE user_id = OLD.id`, ...home.userRemoved] },

    { name: name('like_insert'), table: L.table, events: ['INSERT'], body: [like('NEW', 1)] },
    { name: name('like_delete'), table: L.table, events: ['DELETE'], body: [like('OLD', -1)] },
    { name: name('like_update'), table: L.table, events: [{ update: [L.owner] }], body: [like('OLD', -1), like('NEW', 1)] },

    { name: name('follow_insert'), table: F.table, events: ['INSERT'], body: followAdd },
    { name: name('follow_delete'), table: F.table, events: ['DELETE'], body: followRemove },
    { name: name('follow_update'), table: F.table, events: [{ update: [F.owner, F.target] }], body: [...followRemove, ...followAdd] },

    { name: name('author_insert'), table: A.table, events: ['INSERT'], body: authorAdd },
    { name: name('author_delete'), table: A.table, events: ['DELETE'], body: authorRemove },
    { name: name('author_update'), table: A.table, events: [{ update: [A.owner, A.target] }], body: [...authorRemove, ...authorAdd] },

    // The home timeline: an author becomes pulled (not fanned out) at a threshold (home-timeline.ts).
    {
      name: name('become_pulled'),
      table: us,
      events: [{ update: ['followers', 'posts'] }],
      when: becomePulledWhen(thresholds),
      body: becomePulledBody({ us, ap, F, A }),
    },

    { name: name('comment_link_insert'), table: C.table, events: ['INSERT'], body: commentAdd },
    { name: name('comment_link_delete'), table: C.table, events: ['DELETE'], body: commentRemove },
    { name: name('comment_link_update'), table: C.table, events: [{ update: [C.owner, C.target] }], body: [...commentRemove, ...commentAdd] },
    {
      name: name('comment_hidden'),
      table: t.comments,
      events: [{ update: ['hidden'] }],
      when: `${flag('OLD.hidden')} <> ${flag('NEW.hidden')}`,
      body: [
        // Hidden: uncount it wherever it was counted.
        `UPDATE ${q(ps)} SET comments = comments - 1
         WHERE ${flag('NEW.hidden')} = 1 AND post_id IN (SELECT post_id FROM ${q(pc)} WHERE comment_id = NEW.id)`,
        `DELETE FROM ${q(pc)} WHERE ${flag('NEW.hidden')} = 1 AND comment_id = NEW.id`,
        // Shown again: count it on the post it is linked to.
        `UPDATE ${q(ps)} SET comments = comments + 1
         WHERE ${flag('NEW.hidden')} = 0
           AND post_id IN (SELECT l.${q(C.target)} FROM ${q(C.table)} l WHERE l.${q(C.owner)} = NEW.id)
           AND NOT EXISTS (SELECT 1 FROM ${q(pc)} WHERE comment_id = NEW.id)`,
        `INSERT INTO ${q(pc)} (post_id, comment_id, created_at)
           SELECT l.${q(C.target)}, NEW.id, NEW.created_at FROM ${q(C.table)} l
            WHERE ${flag('NEW.hidden')} = 0 AND l.${q(C.owner)} = NEW.id
              AND NOT EXISTS (SELECT 1 FROM ${q(pc)} WHERE comment_id = NEW.id)`,
        // The author's hidden comments (records.ts).
        ...recordCommentHiddenBody({ us, ap }),
      ],
    },
    {
      name: name('comment_created_at'),
      table: t.comments,
      events: [{ update: ['created_at'] }],
      when: `OLD.created_at IS DISTINCT FROM NEW.created_at`,
      body: [`UPDATE ${q(pc)} SET created_at = NEW.created_at WHERE comment_id = NEW.id`],
    },

    // The rest of a user's moderation record: comments, reports against them (records.ts).
    ...recordTriggerSpecs(t, dialect, { us, ap }, name),

    // Notifications and their unread counters (notifications.ts).
    ...notificationTriggerSpecs(t, name),
  ];
}
