import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { SEARCH, TS_CONFIG, searchWords } from '../derived/search';
import { isPostgres, q } from '../dialect';
import { prepared } from '../prepared';
import { readIdPage, type IdPage, type Keyset, type PageRequestLike } from '../keyset';
import { rankedPage, searchPlan, walkRows, walkThenIndex, type RankReader } from '../search-pages';
import { wordShare } from '../search-word-stats';
import { tables } from '../tables';
import { notBlocked, visiblePost } from '../visibility';

/** Key length of the search lists' cursors: (created_at, post id) and (rank, user id). */
export const SEARCH_POSTS_KEY_LENGTH = 2;
export const SEARCH_USERS_KEY_LENGTH = 2;

const EMPTY: IdPage = { items: [], more: false };

/**
 * SQLite: from how many posts a word is common enough to read posts newest first and probe
 * (SEARCH_COMMON_WORD_POSTS overrides it; the tests set it to 1 to run that plan on small data).
 */
const commonWordPosts = (): number => Number(process.env.SEARCH_COMMON_WORD_POSTS ?? 2000);

/**
 * Search, through each database's full-text engine (src/db/derived/search.ts). The caller's text
 * only reaches SQL as bound values built from its words (searchWords: letters and digits), so
 * `%`, `_`, quotes and the engines' operators are plain text, and a string without words finds
 * nothing. Results obey the one visibility rule (hiding, blocks). Each page's cost stays flat
 * however common the words are (src/db/search-pages.ts).
 */
