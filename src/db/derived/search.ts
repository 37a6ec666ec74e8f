import { q, type Dialect } from '../dialect';
import type { Tables } from '../tables';
import type { TriggerSpec } from '../triggers';

/**
 * The search indexes: each database's own full-text engine over the posts' title and description
 * and the users' username and name, kept in sync by triggers on the source rows (whoever writes),
 * rebuilt and recounted with the other derived tables (definitions.ts, ensure.ts).
 *
 * - PostgreSQL: a table of `tsvector`s under the 'simple' configuration (lower-cased words, no
 *   stemming, no stop words: whole words, any case) with a GIN index. The post table also copies
 *   `created_at` under a (created_at, post_id) index, so a common word can be served by reading
 *   newest first and filtering, a rare one by the GIN index: the planner picks from the word's
 *   statistics.
 * - SQLite: FTS5 tables (unicode61 tokenizer: case-folded words), rowid = the post or user id; the
 *   user table keeps prefix indexes for prefixes of 1 to 8 characters, so a prefix that many
 *   usernames share ("user1" of 111,000) is one stored doclist read in rowid order, not a merge of
 *   every matching word's (10 ms for that one at 200,000 users without its index).
 */
export const SEARCH = {
  posts: 'social_post_search',
  users: 'social_user_search',
  /** SQLite, up to DERIVED_VERSION 5: an fts5vocab view of the post index, dropped by the rebuild. */
  postWords: 'social_post_search_words',
} as const;

/** The text-search configuration (PostgreSQL): whole words, folded to lower case, nothing dropped. */
export const TS_CONFIG = 'simple';

/** The SQL of a post's (or user's) document, from a row alias (`NEW`, `p`, `u`). */
export const postDocument = (row: string): string =>
  `to_tsvector('${TS_CONFIG}', coalesce(${row}.title, '') || ' ' || coalesce(${row}.description, ''))`;
export const userDocument = (row: string): string =>
  `to_tsvector('${TS_CONFIG}', coalesce(${row}.username, '') || ' ' || coalesce(${row}.name, ''))`;

export function searchTableStatements(dialect: Dialect): string[] {
  if (dialect === 'postgres') {
    return [
      `CREATE TABLE ${q(SEARCH.posts)} (post_id integer PRIMARY KEY, created_at timestamp(6), doc tsvector NOT NULL)`,
      `CREATE TABLE ${q(SEARCH.users)} (user_id integer PRIMARY KEY, doc tsvector NOT NULL)`,
    ];
  }
  return [
    `CREATE VIRTUAL TABLE ${q(SEARCH.posts)} USING fts5(title, description, tokenize = 'unicode61')`,
    `CREATE VIRTUAL TABLE ${q(SEARCH.users)} USING fts5(username, name, tokenize = 'unicode61', prefix = '1 2 3 4 5 6 7 8')`,
  ];
}

/**
 * The indexes, built after the backfill (one bulk build each). The GIN indexes write each new
 * document straight into the index (`fastupdate = off`): with the default pending list, every
 * search also scanned the list's unsorted entries (16,730 of them, 2 ms, after a rebuild of
 * 100,000 posts) until a vacuum merged them.
 */
export function searchIndexStatements(dialect: Dialect): string[] {
  if (dialect !== 'postgres') return [];
  return [
    `CREATE INDEX social_post_search_doc ON ${q(SEARCH.posts)} USING gin (doc) WITH (fastupdate = off)`,
    `CREATE INDEX social_post_search_newest ON ${q(SEARCH.posts)} (created_at DESC, post_id DESC)`,
    `CREATE INDEX social_user_search_doc ON ${q(SEARCH.users)} USING gin (doc) WITH (fastupdate = off)`,
  ];
}

export const searchDropTableNames = (): string[] => [SEARCH.postWords, SEARCH.posts, SEARCH.users];

/** Tables whose statistics a rebuild refreshes (PostgreSQL: the word statistics the planner reads). */
export const searchAnalyzedTables = (dialect: Dialect): string[] => (dialect === 'postgres' ? [SEARCH.posts, SEARCH.users] : []);

