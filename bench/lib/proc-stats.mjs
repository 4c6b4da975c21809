// CPU time, RSS and the open-files limit of a process, read from Linux /proc.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds the process has used so far, or undefined when it cannot be read. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" closing the command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes (VmRSS), or undefined. */
/** The process and its children (cluster workers), from /proc; just [pid] where that cannot be read. */
export function processTree(pid) {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return [pid, ...(children ? children.split(/\s+/).map(Number).flatMap(processTree) : [])];
  } catch {
    return [pid];
  }
}

export function rssBytes(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The { soft, hard } limits on open files of a process ('self' for this one), or undefined. */
export function openFilesLimits(pid = 'self') {
  try {
    const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    if (!match) return undefined;
    const value = (text) => (text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text));
    return { soft: value(match[1]), hard: value(match[2]) };
  } catch {
    return undefined;
  }
}

/** The soft limit on open files of a process, or undefined. */
export function openFilesLimit(pid = 'self') {
  return openFilesLimits(pid)?.soft;
}

/** Samples CPU seconds of several processes at once; `since(before)` gives % of one core per process. */
export class CpuMeter {
  constructor(pids) {
    this.pids = pids.filter(Boolean);
    this.wall = performance.now();
    this.start = this.pids.map(cpuSeconds);
  }

  /** Sum over the processes of CPU used since construction, as % of one core; undefined if unreadable. */
  percent() {
    const wallSeconds = (performance.now() - this.wall) / 1000;
    let used = 0;
    let readable = 0;
    this.pids.forEach((pid, i) => {
      const now = cpuSeconds(pid);
      if (now === undefined || this.start[i] === undefined) return;
      used += now - this.start[i];
      readable += 1;
    });
    return readable === 0 || wallSeconds <= 0 ? undefined : (100 * used) / wallSeconds;
  }
}

function machineTicks() {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
    const values = fields.map(Number);
    const total = values.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal (guest is inside user)
    const idle = values[3] + (values[4] ?? 0); // idle + iowait
    return { total, busy: total - idle };
  } catch {
    return undefined;
  }
}

/** Whole-machine busy CPU since construction, in % of one core (200 = two cores fully busy). */
export class MachineCpuMeter {
  constructor() {
    this.wall = performance.now();
    this.start = machineTicks();
  }

  percent() {
    const end = machineTicks();
    const wallSeconds = (performance.now() - this.wall) / 1000;
    if (!this.start || !end || wallSeconds <= 0) return undefined;
    return (100 * (end.busy - this.start.busy)) / ticksPerSecond() / wallSeconds;
  }
}

/**
 * Waits (up to `maxSeconds`) until the machine has been quiet — busy below `threshold`% of one core —
 * for two seconds in a row, so other work does not skew a measurement. Resolves to the last reading.
 */
export async function waitForQuiet({ maxSeconds, threshold = 25, log = console.log }) {
  const deadline = performance.now() + maxSeconds * 1000;
  let quiet = 0;
  let said = false;
  for (;;) {
    const meter = new MachineCpuMeter();
    await new Promise((r) => setTimeout(r, 1000));
    const busy = meter.percent() ?? 0;
    quiet = busy < threshold ? quiet + 1 : 0;
    if (quiet >= 2) return busy;
    if (performance.now() > deadline) {
      log(`  machine still busy (${busy.toFixed(0)}% of a core used by other processes): measuring anyway`);
      return busy;
    }
    if (!said && busy >= threshold) {
      log(`  waiting for the machine to be quiet (other processes use ${busy.toFixed(0)}% of a core)…`);
      said = true;
    }
  }
}
