import type { Core } from '@strapi/strapi';

/**
 * Table and column names of the relations the hot paths touch with knex, read from Strapi's own
 * metadata rather than hard-coded, so a rename in a schema cannot silently desynchronise them.
 */
type JoinTable = { name: string; joinColumn: { name: string }; inverseJoinColumn: { name: string } };
type Link = { table: string; owner: string; target: string };

export type Tables = {
  posts: string;
  comments: string;
  users: string;
  /** (post, user): one row per like. */
  likes: Link;
  /** (follower, followed): one row per follow. */
  follows: Link;
  /** (post, author). */
  postAuthor: Link;
  /** (comment, post). */
  commentPost: Link;
  /** (comment, author). */
  commentAuthor: Link;
  /** (report, post) and (report, comment). */
  reportPost: Link;
  reportComment: Link;
  reportReporter: Link;
  reports: string;
};

function link(strapi: Core.Strapi, uid: string, attribute: string): Link {
  const meta = strapi.db.metadata.get(uid as never) as unknown as {
    attributes: Record<string, { joinTable?: JoinTable }>;
  };
  const joinTable = meta.attributes[attribute]?.joinTable;
  if (!joinTable) throw new Error(`${uid}.${attribute} has no join table`);
  return { table: joinTable.name, owner: joinTable.joinColumn.name, target: joinTable.inverseJoinColumn.name };
}

let cached: Tables | undefined;

export function tables(strapi: Core.Strapi): Tables {
  if (cached) return cached;
  const tableOf = (uid: string) => (strapi.db.metadata.get(uid as never) as unknown as { tableName: string }).tableName;
  cached = {
    posts: tableOf('api::post.post'),
    comments: tableOf('api::comment.comment'),
    users: tableOf('plugin::users-permissions.user'),
    likes: link(strapi, 'api::post.post', 'likedBy'),
    follows: link(strapi, 'plugin::users-permissions.user', 'following'),
    postAuthor: link(strapi, 'api::post.post', 'author'),
    commentPost: link(strapi, 'api::comment.comment', 'post'),
    commentAuthor: link(strapi, 'api::comment.comment', 'author'),
    reportPost: link(strapi, 'api::report.report', 'post'),
    reportComment: link(strapi, 'api::report.report', 'comment'),
    reportReporter: link(strapi, 'api::report.report', 'reporter'),
    reports: tableOf('api::report.report'),
  };
  return cached;
}

/** A boolean read from either database: PostgreSQL answers booleans, SQLite 0/1; NULL is false. */
export const isTrue = (value: unknown): boolean => value === true || value === 1 || value === '1';

/** Whether a database error is a foreign-key violation (the referenced row is gone). */
export function isForeignKeyViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return e?.code === '23503' || e?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Whether a database error is a UNIQUE violation (a concurrent writer got there first). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}
