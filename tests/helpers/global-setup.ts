import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { applyTestEnv, isPostgres, pgAdminConfig, ROOT } from './env';

/**
 * Once per run: compile the app into dist/ (TypeScript errors fail the run), then give the run a
 * fresh database: a new SQLite file, or a new PostgreSQL database dropped by global-teardown.
 */
export default async function globalSetup(): Promise<void> {
  applyTestEnv();
  const { compileStrapi } = await import('@strapi/strapi');
  await compileStrapi({ appDir: ROOT, ignoreDiagnostics: false });

  if (isPostgres()) {
    const name = `social_test_${process.pid}_${Date.now()}`;
    const client = new Client(pgAdminConfig());
    await client.connect();
    await client.query(`CREATE DATABASE "${name}"`);
    await client.end();
    process.env.DATABASE_NAME = name;
    process.env.DATABASE_URL = '';
  } else {
    const file = path.join(ROOT, '.tmp', `test-${process.pid}.db`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
    process.env.DATABASE_FILENAME = file;
  }
}
