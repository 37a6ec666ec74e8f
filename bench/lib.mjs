// Shared helpers of the benchmark harness: throw-away databases, the production server and the
// raw floor (started, waited for and stopped by the project's harness, scripts/lib/server.js).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { COMPILED_APP, startServer, waitForHealth } from '../scripts/lib/server.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PG_ADMIN = {
  host: process.env.DATABASE_HOST ?? '127.0.0.1',
  port: Number(process.env.DATABASE_PORT ?? 5432),
  user: process.env.DATABASE_USERNAME ?? 'postgres',
  password: process.env.DATABASE_PASSWORD ?? undefined,
  database: 'postgres',
};
/** Loaded into the benchmark's server by the harness's launcher: GET /api/posts/core/:id. */
const CORE_ROUTE = path.join(ROOT, 'bench', 'core-route.cjs');
const HEALTH_TIMEOUT_MS = 180_000;

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** A random 24-character lower-case documentId, like Strapi's cuid2 ones. */
export function documentId() {
  const bytes = randomBytes(24);
  let s = ALNUM[bytes[0] % 26]; // starts with a letter, like cuid2
  for (let i = 1; i < 24; i++) s += ALNUM[bytes[i] % 36];
  return s;
}

/** A fresh database. Returns { kind, env (for the app), drop(), pg config or sqlite filename }. */
export async function createDatabase(kind) {
  if (kind === 'postgres') {
    const name = `bench_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client(PG_ADMIN);
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const conn = { ...PG_ADMIN, database: name };
    return {
      kind,
      name,
      conn,
      env: {
        DATABASE_CLIENT: 'postgres', DATABASE_NAME: name, DATABASE_HOST: PG_ADMIN.host, DATABASE_PORT: String(PG_ADMIN.port),
        DATABASE_USERNAME: PG_ADMIN.user, DATABASE_PASSWORD: PG_ADMIN.password ?? '', DATABASE_URL: '',
      },
      async drop() {
        const c = new pg.Client(PG_ADMIN);
        await c.connect();
        try {
          await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await c.end();
        }
      },
    };
  }
  if (kind === 'sqlite') {
    const filename = path.join(os.tmpdir(), `bench_${randomBytes(6).toString('hex')}.db`);
    return {
      kind,
      name: filename,
      filename,
      env: { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: filename },
      async drop() {
        for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(filename + suffix, { force: true });
      },
    };
  }
  throw new Error(`unknown database "${kind}"`);
}

/** The server's output: the last 8000 characters for error reports, all of it on stderr with BENCH_VERBOSE. */
const output = (label) => ({
  keep: 8000,
  echo: process.env.BENCH_VERBOSE ? (text) => process.stderr.write(`[${label}] ${text}`) : undefined,
});

/** The compiled production Strapi server (dist/), with the core-controller route, on a free port. */
export async function startStrapi(db, secrets, { nodeArgs = [], env: extraEnv = {} } = {}) {
  const env = {
    ...process.env, ...secrets, ...db.env,
    NODE_ENV: 'production', LOG_LEVEL: 'warn', RATE_LIMIT_ENABLED: 'false', SERVE_ADMIN_PANEL: 'false', ...extraEnv,
  };
  const server = await startServer({ env, args: [COMPILED_APP, CORE_ROUTE], nodeArgs, output: output('strapi'), label: 'strapi' });
  await waitForHealth(server, HEALTH_TIMEOUT_MS);
  return server;
}

/** The raw floor server (bench/floor.mjs), on a free port. */
export async function startFloor(db, secrets) {
  // APP_KEYS: the floor signs and reads cursors with the app's codec and key.
  const env = { ...process.env, ...db.env, JWT_SECRET: secrets.JWT_SECRET, APP_KEYS: secrets.APP_KEYS, NODE_ENV: 'production' };
  const server = await startServer({ env, args: [path.join(ROOT, 'bench', 'floor.mjs')], output: output('floor'), label: 'floor' });
  await waitForHealth(server, HEALTH_TIMEOUT_MS);
  return server;
}

/** Runs one query on `db` (from createDatabase) on a connection of its own; $1.. placeholders. */
export async function queryDb(db, sql, params = []) {
  if (db.kind === 'postgres') {
    const c = new pg.Client(db.conn);
    await c.connect();
    try {
      return (await c.query(sql, params)).rows;
    } finally {
      await c.end();
    }
  }
  const { default: Database } = await import('better-sqlite3');
  const d = new Database(db.filename, { readonly: true });
  try {
    return d.prepare(sql.replace(/\$\d+/g, '?')).all(...params);
  } finally {
    d.close();
  }
}

/** A progress bar on stderr. */
export function progress(label, total) {
  let done = 0;
  let last = 0;
  const start = Date.now();
  const draw = (final) => {
    const width = 30;
    const frac = total ? Math.min(1, done / total) : 1;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const secs = ((Date.now() - start) / 1000).toFixed(1);
    const line = `  ${label.padEnd(9)} [${bar}] ${String(done).padStart(9)}/${total} ${secs}s`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}${final ? '\n' : ''}`);
    else if (final) process.stderr.write(`${line}\n`);
  };
  return {
    tick(n) {
      done += n;
      if (Date.now() - last > 200) {
        last = Date.now();
        draw(false);
      }
    },
    end() {
      done = total;
      draw(true);
    },
  };
}
