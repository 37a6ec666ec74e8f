import type { Core } from '@strapi/strapi';

/**
 * The notification stream (GET /api/notifications/stream, src/server/notification-stream.ts).
 * Read when a node opens its first stream.
 */
const config = ({ env }: Core.Config.Shared.ConfigParams) => ({
  stream: {
    // A comment line this often keeps proxies and load balancers from closing an idle stream
    // (nginx's proxy_read_timeout is 60 s in deploy/nginx.conf; most load balancers idle out at 60 s).
    heartbeatMs: env.int('NOTIFICATION_STREAM_HEARTBEAT_MS', 20_000),
    // Open streams per user on one node; one more answers 429.
    perUser: env.int('NOTIFICATION_STREAMS_PER_USER', 5),
    // How often a node checks that the users of its open streams still exist and are not blocked.
    recheckMs: env.int('NOTIFICATION_STREAM_RECHECK_MS', 2_000),
    // SQLite only: how often the node reads notifications made since the last it saw.
    pollMs: env.int('NOTIFICATION_STREAM_POLL_MS', 200),
  },
});

export default config;