export function searchBackfillStatements(t: Tables, dialect: Dialect): string[] {
  if (dialect === 'postgres') {
    return [
      `INSERT INTO ${q(SEARCH.posts)} (post_id, created_at, doc) SELECT p.id, p.created_at, ${postDocument('p')} FROM ${q(t.posts)} p`,
      `INSERT INTO ${q(SEARCH.users)} (user_id, doc) SELECT u.id, ${userDocument('u')} FROM ${q(t.users)} u`,
    ];
  }
  return [
    `INSERT INTO ${q(SEARCH.posts)} (rowid, title, description) SELECT p.id, coalesce(p.title, ''), coalesce(p.description, '') FROM ${q(t.posts)} p`,
    `INSERT INTO ${q(SEARCH.users)} (rowid, username, name) SELECT u.id, coalesce(u.username, ''), coalesce(u.name, '') FROM ${q(t.users)} u`,
  ];
}

/** The triggers that keep the search tables in step with posts and users (names under `prefix`). */
export function searchTriggerSpecs(t: Tables, dialect: Dialect, prefix: string): TriggerSpec[] {
  const name = (suffix: string) => `${prefix}search_${suffix}`;
  const P = q(SEARCH.posts);
  const U = q(SEARCH.users);
  if (dialect === 'postgres') {
    return [
      {
        name: name('post_insert'),
        table: t.posts,
        events: ['INSERT'],
        body: [`INSERT INTO ${P} (post_id, created_at, doc) VALUES (NEW.id, NEW.created_at, ${postDocument('NEW')}) ON CONFLICT (post_id) DO NOTHING`],
      },
      {
        name: name('post_update'),
        table: t.posts,
        events: [{ update: ['title', 'description', 'created_at'] }],
        body: [`UPDATE ${P} SET created_at = NEW.created_at, doc = ${postDocument('NEW')} WHERE post_id = NEW.id`],
      },
      { name: name('post_delete'), table: t.posts, events: ['DELETE'], body: [`DELETE FROM ${P} WHERE post_id = OLD.id`] },
      {
        name: name('user_insert'),
        table: t.users,
        events: ['INSERT'],
        body: [`INSERT INTO ${U} (user_id, doc) VALUES (NEW.id, ${userDocument('NEW')}) ON CONFLICT (user_id) DO NOTHING`],
      },
      {
        name: name('user_update'),
        table: t.users,
        events: [{ update: ['username', 'name'] }],
        body: [`UPDATE ${U} SET doc = ${userDocument('NEW')} WHERE user_id = NEW.id`],
      },
      { name: name('user_delete'), table: t.users, events: ['DELETE'], body: [`DELETE FROM ${U} WHERE user_id = OLD.id`] },
    ];
  }
  const postRow = (row: 'NEW') => `INSERT INTO ${P} (rowid, title, description) VALUES (${row}.id, coalesce(${row}.title, ''), coalesce(${row}.description, ''))`;
  const userRow = (row: 'NEW') => `INSERT INTO ${U} (rowid, username, name) VALUES (${row}.id, coalesce(${row}.username, ''), coalesce(${row}.name, ''))`;
  return [
    { name: name('post_insert'), table: t.posts, events: ['INSERT'], body: [postRow('NEW')] },
    {
      name: name('post_update'),
      table: t.posts,
      events: [{ update: ['title', 'description'] }],
      body: [`DELETE FROM ${P} WHERE rowid = OLD.id`, postRow('NEW')],
    },
    { name: name('post_delete'), table: t.posts, events: ['DELETE'], body: [`DELETE FROM ${P} WHERE rowid = OLD.id`] },
    { name: name('user_insert'), table: t.users, events: ['INSERT'], body: [userRow('NEW')] },
    {
      name: name('user_update'),
      table: t.users,
      events: [{ update: ['username', 'name'] }],
      body: [`DELETE FROM ${U} WHERE rowid = OLD.id`, userRow('NEW')],
    },
    { name: name('user_delete'), table: t.users, events: ['DELETE'], body: [`DELETE FROM ${U} WHERE rowid = OLD.id`] },
  ];
}

/**
 * The words of a search string, as both engines see words: runs of letters and digits (Unicode
 * letters, numbers, private-use characters: the unicode61 tokenizer's default token characters).
 * Everything else (`%`, `_`, quotes, the engines' operators, emoji, marks, control characters)
 * separates words, so the caller's text never reaches a query as syntax.
 */
export function searchWords(text: string): string[] {
  return [...text.normalize('NFC').matchAll(/[\p{L}\p{N}\p{Co}]+/gu)].map((m) => m[0].toLowerCase()).slice(0, 32);
}
