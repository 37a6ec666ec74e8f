import type { Server } from 'node:http';
import type { Core } from '@strapi/strapi';
import { closeNotificationStreams } from './notification-stream';

/**
 * Strapi's own SIGTERM handler destroys every open connection at once, cutting requests in
 * flight. This one drains instead: stop accepting connections, let requests in flight finish
 * (answering them with `Connection: close`), and only then destroy Strapi, which closes idle
 * keep-alive sockets and the database pool. After SHUTDOWN_TIMEOUT_MS it stops anyway.
 */
export function installGracefulShutdown(strapi: Core.Strapi, timeoutMs: number): void {
  const server = strapi.server.httpServer as unknown as Server;
  let inFlight = 0;
  let draining = false;

  server.on('request', (_req, res) => {
    inFlight += 1;
    if (draining) res.setHeader('Connection', 'close');
    res.on('close', () => {
      inFlight -= 1;
    });
  });

  const drain = async (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    server.close(); // no new connections from here on
    // Open notification streams never finish by themselves: end them now (clients reconnect to another node).
    void closeNotificationStreams(strapi);
    strapi.log.info(`${signal} received: draining ${inFlight} request(s) in flight, then shutting down.`);
    const deadline = Date.now() + timeoutMs;
    // Wait until nothing is in flight, twice over a short pause: a connection accepted just
    // before close() may not have delivered its request yet. Idle keep-alive sockets are left
    // alone until then (closing them early could cut a request that is already on its way).
    const settled = async () => {
      while (inFlight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 150));
      return inFlight === 0;
    };
    while (!(await settled()) && Date.now() < deadline);
    if (inFlight > 0) strapi.log.warn(`Shutdown timeout: ${inFlight} request(s) still in flight are cut.`);
    await strapi.destroy();
    process.exit(0);
  };

  // Replace Strapi's immediate-destroy handlers (registered by createStrapi) with the drain.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      drain(signal).catch((error: unknown) => {
        strapi.log.error(error);
        process.exit(1);
      });
    });
  }
}
