import type { ServerResponse } from 'node:http';
import type { Core } from '@strapi/strapi';
import { errors } from '@strapi/utils';
import type { Context } from 'koa';
import { startNotificationEvents, type EventSource, type NotificationEvent } from '../db/notification-events';
import { repositories } from '../db/repositories';

/**
 * The open notification streams of this node (GET /api/notifications/stream, Server-Sent Events).
 *
 * - Events come from the database (src/db/notification-events.ts): on PostgreSQL a LISTEN
 *   connection that every node holds, so an action through any node reaches a stream on any other
 *   once its transaction commits; on SQLite (one node) a poll by id.
 * - Each event is loaded for its recipient with the rules of the list (not from a user blocked
 *   either way, nor muted), and written as `event: notification` with the notification as data.
 * - One timer for all streams writes a comment line every `heartbeatMs`, so proxies keep them open.
 * - One timer checks every `recheckMs` that the users of open streams still exist and are not
 *   blocked by a moderator (one query for all of them), and ends the streams of those who are not.
 * - At most `perUser` streams per user on one node: one more is a 429 RateLimitError.
 * - A client that does not read (over MAX_BUFFERED bytes waiting) is cut.
 * - closeAll() ends every stream at once: graceful shutdown calls it before draining.
 */
type StreamConfig = { heartbeatMs: number; perUser: number; recheckMs: number; pollMs: number };
type Stream = { userId: number; res: ServerResponse; end: () => void };

const MAX_BUFFERED = 256 * 1024;

export class NotificationHub {
  private readonly byUser = new Map<number, Set<Stream>>();
  private source: Promise<EventSource> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private closed = false;
  readonly config: StreamConfig;

  constructor(private readonly strapi: Core.Strapi) {
    const read = (key: keyof StreamConfig, fallback: number) => {
      const value = Number(strapi.config.get(`notifications.stream.${key}`, fallback));
      return Number.isFinite(value) && value > 0 ? value : fallback;
    };
    this.config = { heartbeatMs: read('heartbeatMs', 20_000), perUser: read('perUser', 5), recheckMs: read('recheckMs', 2_000), pollMs: read('pollMs', 200) };
  }

  /** How many streams are open on this node. */
  get size(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  /** Opens the caller's stream: answers 200 text/event-stream and keeps the answer open. */
  async open(ctx: Context, userId: number): Promise<void> {
    if (this.closed) throw new errors.ApplicationError('The server is shutting down');
    if ((this.byUser.get(userId)?.size ?? 0) >= this.config.perUser) {
      ctx.set('Retry-After', '30');
      throw new errors.RateLimitError(`At most ${this.config.perUser} notification streams per user are open at once: close one first.`);
    }
    await this.start();

    const { req, res } = ctx;
    const stream: Stream = {
      userId,
      res,
      end: () => {
        this.remove(stream);
        if (!res.writableEnded) res.end();
      },
    };
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(stream);

    req.socket.setTimeout(0);
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);
    req.on('close', stream.end);
    res.on('close', stream.end);
    res.on('error', stream.end); // a client gone mid-write: nothing to report

    // The answer is written here, not by Koa (which would report a client leaving as an error).
    // Headers set earlier by middlewares (CORS, security) are already on `res`.
    ctx.respond = false;
    ctx.status = 200;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform: no proxy may compress or rewrite it; X-Accel-Buffering: nginx must not buffer it.
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    // The first bytes send the headers at once; `retry` is the client's reconnection delay.
    res.write(`retry: 2000\n: connected\n\n`);
  }

  /** Ends every open stream at once and stops listening (graceful shutdown, destroy). */
  async closeAll(): Promise<void> {
    this.closed = true;
    for (const set of [...this.byUser.values()]) for (const stream of [...set]) stream.end();
    this.byUser.clear();
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.recheck) clearInterval(this.recheck);
    const source = this.source;
    this.source = undefined;
    if (source) await (await source.catch(() => undefined))?.stop();
  }

  private remove(stream: Stream): void {
    const set = this.byUser.get(stream.userId);
    if (!set) return;
    set.delete(stream);
    if (set.size === 0) this.byUser.delete(stream.userId);
  }

  private async start(): Promise<void> {
    if (!this.source) {
      this.source = startNotificationEvents(this.strapi, (event) => void this.deliver(event), { pollMs: this.config.pollMs });
      this.source.catch(() => {
        this.source = undefined;
      });
      this.heartbeat = setInterval(() => this.writeAll(': keep-alive\n\n'), this.config.heartbeatMs);
      this.heartbeat.unref();
      this.recheck = setInterval(() => void this.checkUsers(), this.config.recheckMs);
      this.recheck.unref();
    }
    await this.source;
  }

  private write(stream: Stream, text: string): void {
    if (stream.res.writableEnded || stream.res.destroyed) return;
    // A client that stopped reading: cut it rather than buffer without end.
    if (stream.res.writableLength > MAX_BUFFERED) {
      stream.end();
      stream.res.destroy();
      return;
    }
    stream.res.write(text);
  }

  private writeAll(text: string): void {
    for (const set of this.byUser.values()) for (const stream of set) this.write(stream, text);
  }

  private async deliver(event: NotificationEvent): Promise<void> {
    if (!this.byUser.has(event.userId)) return;
    try {
      const [view] = await repositories(this.strapi).notifications.views(event.userId, [event.id]);
      if (!view) return; // undone already, or from a user the recipient blocked or muted
      const text = `id: ${view.id}\nevent: notification\ndata: ${JSON.stringify(view)}\n\n`;
      for (const stream of this.byUser.get(event.userId) ?? []) this.write(stream, text);
    } catch (error) {
      this.strapi.log.warn(`Notification stream: event ${event.id} not delivered (${(error as Error).message})`);
    }
  }

  private async checkUsers(): Promise<void> {
    const ids = [...this.byUser.keys()];
    if (ids.length === 0) return;
    try {
      const active = await repositories(this.strapi).notifications.activeUsers(ids);
      for (const id of ids) if (!active.has(id)) for (const stream of [...(this.byUser.get(id) ?? [])]) stream.end();
    } catch (error) {
      this.strapi.log.warn(`Notification stream: users not checked (${(error as Error).message})`);
    }
  }
}

/** The hub is kept on the Strapi instance under a registered symbol: one per instance, whichever copy of this module asks. */
const HUB = Symbol.for('social.notificationHub');
type WithHub = { [HUB]?: NotificationHub };

export function notificationHub(strapi: Core.Strapi): NotificationHub {
  const holder = strapi as unknown as WithHub;
  return (holder[HUB] ??= new NotificationHub(strapi));
}

/** Ends the node's streams, if it has any (graceful shutdown, destroy). */
export async function closeNotificationStreams(strapi: Core.Strapi): Promise<void> {
  await (strapi as unknown as WithHub)[HUB]?.closeAll();
}
