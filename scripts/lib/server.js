// @ts-check
// The one process harness of scripts/, bench/ and tests/: a free port, a server started in a
// child process in its own process group, waiting until GET /_health answers 204, and stopping
// it (SIGTERM to the group, SIGKILL after a grace period).
//
// CommonJS with JSDoc types (checked with tests/tsconfig.json), because two kinds of caller load
// it: the scripts and the benchmark are ES modules, which can import CommonJS; the Jest tests are
// TypeScript that ts-jest compiles to CommonJS, and Jest cannot load an ES module (.mjs) from
// there without --experimental-vm-modules. Node built-ins only.
'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

/** What the child runs by default: the compiled app (dist/), in-process (compiled-app.js). */
const COMPILED_APP = path.join(__dirname, 'compiled-app.js');

/** `strapi start`, the command the production image runs (Dockerfile, CMD). */
const STRAPI_START = [path.join(ROOT, 'node_modules', '@strapi', 'strapi', 'bin', 'strapi.js'), 'start'];

/** Preloaded into every child (orphan-guard.js). */
const ORPHAN_GUARD = path.join(__dirname, 'orphan-guard.js');

const HEALTH_POLL_MS = 200;
/** A server that accepts the connection but never answers must not stall the wait. */
const HEALTH_REQUEST_TIMEOUT_MS = 2_000;
/** How much of a server's output an error message quotes. */
const LOG_TAIL_CHARS = 4_000;

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Where the child's output goes: appended to a file; to this process's stdout and stderr
 * ('inherit'); or piped and kept in memory (the last `keep` characters, all by default), each
 * chunk also passed to `echo`.
 * @typedef {{ file: string } | 'inherit' | { keep?: number, echo?: (text: string) => void }} Output
 */

/**
 * @typedef {object} ServerOptions
 * @property {NodeJS.ProcessEnv} env  the child's environment; the harness sets HOST and PORT
 * @property {string[]} [args]  what Node runs: COMPILED_APP (the default), STRAPI_START, or a script with its arguments
 * @property {string[]} [nodeArgs]  options for Node itself (e.g. --cpu-prof)
 * @property {Output} [output]  default: piped and kept
 * @property {string} [label]  how messages name the server
 */

/**
 * @typedef {object} Server
 * @property {import('node:child_process').ChildProcess} child
 * @property {number} port
 * @property {string} url  http://127.0.0.1:<port>
 * @property {string} label
 * @property {Promise<number | null>} exited  resolves with the exit code (null: a signal ended it)
 * @property {() => boolean} running  false once it has exited (or could not be started)
 * @property {() => string} log  its output so far, stdout and stderr as they came (empty when inherited)
 * @property {() => string} stdout  its standard output alone (piped output only)
 */

/**
 * A port nobody listens on right now: the kernel picks one for a throw-away listener.
 * @returns {Promise<number>}
 */
function freePort() {
  return new Promise((resolve, reject) => {
    const listener = net.createServer();
    listener.unref();
    listener.on('error', reject);
    listener.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (listener.address());
      listener.close(() => resolve(port));
    });
  });
}

/**
 * What is kept of the child's output, by `output`.
 * @param {import('node:child_process').ChildProcess} child
 * @param {Output} output
 * @returns {{ log: () => string, stdout: () => string, note: (text: string) => void }}
 */
function keepOutput(child, output) {
  if (output === 'inherit') return { log: () => '', stdout: () => '', note: (text) => process.stderr.write(text) };
  if ('file' in output) {
    const { file } = output;
    const read = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    return { log: read, stdout: () => '', note: (text) => fs.appendFileSync(file, text) };
  }
  const keep = output.keep ?? Infinity;
  /** @param {string} text */
  const trim = (text) => (text.length > keep ? text.slice(-keep) : text);
  let all = '';
  let out = '';
  /** @param {string} text */
  const note = (text) => {
    all = trim(all + text);
    output.echo?.(text);
  };
  child.stdout?.on('data', (chunk) => {
    out = trim(out + chunk);
    note(String(chunk));
  });
  child.stderr?.on('data', (chunk) => note(String(chunk)));
  return { log: () => all, stdout: () => out, note };
}

