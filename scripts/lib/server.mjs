// Running the production server from a script: a free port, `strapi start` in its own process
// group with its output in a log file, waiting for /_health, and stopping it. Shared by
// scripts/acceptance.mjs and scripts/browser-tests.mjs. Node built-ins only.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nobody listens on right now: the kernel picks one for a throw-away listener. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `strapi start` in `root`, in its own process group, keeping its output in `logFile`. */
export function startServer({ root, env, logFile, log }) {
  const out = fs.openSync(logFile, 'a');
  const child = spawn('npx', ['strapi', 'start'], {
    cwd: root,
    env,
    stdio: ['ignore', out, out],
    detached: true, // its own process group: npx, strapi and anything they start stop together
  });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.on('error', (error) => log(`could not start the server: ${error.message}`));
  return { child, exited };
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
}

/** SIGTERM to the server's process group, then SIGKILL after `graceMs`. */
export async function stopServer(server, { graceMs, log }) {
  if (!server || server.stopped) return;
  server.stopped = true;
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  signalGroup(server.child, 'SIGTERM');
  const timer = sleep(graceMs).then(() => 'timeout');
  if ((await Promise.race([server.exited, timer])) === 'timeout') {
    log(`server still running ${graceMs / 1000} s after SIGTERM: sending SIGKILL`);
    signalGroup(server.child, 'SIGKILL');
    await server.exited;
  }
}

/** Polls GET /_health until it answers 204. Fails early when the server process exits. */
export async function waitForHealth(baseUrl, server, timeoutMs) {
  let exit;
  server.exited.then((result) => (exit = result));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exit) return { ok: false, reason: `the server exited (code ${exit.code}, signal ${exit.signal}) before it was healthy` };
    try {
      const res = await fetch(`${baseUrl}/_health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 204) return { ok: true };
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  return { ok: false, reason: `GET /_health did not answer 204 within ${timeoutMs / 1000} s` };
}

export function printLogTail(logFile, lineCount, prefix) {
  let text = '';
  try {
    text = fs.readFileSync(logFile, 'utf8');
  } catch {
    // no log at all
  }
  const lines = text.trimEnd().split('\n').slice(-lineCount);
  console.error(`[${prefix}] last ${lines.length} lines of the server log (${logFile}):`);
  console.error(lines.join('\n'));
}

/** Removes the run's scratch folder; with `keepLog`, keeps only its server.log. */
export function removeWorkDir(workDir, keepLog) {
  if (!workDir) return;
  if (!keepLog) {
    fs.rmSync(workDir, { recursive: true, force: true });
    return;
  }
  for (const entry of fs.readdirSync(workDir)) {
    if (entry !== 'server.log') fs.rmSync(`${workDir}/${entry}`, { force: true, recursive: true });
  }
}

/** On SIGINT, SIGTERM or SIGHUP: clean up, then exit with the signal's conventional status. */
export function cleanUpOnSignals(cleanUp, log) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, async () => {
      log(`received ${signal}: stopping`);
      await cleanUp({ keepLog: false });
      process.exit(128 + os.constants.signals[signal]);
    });
  }
}
