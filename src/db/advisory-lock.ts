import type { Core } from '@strapi/strapi';
import { Client, type ClientConfig } from 'pg';

/**
 * Runs `work` only if no other node is running it: a session-level PostgreSQL advisory lock,
 * tried (not waited for) on a connection of its own, as the start-up lock (src/server/startup-lock.ts)
 * does. If the node dies, the connection drops and PostgreSQL releases the lock. SQLite is one
 * node by nature: the work just runs. Returns whether it ran.
 */
export async function whenLockFree(strapi: Core.Strapi, key: number, name: string, work: () => Promise<void>): Promise<boolean> {
  const database = strapi.config.get('database.connection') as { client: string; connection: ClientConfig };
  if (database.client !== 'postgres') {
    await work();
    return true;
  }
  const client = new Client({ ...database.connection, application_name: `social-${name}` });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT pg_try_advisory_lock($1) AS locked', [key]);
    if (!rows[0]?.locked) return false;
    try {
      await work();
      return true;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [key]);
    }
  } finally {
    await client.end();
  }
}
