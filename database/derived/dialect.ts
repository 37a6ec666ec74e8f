import type { TriggerSpec } from './definitions';
import { q, type Dialect } from './sql';

const eventSql = (spec: TriggerSpec): string =>
  typeof spec.event === 'string' ? spec.event : `UPDATE OF ${spec.event.update.map(q).join(', ')}`;

/**
 * The statements that (re)create one trigger. PostgreSQL runs a PL/pgSQL function per row;
 * SQLite runs the statements inline. Both are FOR EACH ROW, in the writer's transaction; AFTER
 * unless the spec says BEFORE (a PostgreSQL BEFORE trigger must return the row to let the write on).
 */
export function triggerStatements(dialect: Dialect, spec: TriggerSpec): string[] {
  const when = spec.when ? ` WHEN (${spec.when})` : '';
  const timing = spec.timing ?? 'AFTER';
  if (dialect === 'sqlite') {
    return [
      `DROP TRIGGER IF EXISTS ${q(spec.name)}`,
      `CREATE TRIGGER ${q(spec.name)} ${timing} ${eventSql(spec)} ON ${q(spec.table)} FOR EACH ROW${when}
       BEGIN ${spec.body.map((statement) => `${statement};`).join('\n')} END`,
    ];
  }
  const result = timing === 'AFTER' ? 'NULL' : spec.event === 'DELETE' ? 'OLD' : 'NEW';
  return [
    `CREATE OR REPLACE FUNCTION ${q(spec.name)}() RETURNS trigger LANGUAGE plpgsql AS $fn$
     BEGIN ${spec.body.map((statement) => `${statement};`).join('\n')} RETURN ${result}; END $fn$`,
    `DROP TRIGGER IF EXISTS ${q(spec.name)} ON ${q(spec.table)}`,
    `CREATE TRIGGER ${q(spec.name)} ${timing} ${eventSql(spec)} ON ${q(spec.table)} FOR EACH ROW${when} EXECUTE FUNCTION ${q(spec.name)}()`,
  ];
}

/** SQL listing the names of the triggers that exist with this prefix. */
export function existingTriggersSql(dialect: Dialect): string {
  return dialect === 'sqlite'
    ? `SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?`
    : `SELECT tgname AS name FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE ?`;
}
