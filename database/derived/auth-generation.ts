import type { Core } from '@strapi/strapi';
import { q, type Dialect } from './sql';

/**
 * The authentication generation: a one-row counter that database triggers bump in the same
 * transaction as every write that can change what users-permissions' `authenticate` answers
 * (permissions, roles, a user's role, a user's blocked/confirmed/password, a user's deletion, the
 * plugin's `advanced` settings). src/auth/cached-authenticate.ts reads it once per request and
 * uses its in-memory cache only while it is unchanged, so every node sees every such write on its
 * very next request, whoever made it (the admin, a route, another node, psql).
 *
 * Idempotent; run from bootstrap() (after Strapi's schema sync, under the startup lock).
 */
export const AUTH_GENERATION_TABLE = 'social_auth_generation';
/** Trigger (and PostgreSQL function) names. Distinct from the derived counters' `social_count_`. */
const PREFIX = 'social_auth_gen_';

type Meta = { tableName: string; attributes: Record<string, { columnName?: string; joinTable?: { name: string } }> };

type Trigger = {
  /** Trigger name suffix, unique per table. */
  name: string;
  table: string;
  events: Array<'INSERT' | 'UPDATE' | 'DELETE'>;
  /** UPDATE OF these columns only. */
  columns?: string[];
  /** Row condition; the trigger is row-level on both dialects when set. */
  when?: string;
};

const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

function watchedTables(strapi: Core.Strapi, dialect: Dialect): Trigger[] {
  const meta = (uid: string) => strapi.db.metadata.get(uid as never) as unknown as Meta;
  const joinTable = (uid: string, attribute: string) => {
    const name = meta(uid).attributes[attribute]?.joinTable?.name;
    if (!name) throw new Error(`${uid}.${attribute} has no join table`);
    return name;
  };
  const permission = meta('plugin::users-permissions.permission');
  const role = meta('plugin::users-permissions.role');
  const user = meta('plugin::users-permissions.user');
  const store = meta('strapi::core-store');
  const column = (m: Meta, attribute: string) => m.attributes[attribute]?.columnName ?? attribute;

  // The plugin reads strapi.store({ type: 'plugin', name: 'users-permissions' }).get({ key: 'advanced' });
  // the core store keeps it under `${type}_${name}_${key}`.
  const key = literal('plugin_users-permissions_advanced');
  const keyColumn = q(column(store, 'key'));
  const userColumns = ['blocked', 'confirmed', 'password'].map((attribute) => column(user, attribute));
  const changed = (c: string) =>
    dialect === 'postgres' ? `OLD.${q(c)} IS DISTINCT FROM NEW.${q(c)}` : `OLD.${q(c)} IS NOT NEW.${q(c)}`;
  const all: Trigger['events'] = ['INSERT', 'UPDATE', 'DELETE'];

  return [
    { name: 'all', table: permission.tableName, events: all },
    { name: 'all', table: joinTable('plugin::users-permissions.permission', 'role'), events: all },
    { name: 'all', table: joinTable('plugin::users-permissions.user', 'role'), events: all },
    { name: 'all', table: role.tableName, events: all },
    { name: 'delete', table: user.tableName, events: ['DELETE'] },
    { name: 'update', table: user.tableName, events: ['UPDATE'], columns: userColumns, when: userColumns.map(changed).join(' OR ') },
    // OLD does not exist in an INSERT trigger nor NEW in a DELETE one: one trigger per event.
    { name: 'insert', table: store.tableName, events: ['INSERT'], when: `NEW.${keyColumn} = ${key}` },
    { name: 'update', table: store.tableName, events: ['UPDATE'], when: `OLD.${keyColumn} = ${key} OR NEW.${keyColumn} = ${key}` },
    { name: 'delete', table: store.tableName, events: ['DELETE'], when: `OLD.${keyColumn} = ${key}` },
  ];
}

const BUMP = `UPDATE ${q(AUTH_GENERATION_TABLE)} SET generation = generation + 1 WHERE id = 1`;
const FUNCTION = `${PREFIX}bump`;

const eventSql = (trigger: Trigger, event: Trigger['events'][number]) =>
  event === 'UPDATE' && trigger.columns ? `UPDATE OF ${trigger.columns.map(q).join(', ')}` : event;

/** The statements that (re)create one trigger, to run in one transaction. */
function triggerStatements(dialect: Dialect, trigger: Trigger): string[] {
  const table = q(trigger.table);
  if (dialect === 'sqlite') {
    // SQLite has only row-level triggers, and one event per trigger (each table has each event once).
    const when = trigger.when ? ` WHEN ${trigger.when}` : '';
    return trigger.events.flatMap((event) => {
      const name = q(`${PREFIX}${trigger.table}_${event.toLowerCase()}`);
      return [`DROP TRIGGER IF EXISTS ${name}`, `CREATE TRIGGER ${name} AFTER ${eventSql(trigger, event)} ON ${table} FOR EACH ROW${when} BEGIN ${BUMP}; END`];
    });
  }
  // PostgreSQL: one bump per statement where no row condition is needed (a role saved in the
  // admin rewrites many permission rows at once); TRUNCATE counts as a delete.
  const name = q(`${PREFIX}${trigger.table}_${trigger.name}`);
  const events = trigger.events.map((event) => eventSql(trigger, event));
  if (!trigger.when && trigger.events.includes('DELETE')) events.push('TRUNCATE');
  const level = trigger.when ? `FOR EACH ROW WHEN (${trigger.when})` : 'FOR EACH STATEMENT';
  return [
    `DROP TRIGGER IF EXISTS ${name} ON ${table}`,
    `CREATE TRIGGER ${name} AFTER ${events.join(' OR ')} ON ${table} ${level} EXECUTE FUNCTION ${q(FUNCTION)}()`,
  ];
}

export async function ensureAuthGeneration(strapi: Core.Strapi): Promise<void> {
  const client = strapi.db.dialect.client;
  if (client !== 'postgres' && client !== 'sqlite') {
    // The cached authenticate finds no table and falls back to the plugin's own, uncached one.
    strapi.log.warn(`Auth generation: ${client} is not supported; authentication stays uncached.`);
    return;
  }
  const dialect: Dialect = client;
  const knex = strapi.db.connection;
  const type = dialect === 'postgres' ? 'bigint' : 'integer';
  await knex.raw(`CREATE TABLE IF NOT EXISTS ${q(AUTH_GENERATION_TABLE)} (id integer PRIMARY KEY, generation ${type} NOT NULL)`);
  // Starts at the current time in ms, not 0: should the table ever be dropped and recreated under
  // running nodes, its new values will not equal generations they still have cached.
  await knex.raw(
    `INSERT INTO ${q(AUTH_GENERATION_TABLE)} (id, generation) VALUES (1, ${Date.now()}) ON CONFLICT (id) DO NOTHING`
  );
  if (dialect === 'postgres') {
    await knex.raw(
      `CREATE OR REPLACE FUNCTION ${q(FUNCTION)}() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN ${BUMP}; RETURN NULL; END $fn$`
    );
  }
  // One transaction per trigger: a concurrent write never finds it missing between DROP and
  // CREATE, and no transaction here locks more than one table (no lock-order deadlock with the
  // traffic of nodes already running).
  const triggers = watchedTables(strapi, dialect);
  for (const trigger of triggers) {
    await knex.transaction(async (trx) => {
      for (const statement of triggerStatements(dialect, trigger)) await trx.raw(statement);
    });
  }
}
