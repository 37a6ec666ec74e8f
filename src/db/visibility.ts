import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { flagSql, q } from './dialect';
import { tables, type Tables } from './tables';

/**
 * Which per-viewer rules a post read applies besides hiding. Blocks apply everywhere a viewer
 * reads (the default); `blocks: false` is for the like, unlike and comment checks, which answer
 * a block with 403 rather than 404. Mutes apply to the muter's feed and public timeline only.
 */
export type PostRule = { blocks?: boolean; mutes?: boolean };

/** The post's author as an SQL expression: the query's own column, or a lookup in the author link. */
const authorOf = (strapi: Core.Strapi, post: string, authorColumn?: string): string => {
  if (authorColumn) return authorColumn;
  const a = tables(strapi).postAuthor;
  return `(SELECT va.${q(a.target)} FROM ${q(a.table)} va WHERE va.${q(a.owner)} = ${q(post)}.id)`;
};

/** The viewer rules (blocks, mutes) on an author expression, as SQL with bindings, or null. */
function authorRules(strapi: Core.Strapi, author: string, viewerId: number, rule: PostRule): { sql: string; bindings: Knex.RawBinding[] } | null {
  const parts: Knex.Raw[] = [];
  if (rule.blocks !== false) parts.push(notBlocked(strapi, author, viewerId));
  if (rule.mutes) parts.push(notMuted(strapi, author, viewerId));
  if (parts.length === 0) return null;
  const built = parts.map((part) => part.toSQL());
  return { sql: built.map((b) => b.sql).join(' AND '), bindings: built.flatMap((b) => [...b.bindings]) };
}

/**
 * Who may see a post, in its one SQL form: everyone, unless a moderator hid it; then only its
 * author. For a viewer with a token, also not when the viewer and the author blocked each other
 * (and, with `rule.mutes`, not when the viewer muted the author). Every query that reads or lists
 * posts for a viewer composes this condition, so no list can forget it.
 *
 * `post` is the alias of the posts table in the query; `viewerId` undefined is an anonymous caller;
 * `authorColumn`, a qualified column holding the post's author id where the query has one.
 */
export function visiblePost(strapi: Core.Strapi, post: string, viewerId?: number, authorColumn?: string, rule: PostRule = {}): Knex.Raw {
  const knex: Knex = strapi.db.connection;
  const shown = `${flagSql(`${q(post)}.hidden`)} = 0`;
  if (viewerId === undefined) return knex.raw(`(${shown})`);
  const author = authorOf(strapi, post, authorColumn);
  const rules = authorRules(strapi, author, viewerId, rule);
  return knex.raw(`((${shown} OR ${author} = ?)${rules ? ` AND ${rules.sql}` : ''})`, [viewerId, ...(rules?.bindings ?? [])]);
}

/**
 * The same rule on an ordered list table that carries a copy of the post's hidden flag (0/1) and
 * its author (social_author_posts, social_home; triggers keep both exact). Lists filter on these
 * so that a page reads its index in order and stops after `limit + 1` rows: a join to posts before
 * the LIMIT made PostgreSQL read and sort every post of an author of 20,000. Blocks and mutes are
 * two unique-index probes per row (the blocks and mutes join tables' (owner, target) index).
 */
export function visibleListedPost(strapi: Core.Strapi, list: string, authorColumn: string, viewerId?: number, rule: PostRule = {}): Knex.Raw {
  const knex: Knex = strapi.db.connection;
  const shown = `${q(list)}.hidden = 0`;
  if (viewerId === undefined) return knex.raw(`(${shown})`);
  const author = `${q(list)}.${q(authorColumn)}`;
  const rules = authorRules(strapi, author, viewerId, rule);
  return knex.raw(`((${shown} OR ${author} = ?)${rules ? ` AND ${rules.sql}` : ''})`, [viewerId, ...(rules?.bindings ?? [])]);
}

/**
 * Who may see a comment in a list (a post's comments, inline or paged): for a viewer with a
 * token, not one whose author and the viewer blocked each other. `commentId` is a qualified column
 * holding the comment's id.
 */
export function visibleComment(strapi: Core.Strapi, commentId: string, viewerId?: number): Knex.Raw {
  const knex: Knex = strapi.db.connection;
  if (viewerId === undefined) return knex.raw('(1 = 1)');
  const a = tables(strapi).commentAuthor;
  return notBlocked(strapi, `(SELECT vca.${q(a.target)} FROM ${q(a.table)} vca WHERE vca.${q(a.owner)} = ${commentId})`, viewerId);
}

/**
 * Blocks, in their one SQL form: true unless the viewer blocked the user in `userColumn` (a
 * qualified column holding a user id) or that user blocked the viewer. Anonymous callers see
 * everything. Every list of posts, comments and profiles composes it for a viewer with a token.
 */
export function notBlocked(strapi: Core.Strapi, userColumn: string, viewerId?: number): Knex.Raw {
  const knex: Knex = strapi.db.connection;
  if (viewerId === undefined) return knex.raw('(1 = 1)');
  return knex.raw(notBlockedSql(tables(strapi), userColumn, '?'), [viewerId, viewerId]);
}

/**
 * Mutes, in their one SQL form: true unless the viewer muted the user in `userColumn`. Applies to
 * the muter's feed, public timeline and notifications only (the contract: nothing else changes).
 */
export function notMuted(strapi: Core.Strapi, userColumn: string, viewerId?: number): Knex.Raw {
  const knex: Knex = strapi.db.connection;
  if (viewerId === undefined) return knex.raw('(1 = 1)');
  return knex.raw(notMutedSql(tables(strapi), userColumn, '?'), [viewerId]);
}

/**
 * notBlocked's SQL with the viewer as an SQL expression (`?` for a bound value, or a column such
 * as a trigger's `NEW.user_id`): the one text of the rule, which notBlocked binds and the
 * notification triggers (src/db/derived/notifications.ts) use as it is.
 */
// Two probes of the (owner, target) unique index rather than one OR, which planners may scan.
export const notBlockedSql = (t: Tables, userColumn: string, viewer: string): string =>
  `(NOT EXISTS (SELECT 1 FROM ${q(t.blocks.table)} vb WHERE vb.${q(t.blocks.owner)} = ${viewer} AND vb.${q(t.blocks.target)} = ${userColumn})` +
  ` AND NOT EXISTS (SELECT 1 FROM ${q(t.blocks.table)} vb2 WHERE vb2.${q(t.blocks.owner)} = ${userColumn} AND vb2.${q(t.blocks.target)} = ${viewer}))`;

/** notMuted's SQL with the viewer as an SQL expression (see notBlockedSql). */
export const notMutedSql = (t: Tables, userColumn: string, viewer: string): string =>
  `(NOT EXISTS (SELECT 1 FROM ${q(t.mutes.table)} vm WHERE vm.${q(t.mutes.owner)} = ${viewer} AND vm.${q(t.mutes.target)} = ${userColumn}))`;
