import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { configurePgConnection } from '../src/db/connection/postgres';
import { configureSqliteConnection } from '../src/db/connection/sqlite';

const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Database => {
  const client = env('DATABASE_CLIENT', 'sqlite');

  if (client === 'postgres') {
    const ssl = env.bool('DATABASE_SSL', false);
    return {
      connection: {
        client: 'postgres',
        connection: {
          connectionString: env('DATABASE_URL'),
          host: env('DATABASE_HOST', '127.0.0.1'),
          port: env.int('DATABASE_PORT', 5432),
          database: env('DATABASE_NAME', 'strapi'),
          user: env('DATABASE_USERNAME', 'postgres'),
          password: env('DATABASE_PASSWORD', ''),
          ssl: ssl ? { rejectUnauthorized: env.bool('DATABASE_SSL_REJECT_UNAUTHORIZED', true) } : false,
          // PostgreSQL's JIT compiles a statement whose estimated cost passes jit_above_cost. The
          // app's statements are short reads, but on small or not yet analyzed tables the
          // estimates are wild: the moderation queue's page was estimated at 1.4 million and
          // spent 2.6 s compiling to read nothing (the tests' fresh databases, a new install).
          // Off for this app's sessions, as a startup parameter (DATABASE_JIT=true keeps the
          // server's setting; a pooler that drops startup parameters needs `ALTER ROLE ... SET jit = off`).
          ...(env.bool('DATABASE_JIT', false) ? {} : { options: '-c jit=off' }),
        },
        pool: {
          min: env.int('DATABASE_POOL_MIN', 2),
          max: env.int('DATABASE_POOL_MAX', 10),
          // Named prepared statements for the queries src/db/prepared.ts flags.
          afterCreate: (conn: unknown, done: (error?: Error, conn?: unknown) => void) => {
            configurePgConnection(conn);
            done(undefined, conn);
          },
        },
        // How long a request waits for a pooled connection. Short, so that with the database
        // gone requests fail fast (503) instead of hanging; raise it for very bursty loads.
        acquireConnectionTimeout: env.int('DATABASE_CONNECTION_TIMEOUT', 5000),
      },
    };
  }

  if (client !== 'sqlite') {
    throw new Error(`DATABASE_CLIENT must be "sqlite" or "postgres", not "${client}".`);
  }

  // Relative filenames are resolved against the project root (dist/config -> ../.. at run time).
  const projectRoot = path.resolve(__dirname, '..', '..');
  const filename = env('DATABASE_FILENAME', '.tmp/data.db');
  return {
    connection: {
      client: 'sqlite',
      connection: { filename: path.resolve(projectRoot, filename) },
      useNullAsDefault: true,
      pool: {
        // WAL synced at every commit, and a prepared-statement cache: see the module.
        afterCreate: (conn: unknown, done: (error?: Error, conn?: unknown) => void) => {
          try {
            configureSqliteConnection(conn);
            done(undefined, conn);
          } catch (error) {
            done(error as Error, conn);
          }
        },
      },
    },
  };
};

export default config;
