// Idle mode (--idle N): N authenticated, idle websocket connections to the service (and to the relay,
// for the bare Socket.IO cost), held by a few client processes. Reports the connect rate, failures and
// the server's RSS and heap before and after, per connection.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createBenchDatabase, redact } from './bench-database.mjs';
import { describePinning } from './pinning.mjs';
import {
  CpuMeter,
  openFilesLimit,
  openFilesLimits,
  processTree,
  rssBytes,
  waitForQuiet,
} from './proc-stats.mjs';
import { machineInfo, sourceInfo, writeJson } from './report.mjs';
import { externalService, ROOT, startRelay, startService, withFdLimit } from './servers.mjs';
import { makeUsers } from './users.mjs';

const WORKER = join(ROOT, 'bench/idle-worker.mjs');
const FD_MARGIN = 512;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class IdleWorker {
  constructor(fdLimit) {
    const { command, args } = withFdLimit(fdLimit, process.execPath, ['--max-old-space-size=4096', WORKER]);
    this.child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.progress = { connected: 0, failed: 0 };
    this.exited = new Promise((resolve) => this.child.on('exit', resolve));
    this.child.on('message', (message) => {
      if (message.type === 'progress') this.progress = message;
      this.waiters.get(message.type)?.(message);
    });
    this.waiters = new Map();
  }

  next(type, timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`idle worker: no "${type}" after ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      const failed = (message) => reject(new Error(`idle worker failed: ${message.error}`));
      this.waiters.set('error', failed);
      this.waiters.set(type, (message) => {
        clearTimeout(timer);
        this.waiters.delete(type);
        resolve(message);
      });
      this.exited.then((code) => reject(new Error(`idle worker exited (code ${code}) before "${type}"`)));
    });
  }

  send(message) {
    this.child.send(message);
  }

  async close() {
    if (this.child.exitCode === null && this.child.connected) {
      this.send({ type: 'close' });
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

async function serverMemory(target) {
  const usage = await target.memory({ gc: true }); // full GC first when the server has --expose-gc
  if (!target.pid) return { heapUsedBytes: usage?.heapUsed, usage };
  // With workers, the connections live in the children: sum RSS over the tree; the probe sees only the primary.
  const pids = processTree(target.pid);
  const rss = pids.reduce((sum, pid) => sum + (rssBytes(pid) ?? 0), 0);
  return pids.length > 1
    ? { rssBytes: rss, processes: pids.length }
    : { rssBytes: rss, heapUsedBytes: usage?.heapUsed, usage };
}

async function idleAgainst(target, options) {
  const N = options.idle;
  const label = target.name.padEnd(7);
  if (target.pid) {
    const limit = openFilesLimit(target.pid);
    const perProcess = Math.ceil(N / (target.name === 'service' ? options.workers : 1));
    if (limit !== undefined && limit < perProcess + 64) {
      // Not fatal: what the server does at its limit is part of the answer. But say so up front.
      console.log(
        `  ${label} WARNING: the ${target.name} process may open only ${limit} files, so it cannot hold ` +
          `${N} connections (it needs a few dozen files besides): expect failures near ${limit - 30}. ` +
          `The bench raises the limit itself when the hard limit allows (ulimit -Hn, or root with ` +
          `CAP_SYS_RESOURCE); otherwise raise it, e.g. ulimit -n ${N + FD_MARGIN}, or ask for fewer.`,
      );
    }
  }

  const userCount = Math.ceil(N / options.socketsPerUser);
  console.log(`  ${label} ${target.name === 'relay' ? 'making' : 'registering'} ${userCount} users…`);
  const users = await makeUsers(target, userCount);
  await sleep(1000);
  if (options.waitQuiet > 0) await waitForQuiet({ maxSeconds: options.waitQuiet });
  const before = await serverMemory(target);

  const K = clientProcesses(options);
  const share = Math.ceil(N / K);
  const workerFdLimit = share + FD_MARGIN;
  const workers = Array.from({ length: K }, () => new IdleWorker(workerFdLimit));
  try {
    await Promise.all(workers.map((w) => w.next('ready', 30_000)));
    for (const worker of workers) {
      const limit = openFilesLimit(worker.child.pid);
      if (limit !== undefined && limit < share + 64) {
        throw new Error(
          `a client process may open only ${limit} files, fewer than its ${share} connections. ` +
            `Raise ulimit -n to ${workerFdLimit} or more, or use more client processes (--idle-workers ${Math.ceil(N / (limit - FD_MARGIN))}).`,
        );
      }
    }
    const localAddresses = Array.from({ length: options.localAddresses }, (_, i) => `127.0.0.${i + 1}`);
    console.log(
      `  ${label} opening ${N} connections from ${K} client process(es), source addresses ` +
        `${localAddresses[0]}…${localAddresses.at(-1)}, ${options.connectConcurrency} handshakes in flight each`,
    );
    const cpu = new CpuMeter(target.pid ? processTree(target.pid) : []);
    const began = Date.now();
    const done = workers.map((w) => w.next('connected', Math.max(300_000, N * 20)));
    const auths = users.map((u) => u.auth);
    workers.forEach((worker, i) => {
      worker.send({
        type: 'start',
        url: target.url,
        auths,
        offset: i * share,
        count: Math.max(0, Math.min(share, N - i * share)),
        localAddresses,
        concurrency: options.connectConcurrency,
      });
    });
    const ticker = setInterval(() => {
      const connected = workers.reduce((s, w) => s + w.progress.connected, 0);
      const failed = workers.reduce((s, w) => s + w.progress.failed, 0);
      const seconds = (Date.now() - began) / 1000;
      console.log(
        `  ${label} ${seconds.toFixed(0).padStart(3)} s  ${String(connected).padStart(6)} connected  ` +
          `${(connected / seconds).toFixed(0).padStart(5)} conn/s  failed ${failed}`,
      );
    }, 1000);
    let reports;
    try {
      reports = await Promise.all(done);
    } finally {
      clearInterval(ticker);
    }
    const connectSeconds = (Math.max(...reports.map((r) => r.finishedAt)) - began) / 1000;
    const serverCpuPercent = target.pid ? cpu.percent() : undefined;
    const connected = reports.reduce((s, r) => s + r.connected, 0);
    const failed = reports.reduce((s, r) => s + r.failed, 0);
    const failures = {};
    const localAddressesSeen = {};
    for (const r of reports) {
      for (const [k, v] of Object.entries(r.failures)) failures[k] = (failures[k] ?? 0) + v;
      for (const [k, v] of Object.entries(r.localAddressesSeen))
        localAddressesSeen[k] = (localAddressesSeen[k] ?? 0) + v;
    }

    console.log(
      `  ${label} ${connected} connected in ${connectSeconds.toFixed(1)} s; settling ${options.settle} s…`,
    );
    await sleep(options.settle * 1000);
    const statuses = await Promise.all(
      workers.map((w) => {
        const reply = w.next('status', 30_000);
        w.send({ type: 'status' });
        return reply;
      }),
    );
    const after = await serverMemory(target);
    const openAfter = statuses.reduce((s, st) => s + st.open, 0);
    const perConnection = (a, b) =>
      typeof a === 'number' && typeof b === 'number' && openAfter > 0 ? (a - b) / openAfter : undefined;
    return {
      target: target.name,
      requested: N,
      connected,
      failed,
      failures,
      openAfterSettle: openAfter,
      disconnectsWhileIdle: statuses.reduce((s, st) => s + st.disconnects, 0),
      disconnectReasons: statuses.reduce((all, st) => {
        for (const [k, v] of Object.entries(st.disconnectReasons ?? {})) all[k] = (all[k] ?? 0) + v;
        return all;
      }, {}),
      clientMaxLoopDelayMs: statuses.map((st) => Math.round(st.maxLoopDelayMs ?? Number.NaN)),
      firstDisconnectSeconds: Math.min(
        ...statuses.map((st) => st.firstDisconnectS ?? Number.POSITIVE_INFINITY),
      ),
      connectSeconds,
      connectRate: connected / connectSeconds,
      serverCpuPercentWhileConnecting: serverCpuPercent,
      clientCpuPercentWhileConnecting: (100 * reports.reduce((s, r) => s + r.cpuSeconds, 0)) / connectSeconds,
      users: userCount,
      clientProcesses: K,
      localAddresses,
      localAddressesSeen,
      before,
      after,
      rssPerConnectionBytes: perConnection(after.rssBytes, before.rssBytes),
      heapPerConnectionBytes: perConnection(after.heapUsedBytes, before.heapUsedBytes),
      clientMemory: reports.map((r) => r.memory),
    };
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
}

/** As asked, or more when one client process could not open its share of sockets. */
function clientProcesses(options) {
  const hard = openFilesLimits()?.hard ?? Number.POSITIVE_INFINITY;
  return Math.max(options.idleWorkers, Math.ceil(options.idle / Math.max(1000, hard - FD_MARGIN)));
}

const kb = (bytes) => (typeof bytes === 'number' ? (bytes / 1024).toFixed(1) : '-');
const mb = (bytes) => (typeof bytes === 'number' ? (bytes / 1024 / 1024).toFixed(0) : '-');

function formatIdleTable(results) {
  const header = [
    'target',
    'open',
    'failed',
    'conn/s',
    'RSS before MB',
    'RSS after MB',
    'RSS/conn KB',
    'heap/conn KB',
    'server CPU %',
    'client CPU %',
  ];
  const rows = results.map((r) => [
    r.after.processes > 1 ? `${r.target} (${r.after.processes} processes)` : r.target,
    String(r.openAfterSettle),
    String(r.failed),
    r.connectRate.toFixed(0),
    mb(r.before.rssBytes),
    mb(r.after.rssBytes),
    kb(r.rssPerConnectionBytes),
    kb(r.heapPerConnectionBytes),
    typeof r.serverCpuPercentWhileConnecting === 'number'
      ? r.serverCpuPercentWhileConnecting.toFixed(0)
      : '-',
    r.clientCpuPercentWhileConnecting.toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export async function runIdle(options, pinning) {
  const N = options.idle;
  const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl } = process.env;
  console.log(
    `bench --idle ${N}: ${Math.ceil(N / options.socketsPerUser)} users, ${options.socketsPerUser} sockets each`,
  );
  console.log(
    `storage: ${databaseUrl ? `PostgreSQL ${redact(databaseUrl)}` : 'embedded PGlite'}, ${redisUrl ? `Redis ${redact(redisUrl)}` : 'in-memory'}`,
  );
  console.log(`pinning: ${describePinning(pinning)}`);
  const own = openFilesLimits();
  const K = clientProcesses(options);
  console.log(
    `open files: the bench may open ${own?.soft} (hard limit ${own?.hard}); ${K} client process(es) ask for ` +
      `${Math.ceil(N / K) + FD_MARGIN} each, the server for ${N + FD_MARGIN}`,
  );

  const results = [];
  const fdLimit = N + FD_MARGIN;
  if (options.url) {
    if (!options.pid) console.log('service: external, no --pid: no server RSS');
    results.push(await idleAgainst(await externalService(options.url, options.pid), options));
  } else {
    const database = databaseUrl ? await createBenchDatabase(databaseUrl) : undefined;
    try {
      const service = await startService({
        pinning,
        databaseUrl: database?.url,
        redisUrl,
        fdLimit,
        exposeGc: true,
        workers: options.workers,
      });
      try {
        results.push(await idleAgainst(service, options));
      } finally {
        await service.stop();
      }
    } finally {
      await database?.drop();
    }
  }
  if (!options.skipRelay) {
    const relay = await startRelay({ pinning, fdLimit, exposeGc: true });
    try {
      results.push(await idleAgainst(relay, options));
    } finally {
      await relay.stop();
    }
  }

  console.log(`\n${formatIdleTable(results)}`);
  console.log(
    '(conn/s and the CPU columns: over the connecting phase; RSS/heap per connection: after − before, over the open connections)',
  );
  for (const r of results) {
    if (r.failed) console.log(`${r.target} failures: ${JSON.stringify(r.failures)}`);
    if (r.disconnectsWhileIdle)
      console.log(
        `${r.target} dropped while idle: ${JSON.stringify(r.disconnectReasons)}, the first ${r.firstDisconnectSeconds} s after the start; the client processes' longest event-loop stalls, ms: ${r.clientMaxLoopDelayMs.join(', ')}`,
      );
    console.log(`${r.target} source addresses used: ${JSON.stringify(r.localAddressesSeen)}`);
  }
  const file = writeJson(options.json, {
    kind: 'idle',
    date: new Date().toISOString(),
    parameters: {
      idle: N,
      workers: options.workers,
      socketsPerUser: options.socketsPerUser,
      idleWorkers: K,
      localAddresses: options.localAddresses,
      connectConcurrency: options.connectConcurrency,
      settle: options.settle,
      url: options.url ?? null,
    },
    machine: machineInfo(),
    source: sourceInfo(),
    pinning,
    storage: {
      databaseUrl: Boolean(databaseUrl),
      database: databaseUrl ? `PostgreSQL ${redact(databaseUrl)}` : 'embedded PGlite',
      redisUrl: Boolean(redisUrl),
      redis: redisUrl ? `Redis ${redact(redisUrl)}` : 'in-memory',
    },
    results,
  });
  console.log(`results: ${file}`);
}
