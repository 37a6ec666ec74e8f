import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './env';

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

export type AppNode = {
  port: number;
  url: string;
  child: ChildProcess;
  /** stdout and stderr interleaved, for error reports. */
  log: () => string;
  stdout: () => string;
  exited: Promise<number | null>;
};

/**
 * Starts the compiled app (dist/, as compiled by the test run's global setup) in its own
 * process, like `strapi start` without the admin panel build. The environment is the test
 * environment plus `env`.
 */
export async function startNode(env: Record<string, string>): Promise<AppNode> {
  const port = await freePort();
  const script = `require('@strapi/strapi').createStrapi({ appDir: ${JSON.stringify(ROOT)}, distDir: ${JSON.stringify(
    path.join(ROOT, 'dist')
  )} }).start()`;
  const child = spawn(process.execPath, ['-e', script], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', LOG_LEVEL: 'http' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { port, url: `http://127.0.0.1:${port}`, child, log: () => output, stdout: () => stdout, exited };
}

export async function waitHealthy(node: AppNode, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (node.child.exitCode !== null) throw new Error(`node on ${node.port} exited:\n${node.log().slice(-3000)}`);
    try {
      const res = await fetch(`${node.url}/_health`);
      if (res.status === 204) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`node on ${node.port} not healthy after ${timeoutMs} ms:\n${node.log().slice(-3000)}`);
}

export async function stopNode(node: AppNode): Promise<void> {
  if (node.child.exitCode !== null) return;
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 30_000);
  await node.exited;
  clearTimeout(timer);
}
