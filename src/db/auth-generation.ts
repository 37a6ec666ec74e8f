import type { Core } from '@strapi/strapi';
import { dialectOf, q } from './dialect';
import { prepared } from './prepared';
import { columnOf, linkOf, tableOf } from './tables';
import { syncTriggers, type TriggerSpec } from './triggers';

/**
 * The authentication generation: a one-row counter that database triggers bump in the same
 * transaction as every write that can change what users-permissions' `authenticate` answers
 * (permissions, roles, a user's role, a user's blocked/confirmed/password, a user's deletion, the
 * plugin's `advanced` settings). src/auth/cached-authenticate.ts reads it once per request and
 * uses its in-memory cache only while it is unchanged, so every node sees every such write on its
 * very next request, whoever made it (the admin, a route, another node, psql).
 *
 * Idempotent; run from bootstrap() (after Strapi's schema sync, under the startup lock). The
 * triggers are made once: the version is in their names (src/db/triggers.ts syncTriggers).
 */
export const AUTH_GENERATION_TABLE = 'social_auth_generation';
/** Trigger (and PostgreSQL function) names. Distinct from the derived counters' `social_count_`. */
const PREFIX = 'social_auth_gen_';
const VERSION = 'v2_';

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

const BUMP = `UPDATE ${q(AUTH_GENERATION_TABLE)} SET generation = generation + 1 WHERE id = 1`;

function watchedTables(strapi: Core.Strapi): TriggerSpec[] {
  const PERMISSION = 'plugin::users-permissions.permission';
  const USER = 'plugin::users-permissions.user';
  const STORE = 'strapi::core-store';
  const joinTable = (uid: string, attribute: string) => linkOf(strapi, uid, attribute).table;

  // The plugin reads strapi.store({ type: 'plugin', name: 'users-permissions' }).get({ key: 'advanced' });
  // the core store keeps it under `${type}_${name}_${key}`.
  const key = literal('plugin_users-permissions_advanced');
  const keyColumn = q(columnOf(strapi, STORE, 'key'));
  const userColumns = ['blocked', 'confirmed', 'password'].map((attribute) => columnOf(strapi, USER, attribute));
  const users = tableOf(strapi, USER);
  const store = tableOf(strapi, STORE);
  const changed = (c: string) => `OLD.${q(c)} IS DISTINCT FROM NEW.${q(c)}`;
  const all: TriggerSpec['events'] = ['INSERT', { update: [] }, 'DELETE'];
  // One bump per statement where no row condition is needed (PostgreSQL): a role saved in the
  // admin rewrites many permission rows at once.
  const spec = (name: string, table: string, events: TriggerSpec['events'], when?: string): TriggerSpec => ({
    name: `${PREFIX}${VERSION}${table}_${name}`,
    table,
    events,
    when,
    body: [BUMP],
    perStatement: when === undefined,
  });

  return [
    spec('all', tableOf(strapi, PERMISSION), all),
    spec('all', joinTable(PERMISSION, 'role'), all),
    spec('all', joinTable(USER, 'role'), all),
    spec('all', tableOf(strapi, 'plugin::users-permissions.role'), all),
    spec('delete', users, ['DELETE']),
    spec('update', users, [{ update: userColumns }], userColumns.map(changed).join(' OR ')),
    // OLD does not exist in an INSERT trigger nor NEW in a DELETE one: one trigger per event.
    spec('insert', store, ['INSERT'], `NEW.${keyColumn} = ${key}`),
    spec('update', store, [{ update: [] }], `OLD.${keyColumn} = ${key} OR NEW.${keyColumn} = ${key}`),
    spec('delete', store, ['DELETE'], `OLD.${keyColumn} = ${key}`),
  ];
}

export async function ensureAuthGeneration(strapi: Core.Strapi): Promise<void> {
  const client = strapi.db.dialect.client;
  if (client !== 'postgres' && client !== 'sqlite') {
    // The cached authenticate finds no table and loads everything on every request, uncached.
    strapi.log.warn(`Auth generation: ${client} is not supported; authentication stays uncached.`);
    return;
  }
  const dialect = dialectOf(strapi);
  const knex = strapi.db.connection;
  const type = dialect === 'postgres' ? 'bigint' : 'integer';
  await knex.raw(`CREATE TABLE IF NOT EXISTS ${q(AUTH_GENERATION_TABLE)} (id integer PRIMARY KEY, generation ${type} NOT NULL)`);
  // Starts at the current time in ms, not 0: should the table ever be dropped and recreated under
  // running nodes, its new values will not equal generations they still have cached.
  await knex.raw(
    `INSERT INTO ${q(AUTH_GENERATION_TABLE)} (id, generation) VALUES (1, ${Date.now()}) ON CONFLICT (id) DO NOTHING`
  );
  await syncTriggers(knex, dialect, PREFIX, watchedTables(strapi));
}

/** The current generation (a string: pg answers bigint as one), or undefined when the row is missing. */
export async function readGeneration(strapi: Core.Strapi): Promise<string | undefined> {
  const row = (await prepared(strapi, strapi.db.connection.select('generation').from(AUTH_GENERATION_TABLE).where('id', 1).first())) as
    | { generation: string | number }
    | undefined;
  return row === undefined ? undefined : String(row.generation);
}
