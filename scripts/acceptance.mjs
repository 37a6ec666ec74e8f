#!/usr/bin/env node
// Black-box acceptance run: builds the app, starts the production server on a free port against a
// throw-away database, runs the shared HTTP test suite (../shared/acceptance/) against it, then
// stops the server, removes the database and exits with the test run's exit code.
//
//   node scripts/acceptance.mjs [--no-build] [--rate-limits] [-- <options for node --test>]
//   DATABASE_CLIENT=postgres node scripts/acceptance.mjs
//
// --rate-limits: the server runs with RATE_LIMIT_ENABLED=true at the default budgets (counted in
// its memory: REDIS_URL is cleared), and the suite defaults to ../shared/acceptance-2/rate-limits.test.mjs
// alone, which needs a fresh server to itself (register allows 5 an hour per IP). Without it,
// limits are off: the main suite registers far more users than that from one IP.
//
// Environment: SKIP_BUILD=1 (same as --no-build), ACCEPTANCE_DIR (the suite's folders or files,
// separated by commas; by default ../shared/acceptance and the Part 2 files in PART_2_DONE),
// DATABASE_CLIENT (sqlite | postgres), and for postgres DATABASE_HOST (127.0.0.1),
// DATABASE_PORT (5432), DATABASE_USERNAME (postgres), DATABASE_PASSWORD (empty).
// Node built-ins only, plus the project's `pg` dependency for PostgreSQL.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanUpOnSignals, printLogTail, removeWorkDir } from './lib/run.mjs';
import { randomSecrets } from './lib/secrets.js';
import { STRAPI_START, startServer, stopServer, waitForHealth } from './lib/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HEALTH_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 10_000;
const LOG_TAIL_LINES = 50;

const log = (message) => console.log(`[acceptance] ${message}`);

// The Part 2 checks (../shared/acceptance-2/) of the issues that are done: each file joins the
// default run when its issue lands, not before. rate-limits.test.mjs runs alone (its own server,
// limits on), and openapi.test.mjs once every Part 2 route exists.
const PART_2_DONE = ['timelines.test.mjs', 'media.test.mjs', 'notifications.test.mjs', 'safety-search.test.mjs', 'openapi.test.mjs'];

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const separator = argv.indexOf('--');
  const own = separator === -1 ? argv : argv.slice(0, separator);
  const testArgs = separator === -1 ? [] : argv.slice(separator + 1);
  let build = process.env.SKIP_BUILD !== '1';
  let rateLimits = false;
  for (const arg of own) {
    if (arg === '--no-build') build = false;
    else if (arg === '--rate-limits') rateLimits = true;
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node scripts/acceptance.mjs [--no-build] [--rate-limits] [-- <options for node --test>]');
      process.exit(0);
    } else {
      console.error(`[acceptance] unknown option ${arg}; options for node --test go after "--"`);
      process.exit(2);
    }
  }
  return { build, rateLimits, testArgs };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** The suite's test files: Node's default test-file patterns, searched recursively. */
function testFiles(target) {
  if (!fs.existsSync(target)) throw new Error(`acceptance suite not found: ${target} (set ACCEPTANCE_DIR)`);
  if (fs.statSync(target).isFile()) return [target];
  const pattern = /(^|[.\-_])test\.[cm]?js$|^test-.+\.[cm]?js$/;
  const found = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(full);
      else if (entry.isFile() && pattern.test(entry.name)) found.push(full);
    }
  };
  walk(target);
  if (found.length === 0) throw new Error(`no test files in ${target}`);
  return found;
}

/** Runs a command to completion with inherited output; resolves with its exit code. */
function run(command, args, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    current.children.add(child);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      current.children.delete(child);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Databases

async function pgClient(database) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: process.env.DATABASE_HOST || '127.0.0.1',
    port: Number(process.env.DATABASE_PORT || 5432),
    user: process.env.DATABASE_USERNAME || 'postgres',
    password: process.env.DATABASE_PASSWORD || '',
    database,
  });
  await client.connect();
  return client;
}

