import type { Core } from '@strapi/strapi';
import { AUTH_GENERATION_TABLE } from './auth-generation';
import { dialectOf, q } from './dialect';
import { prepared } from './prepared';
import { columnOf, linkOf, tableOf } from './tables';
import { syncTriggers, type TriggerSpec } from './triggers';

/**
 * The admin authentication generation: row ADMIN_ROW of the auth generation table
 * (src/db/auth-generation.ts), bumped by triggers in the transaction of every write that can
 * change who an admin user is or what they may do: their row (isActive, blocked, anything a
 * condition could read), their roles, a role, a permission or a permission's role. Sessions are
 * not watched: their state is read on every request instead (adminAuthState), so a logout
 * applies at once without emptying every node's cache at each login.
 * src/auth/cached-admin-authenticate.ts reads both in one statement per request.
 *
 * Idempotent; run from bootstrap() after ensureAuthGeneration (which makes the table).
 */
export const ADMIN_ROW = 2;
const PREFIX = 'social_admin_gen_';
const VERSION = 'v1_';
/** Strapi's admin::session has no index on session_id, and every admin request looks one up. */
const SESSION_INDEX = 'social_sessions_session_id';

const BUMP = `UPDATE ${q(AUTH_GENERATION_TABLE)} SET generation = generation + 1 WHERE id = ${ADMIN_ROW}`;

function watchedTables(strapi: Core.Strapi): TriggerSpec[] {
  const all: TriggerSpec['events'] = ['INSERT', { update: [] }, 'DELETE'];
  const tablesOf = [
    tableOf(strapi, 'admin::user'),
    linkOf(strapi, 'admin::user', 'roles').table,
    tableOf(strapi, 'admin::role'),
    tableOf(strapi, 'admin::permission'),
    linkOf(strapi, 'admin::permission', 'role').table,
  ];
  // One bump per statement on PostgreSQL: saving a role rewrites many permission rows at once.
  return tablesOf.map((table) => ({ name: `${PREFIX}${VERSION}${table}`, table, events: all, body: [BUMP], perStatement: true }));
}

export async function ensureAdminAuthGeneration(strapi: Core.Strapi): Promise<void> {
  const client = strapi.db.dialect.client;
  if (client !== 'postgres' && client !== 'sqlite') return; // ensureAuthGeneration warned already
  const knex = strapi.db.connection;
  const sessions = tableOf(strapi, 'admin::session');
  const sessionId = columnOf(strapi, 'admin::session', 'sessionId');
  await knex.raw(`CREATE INDEX IF NOT EXISTS ${q(SESSION_INDEX)} ON ${q(sessions)} (${q(sessionId)})`);
  // From the current time in ms, for the reason given in ensureAuthGeneration.
  await knex.raw(`INSERT INTO ${q(AUTH_GENERATION_TABLE)} (id, generation) VALUES (${ADMIN_ROW}, ${Date.now()}) ON CONFLICT (id) DO NOTHING`);
  await syncTriggers(knex, dialectOf(strapi), PREFIX, watchedTables(strapi));
}

/** What one request needs from the database before any cache: the generation and its session. */
export type AdminAuthState = {
  /** undefined: the generation row is missing (nothing may be cached). */
  generation: string | undefined;
  /** undefined: no session with that id. */
  session: { origin: string | null; expiresAt: Date | null } | undefined;
};

const toDate = (value: unknown): Date | null => {
  if (value === null || value === undefined) return null;
  const date = value instanceof Date ? value : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : (value as string | number));
  return Number.isNaN(date.getTime()) ? null : date;
};

/** The admin generation and the session `sessionId`, in one indexed statement. Throws when the table is missing. */
export async function adminAuthState(strapi: Core.Strapi, sessionId: string): Promise<AdminAuthState> {
  const knex = strapi.db.connection;
  const col = (attribute: string) => `s.${columnOf(strapi, 'admin::session', attribute)}`;
  const query = knex
    .select('g.generation', `${col('origin')} as origin`, `${col('expiresAt')} as expires_at`)
    .from(`${AUTH_GENERATION_TABLE} as g`)
    .leftJoin(`${tableOf(strapi, 'admin::session')} as s`, (join) => join.onVal(col('sessionId'), '=', sessionId))
    .where('g.id', ADMIN_ROW)
    .limit(1);
  const [row] = (await prepared(strapi, query)) as Array<{ generation: string | number; origin: string | null; expires_at: unknown }>;
  if (!row) return { generation: undefined, session: undefined };
  const found = row.origin !== null || row.expires_at !== null;
  return { generation: String(row.generation), session: found ? { origin: row.origin, expiresAt: toDate(row.expires_at) } : undefined };
}