/**
 * Starts `node [nodeArgs] [args]` in the project folder, on a free port of 127.0.0.1 (HOST and
 * PORT in its environment), in its own process group, so that stopServer() stops everything the
 * child starts. Does not wait for it: see waitForHealth().
 * @param {ServerOptions} options
 * @returns {Promise<Server>}
 */
async function startServer({ env, args = [COMPILED_APP], nodeArgs = [], output = {}, label }) {
  const port = await freePort();
  const fd = typeof output === 'object' && 'file' in output ? fs.openSync(output.file, 'a') : undefined;
  /** @type {import('node:child_process').StdioOptions} */
  const stdio = output === 'inherit' ? ['ignore', 'inherit', 'inherit'] : fd === undefined ? ['ignore', 'pipe', 'pipe'] : ['ignore', fd, fd];
  const child = spawn(process.execPath, [...nodeArgs, '--require', ORPHAN_GUARD, ...args], {
    cwd: ROOT,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio,
    detached: true,
  });
  if (fd !== undefined) fs.closeSync(fd);
  const { log, stdout, note } = keepOutput(child, output);
  let ended = false;
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => {
    child.once('exit', (code) => {
      ended = true;
      resolve(code);
    });
    child.on('error', (error) => {
      if (child.pid !== undefined) return; // a failed kill(): the process itself carries on
      ended = true;
      note(`could not start the server: ${error.message}\n`);
      resolve(null);
    });
  });
  return { child, port, url: `http://127.0.0.1:${port}`, label: label ?? `server on port ${port}`, exited, running: () => !ended, log, stdout };
}

/**
 * @param {Server} server
 * @param {string} reason
 */
function failure(server, reason) {
  const tail = server.log().slice(-LOG_TAIL_CHARS);
  return new Error(`${server.label} ${reason}${tail ? `; the end of its output:\n${tail}` : ''}`);
}

/**
 * Resolves once GET /_health answers 204. Rejects, quoting the end of the server's output, when
 * the server exits first or `timeoutMs` passes.
 * @param {Server} server
 * @param {number} [timeoutMs]
 * @returns {Promise<void>}
 */
async function waitForHealth(server, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (server.running()) {
    if (Date.now() > deadline) throw failure(server, `did not answer 204 on GET /_health within ${timeoutMs / 1000} s`);
    try {
      const res = await fetch(`${server.url}/_health`, { signal: AbortSignal.timeout(HEALTH_REQUEST_TIMEOUT_MS) });
      if (res.status === 204) return;
    } catch {
      // not listening yet
    }
    await sleep(HEALTH_POLL_MS);
  }
  throw failure(server, `exited (code ${server.child.exitCode}, signal ${server.child.signalCode}) before it was healthy`);
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @param {NodeJS.Signals} signal
 */
function signalGroup(child, signal) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'ESRCH') throw error;
  }
}

/**
 * One stop per server, however many callers (a clean-up on a signal, then the normal one).
 * @type {WeakMap<Server, Promise<void>>}
 */
const stops = new WeakMap();

/**
 * Stops the server: SIGTERM to its process group, then SIGKILL to the group if it has not
 * exited after `graceMs`. Resolves once it has exited; nothing to do if it already has.
 * @param {Server | undefined} server
 * @param {number} [graceMs]
 * @returns {Promise<void>}
 */
function stopServer(server, graceMs = 30_000) {
  if (!server || !server.running()) return Promise.resolve();
  const stopping =
    stops.get(server) ??
    (async () => {
      signalGroup(server.child, 'SIGTERM');
      const timer = setTimeout(() => {
        process.stderr.write(`${server.label} still running ${graceMs / 1000} s after SIGTERM: sending SIGKILL\n`);
        signalGroup(server.child, 'SIGKILL');
      }, graceMs);
      await server.exited;
      clearTimeout(timer);
    })();
  stops.set(server, stopping);
  return stopping;
}

module.exports = { COMPILED_APP, ROOT, STRAPI_START, freePort, startServer, stopServer, waitForHealth };
