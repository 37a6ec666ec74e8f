import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import type { Position } from '../../lib/cursor';
import { DERIVED, HOME } from '../derived/definitions';
import { dialectOf, q } from '../dialect';
import { idPageOf, keyCondition, keyOrder, keySelect, readIdPage, type IdPage, type Keyset, type PageRequestLike } from '../keyset';
import { prepared } from '../prepared';
import { tables } from '../tables';
import { notBlocked, notMuted, visibleListedPost, visiblePost } from '../visibility';

/** Lists of posts, newest first (ties by highest id): their keys are (created_at, post id). */
const newestFirst = (alias: string, id: string): Keyset => ({
  columns: [{ expr: `${q(alias)}.created_at`, time: true }, { expr: `${q(alias)}.${q(id)}` }],
  order: 'desc',
});

/** Key length of every post list's cursor. */
export const POST_KEY_LENGTH = 2;

/** SQLite has no LATERAL: up to this many pulled authors are merged as UNION ALL branches (its limit is 500 terms). */
const SQLITE_MAX_BRANCHES = 400;

/**
 * The post timelines as pages of post ids (the service loads the posts, src/db/repositories/post-reads.ts):
 * a user's posts, the public timeline and the home feed. Every one is an index range scan from
 * the cursor's position and filters with the one visibility rule (src/db/visibility.ts).
 */
