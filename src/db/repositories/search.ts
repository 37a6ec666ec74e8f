import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { SEARCH, TS_CONFIG, searchWords } from '../derived/search';
import { dialectOf, isPostgres, q } from '../dialect';
import { readIdPage, type IdPage, type Keyset, type PageRequestLike } from '../keyset';
import { tables } from '../tables';
import { notBlocked, visiblePost } from '../visibility';

/** Key length of the search lists' cursors: (created_at, post id) and (exact, user id). */
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
 * nothing. Results obey the one visibility rule (hiding, blocks).
 */
export function searchRepository(strapi: Core.Strapi) {
  const knex = (): Knex => strapi.db.connection;

  return {
    /** Visible posts whose title or description contains every word of `text`, newest first. */
    async posts(text: string, viewerId: number | undefined, request: PageRequestLike): Promise<IdPage> {
      const words = searchWords(text);
      if (words.length === 0) return EMPTY;
      const t = tables(strapi);
      if (isPostgres(strapi)) {
        const keyset: Keyset = { columns: [{ expr: 's.created_at', time: true }, { expr: 's.post_id' }], order: 'desc' };
        const query = knex()(`${SEARCH.posts} as s`)
          .join(`${t.posts} as p`, 'p.id', 's.post_id')
          .whereRaw(`s.doc @@ plainto_tsquery('${TS_CONFIG}', ?)`, [words.join(' ')])
          .where(visiblePost(strapi, 'p', viewerId));
        // Not a prepared statement: a generic plan cannot know how common the words are, and the
        // right plan differs (GIN for a rare word, the newest-first index for a common one).
        return readIdPage(knex(), 'postgres', query, keyset, 's.post_id', request);
      }
      // FTS5: each word a quoted string (its own tokenizer reads it), all of them required.
      const match = words.map((word) => `"${word}"`).join(' AND ');
      const keyset: Keyset = { columns: [{ expr: 'p.created_at', time: true }, { expr: 'p.id' }], order: 'desc' };
      const query = knex()(`${t.posts} as p`).where(visiblePost(strapi, 'p', viewerId));
      // The planner's choice, made here: when every word is in many posts, read posts newest
      // first and probe the index per post (stops after a page); otherwise take the (few)
      // matching rowids from the index first. fts5vocab counts the posts holding each word.
      const counts = (await knex()(SEARCH.postWords).select('term', 'doc').whereIn('term', words)) as Array<{ term: string; doc: number }>;
      const rarest = words.length === counts.length ? Math.min(...counts.map((c) => Number(c.doc))) : 0;
      if (rarest >= commonWordPosts()) {
        query.whereRaw(`EXISTS (SELECT 1 FROM ${q(SEARCH.posts)} f WHERE f.${q(SEARCH.posts)} MATCH ? AND f.rowid = p.id)`, [match]);
      } else {
        query.whereRaw(`p.id IN (SELECT rowid FROM ${q(SEARCH.posts)} WHERE ${q(SEARCH.posts)} MATCH ?)`, [match]);
      }
      return readIdPage(knex(), 'sqlite', query, keyset, 'p.id', request);
    },

    /**
     * Users with a word of their username or name starting with each word of `text`, any case:
     * the user whose username is `text` first, then by id. Users the viewer blocked, or who
     * blocked the viewer, are left out.
     */
    async users(text: string, viewerId: number | undefined, request: PageRequestLike): Promise<IdPage> {
      const words = searchWords(text);
      if (words.length === 0) return EMPTY;
      const t = tables(strapi);
      const exact = text.normalize('NFC').toLowerCase();
      const pg = isPostgres(strapi);
      const inner = knex()(`${t.users} as u`)
        .select('u.id', knex().raw('(CASE WHEN lower(u.username) = ? THEN 0 ELSE 1 END) AS rank', [exact]))
        .where(notBlocked(strapi, 'u.id', viewerId));
      if (pg) {
        // Each word a prefix lexeme; the words are letters and digits only, so they need no escaping.
        const tsquery = words.map((word) => `'${word}':*`).join(' & ');
        inner.join(`${SEARCH.users} as s`, 's.user_id', 'u.id').whereRaw(`s.doc @@ to_tsquery('${TS_CONFIG}', ?)`, [tsquery]);
      } else {
        const match = words.map((word) => `"${word}"*`).join(' AND ');
        inner.whereRaw(`u.id IN (SELECT rowid FROM ${q(SEARCH.users)} WHERE ${q(SEARCH.users)} MATCH ?)`, [match]);
      }
      const keyset: Keyset = { columns: [{ expr: 'r.rank' }, { expr: 'r.id' }], order: 'asc' };
      const query = knex().from(inner.as('r'));
      return readIdPage(knex(), dialectOf(strapi), query, keyset, 'r.id', request);
    },
  };
}
