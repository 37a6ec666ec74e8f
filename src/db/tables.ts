import type { Core } from '@strapi/strapi';

/**
 * Table and column names, read once from Strapi's own metadata rather than hard-coded, so a
 * rename in a schema cannot silently desynchronise the SQL of the repositories and triggers.
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
  /** (blocker, blocked): one row per block. */
  blocks: Link;
  /** (muter, muted): one row per mute. */
  mutes: Link;
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

type Meta = { tableName: string; attributes: Record<string, { columnName?: string; joinTable?: JoinTable }> };

const metaOf = (strapi: Core.Strapi, uid: string): Meta => strapi.db.metadata.get(uid as never) as unknown as Meta;

/** The table of a content type (or of Strapi's own models, e.g. `strapi::core-store`). */
export const tableOf = (strapi: Core.Strapi, uid: string): string => metaOf(strapi, uid).tableName;

/** The column of an attribute. */
export const columnOf = (strapi: Core.Strapi, uid: string, attribute: string): string => metaOf(strapi, uid).attributes[attribute]?.columnName ?? attribute;

/** The join table of a relation, with its owner and target columns. */
export function linkOf(strapi: Core.Strapi, uid: string, attribute: string): Link {
  const joinTable = metaOf(strapi, uid).attributes[attribute]?.joinTable;
  if (!joinTable) throw new Error(`${uid}.${attribute} has no join table`);
  return { table: joinTable.name, owner: joinTable.joinColumn.name, target: joinTable.inverseJoinColumn.name };
}

let cached: Tables | undefined;

export function tables(strapi: Core.Strapi): Tables {
  if (cached) return cached;
  const table = (uid: string) => tableOf(strapi, uid);
  const link = (uid: string, attribute: string) => linkOf(strapi, uid, attribute);
  cached = {
    posts: table('api::post.post'),
    comments: table('api::comment.comment'),
    users: table('plugin::users-permissions.user'),
    likes: link('api::post.post', 'likedBy'),
    follows: link('plugin::users-permissions.user', 'following'),
    blocks: link('plugin::users-permissions.user', 'blocking'),
    mutes: link('plugin::users-permissions.user', 'muting'),
    postAuthor: link('api::post.post', 'author'),
    commentPost: link('api::comment.comment', 'post'),
    commentAuthor: link('api::comment.comment', 'author'),
    reportPost: link('api::report.report', 'post'),
    reportComment: link('api::report.report', 'comment'),
    reportReporter: link('api::report.report', 'reporter'),
    reports: table('api::report.report'),
  };
  return cached;
}
