/**
 * Set-up of every SQLite connection (config/database.ts, knex pool afterCreate).
 *
 * - Write-ahead log, fsynced at every commit (journal_mode=WAL, synchronous=FULL): as durable as
 *   the rollback journal, with one fsync per commit instead of several. better-sqlite3 is
 *   synchronous, so each fsync stalls the whole server: write latency is made of them.
 * - A cache of prepared statements. knex prepares every query anew on better-sqlite3 (7% of the
 *   CPU of a post read in a profile); the same SQL text now reuses its statement. knex only calls
 *   all() or run() on it, which finish synchronously, so a cached statement is never busy.
 */
type Statement = unknown;
type SqliteConnection = { pragma: (sql: string) => unknown; prepare: (sql: string) => Statement };

const MAX_STATEMENTS = 500;

export function configureSqliteConnection(conn: unknown): void {
  const db = conn as SqliteConnection;
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');

  const prepare = db.prepare.bind(db);
  const statements = new Map<string, Statement>();
  db.prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value as string);
      statements.set(sql, statement);
    }
    return statement;
  };
}
