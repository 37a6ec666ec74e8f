import type { Core } from '@strapi/strapi';
import { isTrue, q } from '../dialect';
import { DERIVED } from '../derived/definitions';

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
 * the join they read (after `FROM users u`), each with its bindings. The figures are counters in
 * the user's social_user_stats row, kept exact by triggers (src/db/derived/records.ts), so the
 * record is one primary-key lookup per user on both databases, however much the user wrote or
 * was reported; a LEFT JOIN, so a user without the row (never, once the triggers exist) reads 0s.
 * `timestamp` writes the SQL of the account's creation time (src/db/utc-timestamps.ts).
 */
export function userRecordSql(_strapi: Core.Strapi, prefix = '', timestamp = (column: string) => column): { columns: Sql; joins: Sql } {
  const n = (column: string) => `COALESCE(ur_s.${column}, 0)`;
  const sql = [
    `u.id AS ${prefix}id, u.document_id AS ${prefix}document_id, u.username AS ${prefix}username, u.email AS ${prefix}email`,
    `u.blocked AS ${prefix}blocked, ${timestamp('u.created_at')} AS ${prefix}created_at`,
    `${n('posts')} AS ${prefix}posts, ${n('comments')} AS ${prefix}comments, ${n('hidden_posts')} + ${n('hidden_comments')} AS ${prefix}hidden_items`,
    `${n('reports_against')} AS ${prefix}reports_against, ${n('open_reports_against')} AS ${prefix}open_against`,
  ].join(', ');
  return {
    columns: { sql, bindings: [] },
    joins: { sql: `LEFT JOIN ${q(DERIVED.userStats)} ur_s ON ur_s.user_id = u.id`, bindings: [] },
  };
}

/**
 * The SQL of a record as the API's JSON object, from the columns of userRecordSql (named
 * `${prefix}…`) of the row `alias`, with its timestamp already an ISO string: for statements that
 * write the console's JSON themselves. The same keys and values as toUserRecord.
 */
export function userRecordJsonSql(alias: string, prefix = ''): string {
  const c = (name: string) => `${alias}.${prefix}${name}`;
  return `json_build_object('id', ${c('id')}, 'documentId', ${c('document_id')}, 'username', ${c('username')}, 'email', ${c('email')},
    'blocked', COALESCE(${c('blocked')}, false), 'joinedAt', COALESCE(${c('created_at')}, ''), 'posts', ${c('posts')}, 'comments', ${c('comments')},
    'hiddenItems', ${c('hidden_items')}, 'reportsAgainst', ${c('reports_against')}, 'openReportsAgainst', ${c('open_against')})`;
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
