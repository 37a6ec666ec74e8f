import type { Core } from '@strapi/strapi';
import { Client, type ClientConfig } from 'pg';

/**
 * Strapi syncs the schema and every plugin seeds its defaults at start-up, with no lock: two
 * instances starting together on one fresh PostgreSQL database race on CREATE TABLE and on
 * seeding. A session-level advisory lock, taken in register() (before the schema sync) and
 * released at the end of bootstrap(), makes start-ups on one database take turns. If start-up
 * fails, the process exits, the connection drops, and PostgreSQL releases the lock.
 */
const LOCK_KEY = 731_522_014; // any constant shared by every instance of this app

export type Release = () => Promise<void>;

export async function acquireStartupLock(strapi: Core.Strapi): Promise<Release> {
  const database = strapi.config.get('database.connection') as { client: string; connection: ClientConfig };
  if (database.client !== 'postgres') return async () => {};

  const client = new Client({ ...database.connection, application_name: 'social-startup-lock' });
  await client.connect();
  const waitStarted = Date.now();
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  const waited = Date.now() - waitStarted;
  if (waited > 100) strapi.log.info(`Waited ${waited} ms for another instance to finish starting.`);

  return async () => {
    try {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    } finally {
      await client.end();
    }
  };
}
