import type { Core } from '@strapi/strapi';
import { createPost, createUser } from './helpers/fixtures';
import { isPostgres } from './helpers/env';
import { useStrapi, type Api } from './helpers/strapi';

/**
 * The per-connection set-up of config/database.ts: on SQLite, WAL synced at every commit and a
 * prepared-statement cache (src/lib/sqlite-connection.ts); on PostgreSQL, named prepared
 * statements for the flagged hot queries (src/lib/pg-connection.ts) and no JIT.
 */
let strapi: Core.Strapi;
let http: Api;
useStrapi((s, h) => ((strapi = s), (http = h)));

type KnexClient = { acquireConnection: () => Promise<unknown>; releaseConnection: (conn: unknown) => Promise<unknown> };
const knexClient = () => (strapi.db.connection as unknown as { client: KnexClient }).client;

/** Runs `fn` on every connection the pool can give at once, then gives them back. */
async function onEveryConnection<T>(fn: (conn: unknown) => Promise<T>): Promise<T[]> {
  const client = knexClient();
  const size = isPostgres() ? 10 : 1; // DATABASE_POOL_MAX's default; SQLite has one connection
  const conns = await Promise.all(Array.from({ length: size }, () => client.acquireConnection()));
  try {
    return await Promise.all(conns.map(fn));
  } finally {
    await Promise.all(conns.map((conn) => client.releaseConnection(conn)));
  }
}

const onSqlite = isPostgres() ? it.skip : it;
const onPostgres = isPostgres() ? it : it.skip;

onSqlite('SQLite runs in WAL mode with synchronous=FULL, and reuses prepared statements', async () => {
  const [conn] = await onEveryConnection(async (c) => c);
  const db = conn as { pragma: (sql: string, options?: { simple: boolean }) => unknown; prepare: (sql: string) => unknown };
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
  expect(db.prepare('SELECT 1 AS one')).toBe(db.prepare('SELECT 1 AS one'));
});

onPostgres('PostgreSQL serves the hot queries from named prepared statements', async () => {
  const author = await createUser(strapi);
  const post = await createPost(strapi, author);
  for (let i = 0; i < 30; i += 1) expect((await http.get(`/posts/${post.documentId}`, author.jwt)).status).toBe(200);

  const names = (
    await onEveryConnection(async (conn) => {
      const result = (await (conn as { query: (sql: string) => Promise<{ rows: Array<{ name: string }> }> }).query(
        'SELECT name FROM pg_prepared_statements'
      )) as { rows: Array<{ name: string }> };
      return result.rows.map((row) => row.name);
    })
  ).flat();
  // The generation read, the post row and its first comments, at least: three distinct names.
  expect(new Set(names.filter((name) => name.startsWith('social_'))).size).toBeGreaterThanOrEqual(3);
});

onPostgres('PostgreSQL sessions run without JIT (config/database.ts, DATABASE_JIT)', async () => {
  // On a fresh database the moderation queue's page was estimated past jit_above_cost and spent
  // 2.6 s compiling; every pooled session must have it off.
  const settings = await onEveryConnection(async (conn) => {
    const result = await (conn as { query: (sql: string) => Promise<{ rows: Array<{ jit: string }> }> }).query('SHOW jit');
    return result.rows[0].jit;
  });
  expect(settings.length).toBeGreaterThan(0);
  expect(new Set(settings)).toEqual(new Set(['off']));
});
