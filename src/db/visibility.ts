import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { flagSql, q } from './dialect';
import { tables, type Tables } from './tables';

/**
 * Who may see a post, in its one SQL form: everyone, unless a moderator hid it; then only its
 * author. Every query that reads or lists posts for a viewer composes this condition, so no list
 * can forget it (blocks will join it here).
 *
 * `post` is the alias of the posts table in the query; `viewerId` undefined is an anonymous caller;
 * `authorColumn`, a qualified column holding the post's author id where the query has one.
 */
export function visiblePost(strapi: Core.Strapi, post: string, viewerId?: number, authorColumn?: string): Knex.Raw {
  const t = tables(strapi);
  const knex: Knex = strapi.db.connection;
  const shown = `${flagSql(`${q(post)}.hidden`)} = 0`;
  if (viewerId === undefined) return knex.raw(`(${shown})`);
  // Where the query already joins the post's author link, its column says who the author is.
  if (authorColumn) return knex.raw(`(${shown} OR ${authorColumn} = ?)`, [viewerId]);
  return knex.raw(
    `(${shown} OR EXISTS (SELECT 1 FROM ${q(t.postAuthor.table)} va WHERE va.${q(t.postAuthor.owner)} = ${q(post)}.id AND va.${q(t.postAuthor.target)} = ?))`,
    [viewerId]
  );
}

/**
 * The same rule on an ordered list table that carries a copy of the post's hidden flag (0/1) and
 * its author (social_author_posts, social_home; triggers keep both exact). Lists filter on these
 * so that a page reads its index in order and stops after `limit + 1` rows: a join to posts before
 * the LIMIT made PostgreSQL read and sort every post of an author of 20,000.
 */
export function visibleListedPost(strapi: Core.Strapi, list: string, authorColumn: string, viewerId?: number): Knex.Raw {
  const knex: Knex = strapi.db.connection;
  const shown = `${q(list)}.hidden = 0`;
  if (viewerId === undefined) return knex.raw(`(${shown})`);
  return knex.raw(`(${shown} OR ${q(list)}.${q(authorColumn)} = ?)`, [viewerId]);
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
export const notBlockedSql = (t: Tables, userColumn: string, viewer: string): string =>
  `NOT EXISTS (SELECT 1 FROM ${q(t.blocks.table)} vb WHERE (vb.${q(t.blocks.owner)} = ${viewer} AND vb.${q(t.blocks.target)} = ${userColumn}) OR (vb.${q(t.blocks.owner)} = ${userColumn} AND vb.${q(t.blocks.target)} = ${viewer}))`;

/** notMuted's SQL with the viewer as an SQL expression (see notBlockedSql). */
export const notMutedSql = (t: Tables, userColumn: string, viewer: string): string =>
  `NOT EXISTS (SELECT 1 FROM ${q(t.mutes.table)} vm WHERE vm.${q(t.mutes.owner)} = ${viewer} AND vm.${q(t.mutes.target)} = ${userColumn})`;
