#!/usr/bin/env node
// `npm run bench`: the service against a bare Socket.IO relay under the same load (default), or
// `--idle N` idle connections. See bench/lib/options.mjs for the options, BENCHMARKS.md for results.
import { runInterruptTasks } from './lib/cleanup.mjs';
import { runComparison } from './lib/compare.mjs';
import { runIdle } from './lib/idle.mjs';
import { HELP, parseOptions, UsageError } from './lib/options.mjs';
import { decidePinning, reexecPinned } from './lib/pinning.mjs';
import { killAllServers } from './lib/servers.mjs';

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`${error.message}\n\n${HELP}`);
  process.exit(2);
}
if (options.help) {
  console.log(HELP);
  process.exit(0);
}

const pinning = decidePinning(options.pin);
const code = await reexecPinned(pinning);
if (code !== null) process.exit(code);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping the servers`);
    killAllServers();
    runInterruptTasks().finally(() => process.exit(130));
  });
}
process.on('exit', killAllServers);

try {
  if (options.idle) await runIdle(options, pinning);
  else await runComparison(options, pinning);
  process.exit(0);
} catch (error) {
  console.error(`\nbench failed: ${error.stack ?? error}`);
  killAllServers();
  process.exit(1);
}
