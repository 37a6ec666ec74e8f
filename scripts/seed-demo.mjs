#!/usr/bin/env node
// `npm run seed:demo`: fills a development database with a small, believable network, through
// the app's own services (src/demo/seed.ts), so every counter and derived row is right:
//   a few hundred users with names and bios (emails @demo.example, one shared demo password),
//   a follow graph with five popular accounts, posts spread over the last 30 days, likes,
//   comments, and reports waiting in the moderation queue.
// Not yet: images (the media issue) and notifications (their issue); each will be one stage more
// in src/demo/seed.ts (STAGES).
//
// It runs against the database the app is configured for (.env, DATABASE_*), by default the
// SQLite file .tmp/data.db of `npm run develop`, which may keep running meanwhile. Safe to run
// twice: a second run finds the demo accounts and only adds what is missing. Refuses
// NODE_ENV=production unless --force. Prints the demo logins at the end.
//
//   npm run seed:demo [-- --users N] [--popular N] [--newcomers N] [--seed N] [--days N] [--no-build] [--check] [--force]
// --check: afterwards, compares every counter and derived row with the COUNT(*) it stands for
// (src/db/derived/verify.ts) and fails if any differs; CI runs it on a fresh database (.ci/run).
//
// The compiled app (dist/) is loaded in this process, as scripts/lib/compiled-app.js does, but
// never listens. dist/ is compiled first when it is missing or older than src/ or config/
// (`npm run develop` keeps it fresh); --no-build skips that check.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const { values: args } = parseArgs({
  options: {
    users: { type: 'string' },
    popular: { type: 'string' },
    newcomers: { type: 'string' },
    seed: { type: 'string' },
    days: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    check: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1);
  console.log(lines.slice(0, lines.findIndex((l) => !l.startsWith('//'))).map((l) => l.slice(3)).join('\n'));
  process.exit(0);
}
if (process.env.NODE_ENV === 'production' && !args.force) {
  console.error('seed:demo refuses NODE_ENV=production: the demo accounts share a published password. Pass --force to seed anyway.');
  process.exit(2);
}
const int = (name) => {
  if (args[name] === undefined) return undefined;
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number`);
    process.exit(2);
  }
  return n;
};
const options = { users: int('users'), popular: int('popular'), newcomers: int('newcomers'), seed: int('seed'), days: int('days'), force: args.force };

/** The newest modification time of the files under `dir`. */
function newest(dir) {
  let latest = 0;
  if (!fs.existsSync(dir)) return latest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
  }
  return latest;
}

const seedModule = path.join(root, 'dist', 'src', 'demo', 'seed.js');
if (!args['no-build']) {
  const built = fs.existsSync(seedModule) ? fs.statSync(seedModule).mtimeMs : 0;
  const source = Math.max(newest(path.join(root, 'src')), newest(path.join(root, 'config')));
  if (built < source) {
    console.log('Compiling the app into dist/ …');
    const { compileStrapi } = require('@strapi/strapi');
    await compileStrapi({ appDir: root, ignoreDiagnostics: false });
  }
}

// Quiet start-up: the seeder's own output is the progress bars and the summary.
process.env.LOG_LEVEL ??= 'error';
process.env.STRAPI_TELEMETRY_DISABLED ??= 'true';

const cliProgress = require('cli-progress');
const { createStrapi } = require('@strapi/strapi');
const { seedDemo } = require(seedModule);
const { exactnessChecks, driftOf } = require(path.join(root, 'dist', 'src', 'db', 'derived', 'verify.js'));

/** One bar per stage on a terminal; elsewhere (CI, a pipe) one line per finished stage. */
function progressBars() {
  const tty = Boolean(process.stderr.isTTY);
  let bar;
  let stage = '';
  let done = 0;
  let total = 0;
  let started = 0;
  return {
    start(name, count) {
      stage = name;
      done = 0;
      total = count;
      started = Date.now();
      if (!tty) return;
      bar = new cliProgress.SingleBar(
        { format: '  {stage} {bar} {value}/{total} | {duration_formatted}', stream: process.stderr, hideCursor: true, clearOnComplete: false, barsize: 30 },
        cliProgress.Presets.shades_classic
      );
      bar.start(count, 0, { stage: name.padEnd(8) });
    },
    tick(count = 1) {
      done += count;
      bar?.increment(count);
    },
    end() {
      if (bar) bar.stop();
      else process.stderr.write(`  ${stage.padEnd(8)} ${done}/${total} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      bar = undefined;
    },
  };
}

const started = Date.now();
const app = createStrapi({ appDir: root, distDir: path.join(root, 'dist') });
let code = 0;
try {
  await app.load();
  const database = app.db.dialect.client === 'postgres' ? `PostgreSQL database ${app.config.get('database.connection.connection.database')}` : `SQLite file ${path.relative(root, app.config.get('database.connection.connection.filename'))}`;
  console.log(`Seeding demo data into the ${database}`);
  const result = await seedDemo(app, { ...options, progress: progressBars() });
  const summary = Object.entries(result.counts).map(([name, { created, existing }]) => `${name} ${created} new${existing ? ` (+${existing} already there)` : ''}`);
  console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s: ${summary.join(', ')}.`);
  if (Object.values(result.counts).every(({ created }) => created === 0)) console.log('Nothing new: the demo data was already complete.');
  if (args.check) {
    // The demo accounts' home timelines only: a developer's own unfollows may leave rows on purpose.
    const checks = await exactnessChecks(app, { home: true, homeReaders: '%@demo.example' });
    const drift = driftOf(checks);
    if (drift.length > 0) throw new Error(`derived rows differ from COUNT(*): ${drift.join('; ')}`);
    console.log(`Checked: every counter and derived row equals what COUNT(*) says (${checks.length} checks).`);
  }
  console.log(`\nDemo logins (password for every demo account: ${result.password}):`);
  for (const login of result.logins) {
    console.log(`  ${login.role.padEnd(16)} ${login.email.padEnd(34)} ${login.name} — ${login.followers} followers, ${login.posts} posts`);
  }
  console.log('\nLog in with POST /api/users/login {"email","password"}; reports wait under Content Manager → Report in the admin panel.');
} catch (error) {
  console.error(`seed:demo failed: ${error instanceof Error ? error.stack : error}`);
  code = 1;
} finally {
  await app.destroy().catch(() => {});
}
process.exit(code);
