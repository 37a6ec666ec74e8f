// @ts-check
// Preloaded (node --require) into every process the harness (server.js) starts. Each runs in its
// own process group, so that stopping it stops all it started; but then a Ctrl-C in the terminal
// no longer reaches it, and a starter that dies without stopping it (SIGKILL, an interrupted Jest
// run) would leave it running on its port. So it watches its parent: once it has been re-parented
// (the starter is gone), it sends itself SIGTERM, which the app answers by shutting down.
'use strict';

const CHECK_MS = 1_000;
const parent = process.ppid;

const timer = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(timer);
  process.kill(process.pid, 'SIGTERM');
}, CHECK_MS);
timer.unref(); // never what keeps the process alive
