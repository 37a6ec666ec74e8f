import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { Client } from 'pg';
import { dialectOf, q } from './dialect';
import { NOTIFY } from './derived/notifications';
import { repositories } from './repositories';
import { syncTriggers, type TriggerSpec } from './triggers';

/**
 * Where a node learns that a notification was made, whoever made it and on whichever node
 * (docs/DESIGN.md, "The notification stream"):
 * - PostgreSQL: a trigger on social_notifications runs pg_notify() in the writer's transaction;
 *   PostgreSQL delivers it to every LISTENing session when, and only if, that transaction commits.
 *   Each node holds one extra connection that LISTENs (not from the pool).
 * - SQLite (one node): the node reads the rows made since the last id it saw, every `pollMs`, while
 *   a stream is open. SQLite has one writer, so ids commit in order and none is skipped.
 */
export const NOTIFY_CHANNEL = 'social_notifications';
const PREFIX = 'social_notify_event_';

export type NotificationEvent = { id: number; userId: number };
export type EventSource = { stop: () => Promise<void> };

/** The PostgreSQL trigger that announces each new notification (id:recipient). Idempotent; bootstrap. */
export async function ensureNotificationEvents(strapi: Core.Strapi): Promise<void> {
  if (dialectOf(strapi) !== 'postgres') return;
  const spec: TriggerSpec = {
    name: `${PREFIX}v1_insert`,
    table: NOTIFY.notifications,
    events: ['INSERT'],
    body: [`PERFORM pg_notify('${NOTIFY_CHANNEL}', NEW.id::text || ':' || NEW.user_id::text)`],
  };
  await syncTriggers(strapi.db.connection as Knex, 'postgres', PREFIX, [spec]);
}

const parse = (payload: string | undefined): NotificationEvent | null => {
  const match = /^(\d+):(\d+)$/.exec(payload ?? '');
  return match ? { id: Number(match[1]), userId: Number(match[2]) } : null;
};

/** LISTENs on its own connection; reconnects after a loss (events in the gap are not replayed). */
function listen(strapi: Core.Strapi, onEvent: (event: NotificationEvent) => void): EventSource {
  let stopped = false;
  let client: Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const config = strapi.config.get('database.connection.connection') as Record<string, unknown>;

  const connect = async () => {
    if (stopped) return;
    const current = new Client({ ...config, connectionString: (config.connectionString as string | undefined) || undefined } as never);
    client = current;
    const again = (error?: Error) => {
      if (error) strapi.log.warn(`Notification listener: ${error.message}; reconnecting in 1 s.`);
      current.removeAllListeners();
      current.on('error', () => {});
      current.end().catch(() => {});
      if (client === current) client = undefined;
      if (!stopped && !retry) retry = setTimeout(() => ((retry = undefined), void connect()), 1000);
    };
    current.on('error', again);
    current.on('end', () => again());
    current.on('notification', (message) => {
      const event = message.channel === NOTIFY_CHANNEL ? parse(message.payload) : null;
      if (event) onEvent(event);
    });
    try {
      await current.connect();
      await current.query(`LISTEN ${q(NOTIFY_CHANNEL)}`);
    } catch (error) {
      again(error as Error);
    }
  };
  const ready = connect();

  return {
    async stop() {
      stopped = true;
      if (retry) clearTimeout(retry);
      await ready.catch(() => {});
      const current = client;
      client = undefined;
      if (current) {
        current.removeAllListeners();
        current.on('error', () => {});
        await current.end().catch(() => {});
      }
    },
    ready,
  } as EventSource & { ready: Promise<void> };
}

/** Reads new rows by id every `pollMs` (SQLite). */
function poll(strapi: Core.Strapi, onEvent: (event: NotificationEvent) => void, pollMs: number): EventSource & { ready: Promise<void> } {
  const { notifications } = repositories(strapi);
  let last = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    try {
      for (;;) {
        const rows = await notifications.since(last, 500);
        for (const row of rows) {
          last = row.id;
          onEvent(row);
        }
        if (rows.length < 500) break;
      }
    } catch (error) {
      if (!stopped) strapi.log.warn(`Notification poll: ${(error as Error).message}`);
    }
    if (!stopped) timer = setTimeout(() => void tick(), pollMs);
  };
  const ready = notifications.lastId().then((id) => {
    last = id;
    if (!stopped) timer = setTimeout(() => void tick(), pollMs);
  });
  return {
    ready,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

/** The event source of this database; resolves once it is listening. */
export async function startNotificationEvents(
  strapi: Core.Strapi,
  onEvent: (event: NotificationEvent) => void,
  options: { pollMs: number }
): Promise<EventSource> {
  const source = (dialectOf(strapi) === 'postgres' ? listen(strapi, onEvent) : poll(strapi, onEvent, options.pollMs)) as EventSource & { ready: Promise<void> };
  await source.ready;
  return source;
}