export function searchRepository(strapi: Core.Strapi) {
  const knex = (): Knex => strapi.db.connection;
  /** Both PostgreSQL plans run as prepared statements (src/db/search-pages.ts). */
  const runPrepared = async (query: Knex.QueryBuilder) => prepared(strapi, query);

  return {
    /** Visible posts whose title or description contains every word of `text`, newest first. */
    async posts(text: string, viewerId: number | undefined, request: PageRequestLike): Promise<IdPage> {
      const words = searchWords(text);
      if (words.length === 0) return EMPTY;
      const t = tables(strapi);
      if (isPostgres(strapi)) {
        // Walk first only when the statistics say the words are in enough posts to fill a page
        // within the walk (twice over); a rarer word goes to the GIN index at once.
        const walkFirst = await searchPlan(async () => (await wordShare(knex(), SEARCH.posts, words)) * walkRows() >= 2 * (request.limit + 1));
        return walkThenIndex(knex(), {
          table: SEARCH.posts,
          columns: ['post_id', 'created_at', 'doc'],
          // The query in a scalar subquery: computed once, not once per row walked (a prepared
          // statement's generic plan would call plainto_tsquery for each of them).
          match: knex().raw(`s.doc @@ (SELECT plainto_tsquery('${TS_CONFIG}', ?))`, [words.join(' ')]),
          keyset: { columns: [{ expr: 's.created_at', time: true }, { expr: 's.post_id' }], order: 'desc' },
          idExpr: 's.post_id',
          run: runPrepared,
          // The post row per match, probed one at a time (see SearchPageSpec.finish).
          finish: (query) =>
            query
              .joinRaw(`CROSS JOIN LATERAL (SELECT pp.id, pp.hidden FROM ${q(t.posts)} pp WHERE pp.id = s.post_id OFFSET 0) p`)
              .where(visiblePost(strapi, 'p', viewerId)),
        }, request, walkFirst);
      }
      // FTS5: each word a quoted string (its own tokenizer reads it), all of them required.
      const match = words.map((word) => `"${word}"`).join(' AND ');
      const keyset: Keyset = { columns: [{ expr: 'p.created_at', time: true }, { expr: 'p.id' }], order: 'desc' };
      const query = knex()(`${t.posts} as p`).where(visiblePost(strapi, 'p', viewerId));
      // The planner's choice, made here: when the words are in many posts, read posts newest
      // first and probe the index per post (stops after a page); otherwise take the (few)
      // matching rowids from the index first. The count stops at the threshold, so it costs at
      // most that many index entries (an fts5vocab count read the word's whole doclist: 1.9 ms
      // for a word in 100,000 posts).
      const common = commonWordPosts();
      const [{ n }] = (await knex().raw(
        `SELECT count(*) AS n FROM (SELECT rowid FROM ${q(SEARCH.posts)} WHERE ${q(SEARCH.posts)} MATCH ? LIMIT ?)`,
        [match, common]
      )) as Array<{ n: number }>;
      if (Number(n) >= common) {
        query.whereRaw(`EXISTS (SELECT 1 FROM ${q(SEARCH.posts)} f WHERE f.${q(SEARCH.posts)} MATCH ? AND f.rowid = p.id)`, [match]);
      } else {
        query.whereRaw(`p.id IN (SELECT rowid FROM ${q(SEARCH.posts)} WHERE ${q(SEARCH.posts)} MATCH ?)`, [match]);
      }
      return readIdPage(knex(), 'sqlite', query, keyset, 'p.id', request);
    },

    /**
     * Users with a word of their username or name starting with each word of `text`, any case:
     * the user whose username is `text` first (rank 0), then the others by id (rank 1). Users
     * the viewer blocked, or who blocked the viewer, are left out.
     */
    async users(text: string, viewerId: number | undefined, request: PageRequestLike): Promise<IdPage> {
      const words = searchWords(text);
      if (words.length === 0) return EMPTY;
      const t = tables(strapi);
      const pg = isPostgres(strapi);
      // Each word a prefix: a prefix lexeme (PostgreSQL) or a prefix token (FTS5). The words
      // are letters and digits only, so they need no escaping.
      const match = pg
        ? knex().raw(`s.doc @@ (SELECT to_tsquery('${TS_CONFIG}', ?))`, [words.map((word) => `'${word}':*`).join(' & ')])
        : knex().raw(`s.${q(SEARCH.users)} MATCH ?`, [words.map((word) => `"${word}"*`).join(' AND ')]);
      const idColumn = pg ? 's.user_id' : 's.rowid';
      const source = `${SEARCH.users} as s`;

      // Rank 0: the exact username, through the unique index on lower(username). On PostgreSQL
      // it must also match (its parser may keep "a.b" as one word); FTS5's tokenizer splits a
      // username into the same words as the query, so there it always does.
      const exactQuery = knex()(`${t.users} as u`)
        .select('u.id')
        .whereRaw('lower(u.username) = ?', [text.normalize('NFC').toLowerCase()])
        .where(notBlocked(strapi, 'u.id', viewerId));
      if (pg) exactQuery.join(source, idColumn, 'u.id').where(match);
      const exactRow = (await exactQuery.first()) as { id: number } | undefined;
      const exactId = exactRow ? Number(exactRow.id) : null;

      const keyset: Keyset = { columns: [{ expr: idColumn }], order: 'asc' };
      const exact: RankReader = async (within) => {
        const page = exactId === null ? [] : [{ item_id: exactId, k0: exactId }];
        const rows = page.filter((row) => inRange(row.k0, within));
        return { items: rows.slice(0, within.limit).map((row) => ({ item: row.item_id, key: [row.k0] })), more: rows.length > within.limit };
      };
      const others: RankReader = async (within) => {
        const finish = (query: Knex.QueryBuilder) => {
          query.where(notBlocked(strapi, idColumn, viewerId));
          if (exactId !== null) query.whereNot(idColumn, exactId);
          return query;
        };
        if (pg) {
          // Always walk first: a prefix's share is not in the statistics (each username is a word of its own).
          const walkFirst = await searchPlan(async () => true);
          return walkThenIndex(knex(), { table: SEARCH.users, columns: ['user_id', 'doc'], match, keyset, idExpr: idColumn, finish, run: runPrepared }, within, walkFirst);
        }
        // FTS5 returns a MATCH's rows in rowid order, and reads a prefix's rows from its prefix index.
        return readIdPage(knex(), 'sqlite', finish(knex()(source).where(match)), keyset, idColumn, within);
      };
      return rankedPage([exact, others], request);
    },
  };
}

/** Whether an id lies after (or, reading upwards, before) a position on the id alone. */
function inRange(id: number, request: PageRequestLike): boolean {
  const position = request.position;
  if (!position) return true;
  const key = Number(position.key[0]);
  if (position.direction === 'next') return position.inclusive ? id >= key : id > key;
  return position.inclusive ? id <= key : id < key;
}
