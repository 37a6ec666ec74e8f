// Shared helpers of the benchmark harness: throw-away databases, the production server, waiting.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PG_ADMIN = {
  host: process.env.DATABASE_HOST ?? '127.0.0.1',
  port: Number(process.env.DATABASE_PORT ?? 5432),
  user: process.env.DATABASE_USERNAME ?? 'postgres',
  password: process.env.DATABASE_PASSWORD ?? undefined,
  database: 'postgres',
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** A random 24-character lower-case documentId, like Strapi's cuid2 ones. */
export function documentId() {
  const bytes = randomBytes(24);
  let s = ALNUM[bytes[0] % 26]; // starts with a letter, like cuid2
  for (let i = 1; i < 24; i++) s += ALNUM[bytes[i] % 36];
  return s;
}

export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

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

/** Starts a node process running `args`, keeping the tail of its output for error reports. */
export function startProcess(args, env, label) {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk).slice(-8000);
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${label}] ${chunk}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const state = { exitCode: null };
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((state.exitCode = code ?? signal))));
  return { child, state, exited, log: () => tail, label };
}

/** The compiled production Strapi server (dist/), on a free port. */
export async function startStrapi(db, secrets, { nodeArgs = [], env: extraEnv = {} } = {}) {
  const port = await freePort();
  const script = `require('@strapi/strapi').createStrapi({ appDir: ${JSON.stringify(ROOT)}, distDir: ${JSON.stringify(
    path.join(ROOT, 'dist')
  )} }).start()`;
  const env = {
    ...process.env, ...secrets, ...db.env,
    NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn',
    RATE_LIMIT_ENABLED: 'false', SERVE_ADMIN_PANEL: 'false', BENCH_CORE_ROUTE: 'true', ...extraEnv,
  };
  const proc = startProcess([...nodeArgs, '-e', script], env, 'strapi');
  const server = { ...proc, port, url: `http://127.0.0.1:${port}` };
  await waitHealthy(server, '/_health', 204);
  return server;
}

/** The raw floor server (bench/floor.mjs), on a free port. */
export async function startFloor(db, secrets) {
  const port = await freePort();
  const env = { ...process.env, ...db.env, JWT_SECRET: secrets.JWT_SECRET, PORT: String(port), NODE_ENV: 'production' };
  const proc = startProcess([path.join(ROOT, 'bench', 'floor.mjs')], env, 'floor');
  const server = { ...proc, port, url: `http://127.0.0.1:${port}` };
  await waitHealthy(server, '/_health', 204);
  return server;
}

export async function waitHealthy(server, route, status, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.state.exitCode !== null) throw new Error(`${server.label} exited (${server.state.exitCode}) before it was healthy:\n${server.log()}`);
    const ok = await fetch(server.url + route).then((r) => r.status === status, () => false);
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${server.label} not healthy after ${timeoutMs} ms:\n${server.log()}`);
}

export async function stopProcess(server) {
  if (!server || server.state.exitCode !== null) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 30_000);
  await server.exited;
  clearTimeout(timer);
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
