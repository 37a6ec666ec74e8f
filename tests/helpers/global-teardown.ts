import fs from 'node:fs';
import { Client } from 'pg';
import { isPostgres, pgAdminConfig } from './env';

export default async function globalTeardown(): Promise<void> {
  if (isPostgres() && process.env.DATABASE_NAME?.startsWith('social_test_')) {
    const client = new Client(pgAdminConfig());
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${process.env.DATABASE_NAME}" WITH (FORCE)`);
    await client.end();
  } else if (process.env.DATABASE_FILENAME) {
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(process.env.DATABASE_FILENAME + suffix, { force: true });
  }
}
