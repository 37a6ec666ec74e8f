import { flagSql, q, type Dialect } from '../dialect';
import type { Tables } from '../tables';

/**
 * The home timeline's derived tables: a hybrid of fan-out on write and fan-out on read
 * (docs/DESIGN.md, "The home feed is a hybrid fan-out"). Measured on the benchmark data
 * (docs/PERFORMANCE.md), fan-out on read alone costs a feed page in proportion to how many users the reader follows, and fan-out on write
 * alone costs a star's new post 28,000 inserts and a follow of a 20,000-post author 20,000.
 *
 * - An ordinary author's posts are written into each follower's `social_home` rows, by the
 *   triggers below, in the transaction of the post or the follow (so a follow brings the
 *   followee's earlier posts, and an unfollow takes them away, at the next request).
 * - A "pulled" author (at least `pullFollowers` followers or `pullPosts` posts) is not fanned
 *   out: the reader merges their newest posts from social_author_posts at read time. The readers
 *   who follow pulled authors are listed in `social_pulled_follows`, so a read finds them without
 *   scanning all its follows. Pulled is for good: an author who loses followers stays pulled, so
 *   no post is ever missing from either side (earlier pushed rows stay and the read de-duplicates).
 * - Hidden posts stay in the tables with a copy of the flag, kept by the trigger that keeps
 *   social_author_posts'; reads filter on it (src/db/visibility.ts, visibleListedPost), so a
 *   moderator's hide or unhide is honoured at the next request. Deleted posts and users take their rows with them.
 *
 * Writes cost at most `pullFollowers` rows per post and `pullPosts` rows per follow; a read costs
 * one index range scan plus one per pulled author the reader follows (the caller included).
 *
 * Concurrency: a follow of B copies B's posts while a new post of B is copied to B's followers;
 * run at once, each could miss the other's row. Both first UPDATE B's social_user_stats row (the
 * counters), which locks it on PostgreSQL until commit, so the second waits and its copy, a new
 * statement with a new snapshot under READ COMMITTED, sees the first's row. SQLite has one writer.
 * tests/timelines.test.ts races them.
 */
export const HOME = {
  /** (reader, post) for the posts of ordinary authors the reader follows. */
  home: 'social_home',
  /** (reader, author) for each pulled author the reader follows. */
  pulledFollows: 'social_pulled_follows',
} as const;

export type FeedThresholds = { pullFollowers: number; pullPosts: number };

/** Defaults: an author is pulled from 1,000 followers or 1,000 posts. FEED_PULL_FOLLOWERS / FEED_PULL_POSTS change them. */
export const DEFAULT_THRESHOLDS: FeedThresholds = { pullFollowers: 1000, pullPosts: 1000 };

export function homeTableStatements(dialect: Dialect): string[] {
  const time = dialect === 'postgres' ? 'timestamp(6)' : 'datetime';
  const { home, pulledFollows } = HOME;
  return [
    `CREATE TABLE ${q(home)} (user_id integer NOT NULL, post_id integer NOT NULL, author_id integer NOT NULL, created_at ${time},
       hidden integer NOT NULL DEFAULT 0)`,
    `CREATE UNIQUE INDEX social_home_pair ON ${q(home)} (post_id, user_id)`,
    `CREATE INDEX social_home_newest ON ${q(home)} (user_id, created_at DESC, post_id DESC)`,
    `CREATE INDEX social_home_author ON ${q(home)} (user_id, author_id)`,
    `CREATE TABLE ${q(pulledFollows)} (follower_id integer NOT NULL, author_id integer NOT NULL, PRIMARY KEY (follower_id, author_id))`,
  ];
}

export const homeDropTableNames = (): string[] => [HOME.home, HOME.pulledFollows];

type Names = { us: string; ap: string; F: Tables['follows']; A: Tables['postAuthor'] };

const isPulled = (us: string, userExpr: string) => `EXISTS (SELECT 1 FROM ${q(us)} WHERE user_id = ${userExpr} AND pulled = 1)`;