export function timelineRepository(strapi: Core.Strapi) {
  const knex = (): Knex => strapi.db.connection;
  const dialect = () => dialectOf(strapi);

  const raw = (fragment: Knex.Raw): { sql: string; bindings: unknown[] } => {
    const { sql, bindings } = fragment.toSQL();
    return { sql, bindings: [...bindings] };
  };

  return {
    /** `authorId`'s posts (social_author_posts, ordered by author and time). */
    async authorPosts(authorId: number, viewerId: number | undefined, request: PageRequestLike): Promise<IdPage> {
      const query = knex()(`${DERIVED.authorPosts} as ap`)
        .where('ap.user_id', authorId)
        .where(visibleListedPost(strapi, 'ap', 'user_id', viewerId));
      return readIdPage(knex(), dialect(), query, newestFirst('ap', 'post_id'), 'ap.post_id', request, (built) => prepared(strapi, built));
    },

    /** Every post the viewer may see (the posts table's (created_at, id) index). */
    async publicTimeline(viewerId: number | undefined, request: PageRequestLike): Promise<IdPage> {
      const query = knex()(`${tables(strapi).posts} as p`).where(visiblePost(strapi, 'p', viewerId, undefined, { mutes: true }));
      return readIdPage(knex(), dialect(), query, newestFirst('p', 'id'), 'p.id', request, (built) => prepared(strapi, built));
    },

    /**
     * The home feed (src/db/derived/home-timeline.ts): the reader's social_home rows (ordinary
     * authors they follow, written at post and follow time) merged with the newest posts of each
     * pulled author they follow and their own, read now. Each branch reads at most limit + 1 rows
     * from its index, so a page costs one range scan per branch, whoever the reader follows.
     */
    async homeFeed(viewerId: number, request: PageRequestLike): Promise<IdPage> {
      const d = dialect();
      const fetch = request.limit + 1;
      const home = newestFirst('h', 'post_id');
      const byAuthor = newestFirst('ap', 'post_id');
      const merged = newestFirst('u', 'post_id');
      const where = (keyset: Keyset, position: Position | null) => keyCondition(d, keyset, position);

      const homeCondition = where(home, request.position);
      // No join before the LIMIT: each branch reads its index in order and stops (visibleListedPost).
      const homeVisible = raw(visibleListedPost(strapi, 'h', 'author_id', viewerId, { mutes: true }));
      const homeBranch = {
        sql: `SELECT h.post_id, h.created_at FROM ${q(HOME.home)} h
               WHERE h.user_id = ? ${homeCondition ? `AND ${homeCondition.sql}` : ''} AND ${homeVisible.sql}
               ORDER BY ${keyOrder(home, request.position)} LIMIT ?`,
        bindings: [viewerId, ...(homeCondition?.bindings ?? []), ...homeVisible.bindings, fetch],
      };

      const authorCondition = where(byAuthor, request.position);
      const authorVisible = raw(visibleListedPost(strapi, 'ap', 'user_id', viewerId, { mutes: true }));
      /** The newest posts of the authors `authorsSql` picks (`= a.author_id`, `= ?`, `IN (…)`), visible by `visible`. */
      const authorPosts = (authorsSql: string, visible = authorVisible) => ({
        sql: `SELECT ap.post_id, ap.created_at FROM ${q(DERIVED.authorPosts)} ap
          WHERE ap.user_id ${authorsSql} ${authorCondition ? `AND ${authorCondition.sql}` : ''} AND ${visible.sql}
          ORDER BY ${keyOrder(byAuthor, request.position)} LIMIT ?`,
        bindings: [...(authorCondition?.bindings ?? []), ...visible.bindings, fetch],
      });
      const outer = (branches: string) =>
        `SELECT u.post_id AS item_id, ${keySelect(d, merged)} FROM (${branches}) u ORDER BY ${keyOrder(merged, request.position)} LIMIT ?`;

      if (d === 'postgres') {
        // One statement, one text whatever the reader follows (a prepared statement). Blocks and
        // mutes are checked once per pulled author, not per post: in the generic plan, per-post
        // anti-joins against a reader's 1,000 blocks made PostgreSQL read and sort every post of
        // each pulled author (3,000 each) instead of the newest limit + 1 (27 ms instead of 1).
        const [blocked, muted] = [raw(notBlocked(strapi, 'a0.author_id', viewerId)), raw(notMuted(strapi, 'a0.author_id', viewerId))];
        const authorRules = { sql: `${blocked.sql} AND ${muted.sql}`, bindings: [...blocked.bindings, ...muted.bindings] };
        const hiddenOnly = raw(visibleListedPost(strapi, 'ap', 'user_id', viewerId, { blocks: false }));
        const pulledPosts = authorPosts('= a.author_id', hiddenOnly);
        const sql = outer(
          `(${homeBranch.sql})
           UNION
           (SELECT x.post_id, x.created_at
              FROM (SELECT a0.author_id
                      FROM (SELECT ?::int AS author_id UNION SELECT author_id FROM ${q(HOME.pulledFollows)} WHERE follower_id = ?) a0
                     WHERE ${authorRules.sql}) a
              CROSS JOIN LATERAL (${pulledPosts.sql}) x)`
        );
        const bindings = [...homeBranch.bindings, viewerId, viewerId, ...authorRules.bindings, ...pulledPosts.bindings, fetch];
        const result = (await prepared(strapi, knex().raw(sql, bindings))) as { rows: Array<Record<string, unknown>> };
        return idPageOf(result.rows, merged, request);
      }

      const pulled = (await knex()(HOME.pulledFollows).select('author_id').where('follower_id', viewerId)) as Array<{ author_id: number }>;
      const authors = [viewerId, ...pulled.map((row) => Number(row.author_id)).filter((id) => id !== viewerId)];
      const branches = [`SELECT * FROM (${homeBranch.sql})`];
      const bindings: unknown[] = [...homeBranch.bindings];
      if (authors.length <= SQLITE_MAX_BRANCHES) {
        for (const author of authors) {
          const one = authorPosts('= ?');
          branches.push(`SELECT * FROM (${one.sql})`);
          bindings.push(author, ...one.bindings);
        }
      } else {
        // Beyond SQLite's compound limit: one IN read (sorts those authors' matching posts).
        const all = authorPosts(`IN (${authors.map(() => '?').join(',')})`);
        branches.push(`SELECT * FROM (${all.sql})`);
        bindings.push(...authors, ...all.bindings);
      }
      const rows = (await knex().raw(outer(branches.join(' UNION ')), [...bindings, fetch])) as Array<Record<string, unknown>>;
      return idPageOf(rows, merged, request);
    },
  };
}
