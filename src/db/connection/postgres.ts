import { createHash } from 'node:crypto';
import { PREPARE_FLAG } from '../prepared';

/**
 * Set-up of every PostgreSQL connection (config/database.ts, knex pool afterCreate): a query
 * that src/db/prepared.ts flagged gets a statement name derived from its SQL text, so the pg
 * driver prepares it once on this connection and reuses it. The names of at most MAX_NAMES texts
 * are remembered (beyond, the hash is recomputed: same name, never a clash).
 */
type QueryConfig = { text?: string; name?: string; [PREPARE_FLAG]?: boolean };
type PgConnection = { query: (config: unknown, ...rest: unknown[]) => unknown };

const MAX_NAMES = 1_000;
const names = new Map<string, string>();

const nameOf = (text: string): string => {
  let name = names.get(text);
  if (name === undefined) {
    name = `social_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    if (names.size < MAX_NAMES) names.set(text, name);
  }
  return name;
};

export function configurePgConnection(conn: unknown): void {
  const client = conn as PgConnection;
  const query = client.query.bind(client);
  client.query = (config: unknown, ...rest: unknown[]) => {
    const c = config as QueryConfig | null;
    if (c && typeof c === 'object' && c[PREPARE_FLAG] && typeof c.text === 'string') {
      const { [PREPARE_FLAG]: _flag, ...plain } = c;
      return query({ ...plain, name: nameOf(c.text) }, ...rest);
    }
    return query(config, ...rest);
  };
}
