import type { Knex } from 'knex';
import { q, type Dialect } from './dialect';

/**
 * The one trigger builder: the counters (derived/), the auth generation and the account rules
 * all declare their triggers as TriggerSpecs, written once in SQL both dialects read, and this
 * module turns each into the statements of each dialect. PostgreSQL runs a PL/pgSQL function
 * named after the trigger; SQLite runs the statements inline, one trigger per event.
 */
/** `{ update: [] }`: any UPDATE; `{ update: [columns] }`: UPDATE OF those columns. */
export type TriggerEvent = 'INSERT' | 'DELETE' | { update: string[] };

export type TriggerSpec = {
  /** Unique; on SQLite a spec with several events makes `${name}_${event}` per event. */
  name: string;
  table: string;
  events: TriggerEvent[];
  /** A row condition with OLD/NEW, in SQL both dialects read. */
  when?: string;
  /** Statements with OLD/NEW references, valid in both dialects. */
  body: string[];
  /** AFTER (the default) or BEFORE the row is written: BEFORE DELETE still sees what links to it. */
  timing?: 'AFTER' | 'BEFORE';
  /** PostgreSQL: once per statement rather than per row (no `when`); a TRUNCATE counts as a DELETE. */
  perStatement?: boolean;
};

const eventSql = (event: TriggerEvent): string =>
  typeof event === 'string' ? event : event.update.length === 0 ? 'UPDATE' : `UPDATE OF ${event.update.map(q).join(', ')}`;
const eventName = (event: TriggerEvent): string => (typeof event === 'string' ? event.toLowerCase() : 'update');

/** The names the spec's triggers have in the catalogue of this dialect. */
export function triggerNames(dialect: Dialect, spec: TriggerSpec): string[] {
  if (dialect === 'postgres' || spec.events.length === 1) return [spec.name];
  return spec.events.map((event) => `${spec.name}_${eventName(event)}`);
}

/** The statements that (re)create the spec's triggers, to run in one transaction. */
export function triggerStatements(dialect: Dialect, spec: TriggerSpec): string[] {
  const timing = spec.timing ?? 'AFTER';
  const when = spec.when ? ` WHEN (${spec.when})` : '';
  const body = spec.body.map((statement) => `${statement};`).join('\n');
  if (dialect === 'sqlite') {
    const names = triggerNames(dialect, spec);
    return spec.events.flatMap((event, i) => [
      `DROP TRIGGER IF EXISTS ${q(names[i])}`,
      `CREATE TRIGGER ${q(names[i])} ${timing} ${eventSql(event)} ON ${q(spec.table)} FOR EACH ROW${when}\n BEGIN ${body} END`,
    ]);
  }
  const events = spec.events.map(eventSql);
  const perStatement = spec.perStatement === true && !spec.when;
  if (perStatement && spec.events.includes('DELETE')) events.push('TRUNCATE');
  // A BEFORE row trigger must hand the row back, or the write is cancelled.
  const result = timing === 'AFTER' || perStatement ? 'NULL' : spec.events.includes('DELETE') ? 'OLD' : 'NEW';
  const level = perStatement ? 'FOR EACH STATEMENT' : `FOR EACH ROW${when}`;
  return [
    `CREATE OR REPLACE FUNCTION ${q(spec.name)}() RETURNS trigger LANGUAGE plpgsql AS $fn$\n BEGIN ${body} RETURN ${result}; END $fn$`,
    `DROP TRIGGER IF EXISTS ${q(spec.name)} ON ${q(spec.table)}`,
    `CREATE TRIGGER ${q(spec.name)} ${timing} ${events.join(' OR ')} ON ${q(spec.table)} ${level} EXECUTE FUNCTION ${q(spec.name)}()`,
  ];
}

type CatalogueTrigger = { name: string; table: string };

/** The LIKE pattern of the names that start with `prefix` (its `_` and `%` taken literally). */
export const prefixPattern = (prefix: string): string => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** SQL listing the triggers (name, table) whose names match its one `?`, a prefixPattern(). */
export const listTriggersSql = (dialect: Dialect): string =>
  dialect === 'sqlite'
    ? `SELECT name, tbl_name AS "table" FROM sqlite_master WHERE type = 'trigger' AND name LIKE ? ESCAPE '\\'`
    : `SELECT tgname AS name, tgrelid::regclass::text AS "table" FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE ?`;

/** The triggers whose names start with `prefix`, with their tables. */
export async function existingTriggers(db: Knex | Knex.Transaction, dialect: Dialect, prefix: string): Promise<CatalogueTrigger[]> {
  const result = await db.raw(listTriggersSql(dialect), [prefixPattern(prefix)]);
  return (dialect === 'postgres' ? result.rows : result) as CatalogueTrigger[];
}

/** Drops a trigger (and, on PostgreSQL, the function of that name, if any). */
export async function dropTrigger(db: Knex | Knex.Transaction, dialect: Dialect, trigger: CatalogueTrigger): Promise<void> {
  if (dialect === 'sqlite') {
    await db.raw(`DROP TRIGGER IF EXISTS ${q(trigger.name)}`);
    return;
  }
  // regclass text is already quoted where it needs to be.
  await db.raw(`DROP TRIGGER IF EXISTS ${q(trigger.name)} ON ${trigger.table}`);
  await db.raw(`DROP FUNCTION IF EXISTS ${q(trigger.name)}()`);
}

/**
 * Makes the triggers of `prefix` exactly `specs`: triggers of the prefix that no spec makes are
 * dropped (with PostgreSQL functions of the prefix nothing uses), missing ones are created, one
 * transaction per spec, so a concurrent write never finds a trigger half made. Triggers already
 * there are left alone: a changed definition must change its name (a version in it).
 */
export async function syncTriggers(db: Knex, dialect: Dialect, prefix: string, specs: TriggerSpec[]): Promise<void> {
  const wanted = new Set(specs.flatMap((spec) => triggerNames(dialect, spec)));
  const present = await existingTriggers(db, dialect, prefix);
  for (const trigger of present.filter((t) => !wanted.has(t.name))) await dropTrigger(db, dialect, trigger);
  if (dialect === 'postgres') {
    const functions = (await db.raw(`SELECT proname AS name FROM pg_proc WHERE proname LIKE ?`, [prefixPattern(prefix)])).rows as Array<{ name: string }>;
    for (const { name } of functions.filter((f) => !wanted.has(f.name))) await db.raw(`DROP FUNCTION IF EXISTS ${q(name)}() CASCADE`);
  }
  const have = new Set(present.map((t) => t.name));
  for (const spec of specs.filter((s) => !triggerNames(dialect, s).every((name) => have.has(name)))) {
    await db.transaction(async (trx) => {
      for (const statement of triggerStatements(dialect, spec)) await trx.raw(statement);
    });
  }
}