/** A fresh, empty database for the server, and the environment that points the app at it. */
async function createDatabase(client, workDir) {
  if (client === 'postgres') {
    const name = `acceptance_${randomBytes(6).toString('hex')}`;
    const admin = await pgClient('postgres');
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
    log(`created PostgreSQL database ${name}`);
    return {
      env: {
        DATABASE_CLIENT: 'postgres',
        DATABASE_URL: '', // an app .env must not point the server elsewhere
        DATABASE_HOST: process.env.DATABASE_HOST || '127.0.0.1',
        DATABASE_PORT: String(process.env.DATABASE_PORT || 5432),
        DATABASE_NAME: name,
        DATABASE_USERNAME: process.env.DATABASE_USERNAME || 'postgres',
        DATABASE_PASSWORD: process.env.DATABASE_PASSWORD || '',
        DATABASE_SSL: process.env.DATABASE_SSL || 'false',
      },
      async drop() {
        const adminClient = await pgClient('postgres');
        try {
          await adminClient.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          log(`dropped PostgreSQL database ${name}`);
        } finally {
          await adminClient.end();
        }
      },
    };
  }
  if (client !== 'sqlite') throw new Error(`DATABASE_CLIENT must be "sqlite" or "postgres", not "${client}"`);
  const file = path.join(workDir, 'acceptance.db');
  log(`using SQLite database ${file}`);
  return {
    env: { DATABASE_CLIENT: 'sqlite', DATABASE_FILENAME: file },
    async drop() {
      for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Main

const current = { server: undefined, database: undefined, workDir: undefined, children: new Set(), cleaning: undefined };

async function cleanUp({ keepLog }) {
  current.cleaning ??= (async () => {
    for (const child of current.children) child.kill('SIGTERM');
    await stopServer(current.server, STOP_GRACE_MS);
    if (current.database) {
      try {
        await current.database.drop();
      } catch (error) {
        log(`could not remove the test database: ${error.message}`);
      }
    }
    removeWorkDir(current.workDir, keepLog);
  })();
  return current.cleaning;
}

cleanUpOnSignals(cleanUp, log);

async function main() {
  const { build, rateLimits, testArgs } = parseArgs(process.argv.slice(2));
  const shared = path.resolve(root, '..', 'shared');
  const defaultSuites = rateLimits
    ? [path.join(shared, 'acceptance-2', 'rate-limits.test.mjs')]
    : [path.join(shared, 'acceptance'), ...PART_2_DONE.map((file) => path.join(shared, 'acceptance-2', file))];
  const suites = process.env.ACCEPTANCE_DIR
    ? process.env.ACCEPTANCE_DIR.split(',').map((entry) => path.resolve(entry.trim()))
    : defaultSuites;
  const files = suites.flatMap(testFiles);
  const dbClient = process.env.DATABASE_CLIENT || 'sqlite';

  // Fresh secrets every run, and nothing taken from a developer's .env that matters here:
  // variables set in the environment win over .env when Strapi loads it.
  const baseEnv = {
    ...process.env,
    NODE_ENV: 'production',
    ...randomSecrets(),
    // The suite registers about 60 users from one IP; --rate-limits: on, at the defaults, in memory.
    RATE_LIMIT_ENABLED: rateLimits ? 'true' : 'false',
    REDIS_URL: '',
    STRAPI_TELEMETRY_DISABLED: 'true',
    BROWSER: 'false',
  };

  // The default budgets: a budget set in this shell must not change what the suite expects.
  if (rateLimits) for (const name of Object.keys(baseEnv)) if (/^RATE_LIMIT_.+_(MAX|INTERVAL_MS)$|^RATE_LIMIT_(MAX|INTERVAL_MS)$/.test(name)) delete baseEnv[name];

  if (build) {
    log('building the app (npx strapi build)');
    const code = await run('npx', ['strapi', 'build'], { cwd: root, env: baseEnv });
    if (code !== 0) {
      log(`build failed (exit code ${code})`);
      return 1;
    }
  } else if (!fs.existsSync(path.join(root, 'dist', 'src'))) {
    log('dist/ is missing: run without --no-build (or npm run build) first');
    return 1;
  }

  current.workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'social-acceptance-'));
  const logFile = path.join(current.workDir, 'server.log');
  current.database = await createDatabase(dbClient, current.workDir);

  // `strapi start`, as the production image runs it.
  current.server = await startServer({ env: { ...baseEnv, ...current.database.env }, args: STRAPI_START, output: { file: logFile }, label: 'the server' });
  const baseUrl = current.server.url;
  log(`starting the production server on ${baseUrl} (log: ${logFile})`);

  const started = Date.now();
  try {
    await waitForHealth(current.server, HEALTH_TIMEOUT_MS);
  } catch (error) {
    log(error.message);
    return 1;
  }
  log(`server healthy after ${((Date.now() - started) / 1000).toFixed(1)} s; running ${files.map((f) => path.relative(root, f)).join(', ')}`);

  const code = await run(process.execPath, ['--test', ...testArgs, ...files], {
    cwd: root,
    // The rate-limit file runs its tests only when told the server's limits are on.
    env: { ...process.env, BASE_URL: baseUrl, RATE_LIMIT_ENABLED: rateLimits ? 'true' : 'false' },
  });
  if (code !== 0) {
    log(`the test run failed (exit code ${code})`);
    printLogTail(logFile, LOG_TAIL_LINES, 'acceptance');
  }
  return code;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`[acceptance] ${error.stack || error.message}`);
  exitCode = 1;
}
await cleanUp({ keepLog: exitCode !== 0 && current.server !== undefined });
if (exitCode !== 0 && current.server) log(`server log kept in ${current.workDir}`);
process.exit(exitCode);
