import { startServer, type Server } from '../../scripts/lib/server';

export type AppNode = Server;

/**
 * Starts the compiled app (dist/, as compiled by the test run's global setup) in its own
 * process, through the project's harness (scripts/lib/server.js): like `strapi start` without
 * the admin panel build. The environment is the test environment plus `env`. Wait for it with
 * waitForHealth() and stop it with stopServer(), from the same harness.
 */
export function startNode(env: Record<string, string>): Promise<AppNode> {
  return startServer({ env: { ...process.env, ...env, NODE_ENV: 'production', LOG_LEVEL: 'http' } });
}
