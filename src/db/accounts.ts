import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { dialectOf, q } from './dialect';
import { tables } from './tables';
import { syncTriggers, type TriggerSpec } from './triggers';

/**
 * Rules on accounts that hold for every writer (our routes, the plugin's, the Content Manager,
 * another node, psql), so they are kept by the database itself:
 * - a user's password version, bumped in the transaction that changes the password hash: tokens
 *   carry the version they were issued at (src/auth/tokens.ts), so a password change cuts off
 *   every token issued before it;
 * - deleting a user deletes what they wrote (posts with their comments, comments, reports filed,
 *   with the open-report counts of what they reported recounted);
 *   likes and follows go by the join tables' ON DELETE CASCADE, and the counters' triggers follow;
 * - usernames are unique without regard to case (a UNIQUE index on lower(username));
 * - emails are indexed, for the login look-up.
 *
 * Idempotent; run from bootstrap() under the start-up lock. The version is in the trigger names:
 * a changed definition gets new names, and triggers of this prefix that are not current are dropped.
 */
export const PASSWORD_VERSIONS = 'social_password_versions';
const PREFIX = 'social_account_';
const name = (suffix: string) => `${PREFIX}v2_${suffix}`;

function specs(strapi: Core.Strapi): TriggerSpec[] {
  const t = tables(strapi);
  const pv = q(PASSWORD_VERSIONS);
  const filedByOld = `SELECT ${q(t.reportReporter.owner)} FROM ${q(t.reportReporter.table)} WHERE ${q(t.reportReporter.target)} = OLD.id`;
  const postsOfUser = `SELECT ${q(t.postAuthor.owner)} FROM ${q(t.postAuthor.table)} WHERE ${q(t.postAuthor.target)} = OLD.id`;
  return [
    {
      name: name('password_changed'),
      table: t.users,
      events: [{ update: ['password'] }],
      when: 'OLD.password IS DISTINCT FROM NEW.password',
      body: [
        `INSERT INTO ${pv} (user_id, version) VALUES (NEW.id, 1)
         ON CONFLICT (user_id) DO UPDATE SET version = ${pv}.version + 1`,
      ],
    },
    { name: name('password_forget'), table: t.users, events: ['DELETE'], body: [`DELETE FROM ${pv} WHERE user_id = OLD.id`] },
    {
      // BEFORE: the rows that link the user to their posts and comments still exist.
      name: name('delete_content'),
      table: t.users,
      events: ['DELETE'],
      timing: 'BEFORE',
      body: [
        // The open-report counts of what they reported, recounted without their reports (the
        // report service keeps these counts; a delete here does not go through it).
        ...([
          [t.posts, t.reportPost],
          [t.comments, t.reportComment],
        ] as const).map(
          ([table, link]) =>
            `UPDATE ${q(table)} SET open_reports =
               (SELECT count(*) FROM ${q(link.table)} l JOIN ${q(t.reports)} r ON r.id = l.${q(link.owner)}
                 WHERE l.${q(link.target)} = ${q(table)}.id AND r.state = 'open' AND r.id NOT IN (${filedByOld}))
             WHERE id IN (SELECT l.${q(link.target)} FROM ${q(link.table)} l WHERE l.${q(link.owner)} IN (${filedByOld}))`
        ),
        `DELETE FROM ${q(t.reports)} WHERE id IN (${filedByOld})`,
        `DELETE FROM ${q(t.comments)} WHERE id IN
           (SELECT ${q(t.commentPost.owner)} FROM ${q(t.commentPost.table)} WHERE ${q(t.commentPost.target)} IN (${postsOfUser}))`,
        `DELETE FROM ${q(t.comments)} WHERE id IN
           (SELECT ${q(t.commentAuthor.owner)} FROM ${q(t.commentAuthor.table)} WHERE ${q(t.commentAuthor.target)} = OLD.id)`,
        `DELETE FROM ${q(t.posts)} WHERE id IN (${postsOfUser})`,
      ],
    },
  ];
}

export async function ensureAccountRules(strapi: Core.Strapi): Promise<void> {
  const dialect = dialectOf(strapi);
  const knex = strapi.db.connection as Knex;
  const users = q(tables(strapi).users);
  await knex.raw(`CREATE TABLE IF NOT EXISTS ${q(PASSWORD_VERSIONS)} (user_id integer PRIMARY KEY, version integer NOT NULL)`);
  await knex.raw(`CREATE INDEX IF NOT EXISTS social_users_email ON ${users} (email)`);
  try {
    await knex.raw(`CREATE UNIQUE INDEX IF NOT EXISTS social_users_username_ci ON ${users} (lower(username))`);
  } catch (error) {
    // Accounts from before the rule that differ only in case: registration still refuses new
    // such pairs (src/auth/account-rules.ts), and the index follows once they are renamed.
    strapi.log.warn(`Usernames that differ only in case exist; rename them to let the database enforce the rule (${(error as Error).message}).`);
  }

  await syncTriggers(knex, dialect, PREFIX, specs(strapi));
}
