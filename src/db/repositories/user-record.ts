import type { Core } from '@strapi/strapi';
import { dialectOf, isTrue } from '../dialect';
import { tables } from '../tables';

/**
 * A user's moderation record (account age, posts and comments, hidden items, reports against
 * them, blocked): the select list both the user page (moderation.ts userRecords) and the queue's
 * cards (moderation-cards.ts) read, so the two can never count differently.
 */
export type UserRecord = {
  id: number;
  documentId: string;
  username: string;
  email: string;
  blocked: boolean;
  joinedAt: string;
  posts: number;
  comments: number;
  hiddenItems: number;
  reportsAgainst: number;
  openReportsAgainst: number;
};

type Sql = { sql: string; bindings: unknown[] };

/**
 * The SQL of the record of the users table aliased `u`: its columns, each named `${prefix}…`, and
 * the joins they read (after `FROM users u`), each with its bindings. PostgreSQL counts each kind
 * of item in one pass (a LATERAL join with FILTERed counts: four index walks per user, not eight);
 * SQLite, which has no LATERAL, runs one correlated subquery per figure. `timestamp` writes the
 * SQL of the account's creation time (src/db/utc-timestamps.ts).
 */
export function userRecordSql(strapi: Core.Strapi, prefix = '', timestamp = (column: string) => column): { columns: Sql; joins: Sql } {
  const { posts, comments, postAuthor, commentAuthor, reports, reportPost, reportComment } = tables(strapi);
  const base = [
    `u.id AS ${prefix}id, u.document_id AS ${prefix}document_id, u.username AS ${prefix}username, u.email AS ${prefix}email`,
    `u.blocked AS ${prefix}blocked, ${timestamp('u.created_at')} AS ${prefix}created_at`,
  ];
  const ownedFrom = (table: string, link: typeof postAuthor) => `FROM ${link.table} a JOIN ${table} x ON x.id = a.${link.owner} WHERE a.${link.target} = u.id`;
  const againstFrom = (author: typeof postAuthor, link: typeof reportPost) =>
    `FROM ${author.table} a JOIN ${link.table} l ON l.${link.target} = a.${author.owner} JOIN ${reports} r ON r.id = l.${link.owner} WHERE a.${author.target} = u.id`;
  if (dialectOf(strapi) === 'postgres') {
    const owned = (table: string, link: typeof postAuthor, alias: string) => `CROSS JOIN LATERAL (SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE x.hidden = ?) AS hidden ${ownedFrom(table, link)}) ${alias}`;
    const against = (author: typeof postAuthor, link: typeof reportPost, alias: string) =>
      `CROSS JOIN LATERAL (SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE r.state = 'open') AS open ${againstFrom(author, link)}) ${alias}`;
    return {
      columns: {
        sql: [
          ...base,
          `ur_p.n AS ${prefix}posts, ur_c.n AS ${prefix}comments, ur_p.hidden + ur_c.hidden AS ${prefix}hidden_items`,
          `ur_rp.n + ur_rc.n AS ${prefix}reports_against, ur_rp.open + ur_rc.open AS ${prefix}open_against`,
        ].join(', '),
        bindings: [],
      },
      joins: {
        sql: [owned(posts, postAuthor, 'ur_p'), owned(comments, commentAuthor, 'ur_c'), against(postAuthor, reportPost, 'ur_rp'), against(commentAuthor, reportComment, 'ur_rc')].join(' '),
        bindings: [true, true],
      },
    };
  }
  const owned = (table: string, link: typeof postAuthor, hidden: boolean) => `(SELECT COUNT(*) ${ownedFrom(table, link)}${hidden ? ' AND x.hidden = ?' : ''})`;
  const against = (author: typeof postAuthor, link: typeof reportPost, open: boolean) => `(SELECT COUNT(*) ${againstFrom(author, link)}${open ? " AND r.state = 'open'" : ''})`;
  const sql = [
    ...base,
    `${owned(posts, postAuthor, false)} AS ${prefix}posts`,
    `${owned(comments, commentAuthor, false)} AS ${prefix}comments`,
    `${owned(posts, postAuthor, true)} + ${owned(comments, commentAuthor, true)} AS ${prefix}hidden_items`,
    `${against(postAuthor, reportPost, false)} + ${against(commentAuthor, reportComment, false)} AS ${prefix}reports_against`,
    `${against(postAuthor, reportPost, true)} + ${against(commentAuthor, reportComment, true)} AS ${prefix}open_against`,
  ].join(', ');
  return { columns: { sql, bindings: [true, true] }, joins: { sql: '', bindings: [] } };
}

/** A row of userRecordSql (its columns named `${prefix}…`) as a record. */
export function toUserRecord(row: Record<string, unknown>, iso: (value: unknown) => string, prefix = ''): UserRecord {
  const get = (name: string) => row[`${prefix}${name}`];
  return {
    id: Number(get('id')),
    documentId: get('document_id') as string,
    username: get('username') as string,
    email: get('email') as string,
    blocked: isTrue(get('blocked')),
    joinedAt: iso(get('created_at')),
    posts: Number(get('posts') ?? 0),
    comments: Number(get('comments') ?? 0),
    hiddenItems: Number(get('hidden_items') ?? 0),
    reportsAgainst: Number(get('reports_against') ?? 0),
    openReportsAgainst: Number(get('open_against') ?? 0),
  };
}