/** Run after social_user_stats and social_author_posts are filled, before the triggers exist. */
export function homeBackfillStatements({ us, ap, F }: Names, { pullFollowers, pullPosts }: FeedThresholds): string[] {
  return [
    `UPDATE ${q(us)} SET pulled = CASE WHEN followers >= ${pullFollowers} OR posts >= ${pullPosts} THEN 1 ELSE 0 END`,
    `INSERT INTO ${q(HOME.pulledFollows)} (follower_id, author_id)
       SELECT f.${q(F.owner)}, f.${q(F.target)} FROM ${q(F.table)} f JOIN ${q(us)} s ON s.user_id = f.${q(F.target)} WHERE s.pulled = 1`,
    `INSERT INTO ${q(HOME.home)} (user_id, post_id, author_id, created_at, hidden)
       SELECT f.${q(F.owner)}, a.post_id, a.user_id, a.created_at, a.hidden
         FROM ${q(F.table)} f JOIN ${q(us)} s ON s.user_id = f.${q(F.target)} JOIN ${q(ap)} a ON a.user_id = f.${q(F.target)}
        WHERE s.pulled = 0`,
  ];
}

/**
 * The statements appended to the counters' triggers (definitions.ts), after the counter updates,
 * so they see an author who has just become pulled. Kept in the same triggers on purpose: the
 * order in which two triggers of one event fire differs between PostgreSQL and SQLite.
 */
export function homeTriggerBodies({ us, ap, F, A }: Names, posts: string) {
  const { home, pulledFollows } = HOME;
  return {
    followAdded: [
      `INSERT INTO ${q(pulledFollows)} (follower_id, author_id)
         SELECT NEW.${q(F.owner)}, NEW.${q(F.target)} WHERE ${isPulled(us, `NEW.${q(F.target)}`)}
         ON CONFLICT (follower_id, author_id) DO NOTHING`,
      `INSERT INTO ${q(home)} (user_id, post_id, author_id, created_at, hidden)
         SELECT NEW.${q(F.owner)}, a.post_id, a.user_id, a.created_at, a.hidden FROM ${q(ap)} a
          WHERE a.user_id = NEW.${q(F.target)} AND NOT ${isPulled(us, `NEW.${q(F.target)}`)}
         ON CONFLICT (post_id, user_id) DO NOTHING`,
    ],
    followRemoved: [
      `DELETE FROM ${q(pulledFollows)} WHERE follower_id = OLD.${q(F.owner)} AND author_id = OLD.${q(F.target)}`,
      `DELETE FROM ${q(home)} WHERE user_id = OLD.${q(F.owner)} AND author_id = OLD.${q(F.target)}`,
    ],
    postAdded: [
      `INSERT INTO ${q(home)} (user_id, post_id, author_id, created_at, hidden)
         SELECT f.${q(F.owner)}, p.id, NEW.${q(A.target)}, p.created_at, ${flagSql('p.hidden')}
           FROM ${q(F.table)} f JOIN ${q(posts)} p ON p.id = NEW.${q(A.owner)}
          WHERE f.${q(F.target)} = NEW.${q(A.target)} AND NOT ${isPulled(us, `NEW.${q(A.target)}`)}
         ON CONFLICT (post_id, user_id) DO NOTHING`,
    ],
    postRemoved: [`DELETE FROM ${q(home)} WHERE post_id = OLD.${q(A.owner)}`],
    postCreatedAtChanged: [`UPDATE ${q(home)} SET created_at = NEW.created_at WHERE post_id = NEW.id`],
    postHiddenChanged: [`UPDATE ${q(home)} SET hidden = ${flagSql('NEW.hidden')} WHERE post_id = NEW.id`],
    userRemoved: [
      `DELETE FROM ${q(home)} WHERE user_id = OLD.id`,
      `DELETE FROM ${q(pulledFollows)} WHERE follower_id = OLD.id`,
    ],
  };
}

/**
 * The trigger on social_user_stats that makes an author pulled once a counter reaches its
 * threshold, and lists their followers in social_pulled_follows (once: at most pullFollowers rows).
 */
export function becomePulledBody({ us, F }: Names): string[] {
  return [
    `UPDATE ${q(us)} SET pulled = 1 WHERE user_id = NEW.user_id`,
    `INSERT INTO ${q(HOME.pulledFollows)} (follower_id, author_id)
       SELECT f.${q(F.owner)}, f.${q(F.target)} FROM ${q(F.table)} f WHERE f.${q(F.target)} = NEW.user_id
       ON CONFLICT (follower_id, author_id) DO NOTHING`,
  ];
}

export const becomePulledWhen = ({ pullFollowers, pullPosts }: FeedThresholds): string =>
  `NEW.pulled = 0 AND (NEW.followers >= ${pullFollowers} OR NEW.posts >= ${pullPosts})`;

