// What the acceptance and browser-test scripts share besides the server (./server.js): the tail
// of the server's log, the run's scratch folder, and clean-up on signals. Node built-ins only.
import fs from 'node:fs';
import os from 'node:os';

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
