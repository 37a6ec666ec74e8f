#!/usr/bin/env node
// Browser tests of the admin panel: builds the app, starts the production server on a free port
// against a throw-away SQLite database, runs tests/browser/ (node:test + playwright-core, in the
// system's Chromium) against it, then stops the server, removes the database and exits with the
// test run's exit code.
//
//   node scripts/browser-tests.mjs [--no-build] [-- <options for node --test>]
//
// Environment: SKIP_BUILD=1 (same as --no-build), CHROMIUM_PATH (default /usr/bin/chromium),
// SCREENSHOT_DIR (default docs/screenshots), KEEP_SERVER_LOG=1 (keep the server log even on success).
// Node built-ins only. Needs Chromium installed (Debian: apt-get install chromium) and the
// playwright-core package; it never downloads a browser.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanUpOnSignals, printLogTail, removeWorkDir } from './lib/run.mjs';
import { randomSecrets } from './lib/secrets.js';
import { STRAPI_START, startServer, stopServer, waitForHealth } from './lib/server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TESTS_DIR = path.join(root, 'tests', 'browser');
const HEALTH_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 15_000;
const LOG_TAIL_LINES = 50;

const log = (message) => console.log(`[browser-tests] ${message}`);

// ---------------------------------------------------------------------------------------------
// Arguments

function parseArgs(argv) {
  const separator = argv.indexOf('--');
  const own = separator === -1 ? argv : argv.slice(0, separator);
  const testArgs = separator === -1 ? [] : argv.slice(separator + 1);
  let build = process.env.SKIP_BUILD !== '1';
  for (const arg of own) {
    if (arg === '--no-build') build = false;
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node scripts/browser-tests.mjs [--no-build] [-- <options for node --test>]');
      process.exit(0);
    } else {
      console.error(`[browser-tests] unknown option ${arg}; options for node --test go after "--"`);
      process.exit(2);
    }
  }
  return { build, testArgs };
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** The browser test files (tests/browser/*.test.mjs), in name order. */
function testFiles() {
  if (!fs.existsSync(TESTS_DIR)) throw new Error(`no test folder ${TESTS_DIR}`);
  const files = fs
    .readdirSync(TESTS_DIR)
    .filter((name) => /\.test\.mjs$/.test(name))
    .sort()
    .map((name) => path.join(TESTS_DIR, name));
  if (files.length === 0) throw new Error(`no *.test.mjs files in ${TESTS_DIR}`);
  return files;
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
// Main

const current = { server: undefined, dbFile: undefined, workDir: undefined, children: new Set(), cleaning: undefined };

async function cleanUp({ keepLog }) {
  current.cleaning ??= (async () => {
    for (const child of current.children) child.kill('SIGTERM');
    await stopServer(current.server, STOP_GRACE_MS);
    if (current.dbFile) {
      for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(current.dbFile + suffix, { force: true });
    }
    removeWorkDir(current.workDir, keepLog);
  })();
  return current.cleaning;
}

cleanUpOnSignals(cleanUp, log);

async function main() {
  const { build, testArgs } = parseArgs(process.argv.slice(2));
  const files = testFiles();
  try {
    createRequire(path.join(root, 'package.json')).resolve('playwright-core');
  } catch {
    log('playwright-core is not installed: run npm install (it is a devDependency)');
    return 1;
  }
  const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!fs.existsSync(chromium)) {
    log(`Chromium not found at ${chromium}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
    return 1;
  }

  // Fresh secrets every run, and nothing taken from a developer's .env that matters here:
  // variables set in the environment win over .env when Strapi loads it.
  const baseEnv = {
    ...process.env,
    NODE_ENV: 'production',
    ...randomSecrets(),
    // The tests register several users and log in repeatedly from one IP.
    RATE_LIMIT_ENABLED: 'false',
    STRAPI_TELEMETRY_DISABLED: 'true',
    BROWSER: 'false',
  };

  if (build) {
    log('building the app (npx strapi build)');
    const code = await run('npx', ['strapi', 'build'], { cwd: root, env: baseEnv });
    if (code !== 0) {
      log(`build failed (exit code ${code})`);
      return 1;
    }
  } else if (!fs.existsSync(path.join(root, 'dist', 'src')) || !fs.existsSync(path.join(root, 'dist', 'build'))) {
    log('dist/ or the admin build (dist/build) is missing: run without --no-build (or npm run build) first');
    return 1;
  }

  current.workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'social-browser-'));
  const logFile = path.join(current.workDir, 'server.log');
  current.dbFile = path.join(current.workDir, 'browser.db');
  log(`using SQLite database ${current.dbFile}`);

  const env = {
    ...baseEnv,
    DATABASE_CLIENT: 'sqlite',
    DATABASE_FILENAME: current.dbFile,
    DATABASE_URL: '', // an app .env must not point the server elsewhere
    PUBLIC_URL: '',
  };
  // `strapi start`, as the production image runs it.
  current.server = await startServer({ env, args: STRAPI_START, output: { file: logFile }, label: 'the server' });
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

  const code = await run(process.execPath, ['--test', '--test-concurrency=1', ...testArgs, ...files], {
    cwd: root,
    env: { ...process.env, BASE_URL: baseUrl, CHROMIUM_PATH: chromium },
  });
  if (code !== 0) {
    log(`the test run failed (exit code ${code})`);
    printLogTail(logFile, LOG_TAIL_LINES, 'browser-tests');
  }
  return code;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (error) {
  console.error(`[browser-tests] ${error.stack || error.message}`);
  exitCode = 1;
}
const keepLog = current.server !== undefined && (exitCode !== 0 || process.env.KEEP_SERVER_LOG === '1');
await cleanUp({ keepLog });
if (keepLog) log(`server log kept in ${current.workDir}`);
process.exit(exitCode);
