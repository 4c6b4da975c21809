// CPU pinning with taskset: the server (service or relay) on one core, the load generator on another.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const ENV_KEY = 'BENCH_PINNING';

function allowedCpus() {
  try {
    const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (!list) return [];
    return list.split(',').flatMap((part) => {
      const [from, to = from] = part.split('-').map(Number);
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    });
  } catch {
    return [];
  }
}

function hasTaskset() {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Decides the pinning, once, in the first process. Returns { enabled, serverCpu, loadCpu, reason }.
 * A re-executed bench finds the decision in its environment.
 */
export function decidePinning(wanted) {
  const inherited = process.env[ENV_KEY];
  if (inherited) return JSON.parse(inherited);
  if (!wanted) return { enabled: false, reason: 'disabled by --no-pin' };
  if (!hasTaskset()) return { enabled: false, reason: 'taskset not found' };
  const cpus = allowedCpus();
  if (cpus.length < 2) return { enabled: false, reason: `only ${cpus.length} core(s) available` };
  return { enabled: true, serverCpu: cpus[0], loadCpu: cpus[1], reason: 'taskset' };
}

export function describePinning(pinning) {
  return pinning.enabled
    ? `server pinned to core ${pinning.serverCpu}, load generator to core ${pinning.loadCpu} (taskset)`
    : `no CPU pinning (${pinning.reason})`;
}

/**
 * Runs this bench again under `taskset -c <loadCpu>` unless it already is, so the load generator and
 * every client process it starts stay on their core. Resolves to the child's exit code, or to null
 * when this process is the one to do the work.
 */
export function reexecPinned(pinning) {
  if (!pinning.enabled || process.env[ENV_KEY]) return Promise.resolve(null);
  const child = spawn(
    'taskset',
    ['-c', String(pinning.loadCpu), process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, [ENV_KEY]: JSON.stringify(pinning) } },
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

/** The command line that runs `command args` on the server's core. */
export function onServerCore(pinning, command, args) {
  return pinning.enabled
    ? { command: 'taskset', args: ['-c', String(pinning.serverCpu), command, ...args] }
    : { command, args };
}

/**
 * The command line that runs `command args` on either core, as the scheduler likes (the webhook receiver
 * of --webhooks: like PostgreSQL, a party that is neither the server nor the load generator).
 */
export function onEitherCore(pinning, command, args) {
  return pinning.enabled
    ? { command: 'taskset', args: ['-c', `${pinning.serverCpu},${pinning.loadCpu}`, command, ...args] }
    : { command, args };
}
