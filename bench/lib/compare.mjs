// Throughput mode: per run, a fresh service (fresh data dir, fresh database) under the load, then the
// bare relay under the same load (with --webhooks, between the two: a fresh service posting webhooks to a
// local receiver); medians over the runs and the durable/relay (and webhooks/plain) ratios.
import { randomBytes } from 'node:crypto';
import {
  backendPids,
  committedTransactions,
  countUserMessages,
  createBenchDatabase,
  redact,
} from './bench-database.mjs';
import { runGroupLoad } from './group-load.mjs';
import { describeGroups, formatGroupTable, groupMedians } from './group-report.mjs';
import { runLoad } from './load.mjs';
import { describePinning } from './pinning.mjs';
import {
  describeMix,
  fixed,
  formatKindTable,
  formatRatios,
  formatTable,
  machineInfo,
  median,
  medianOf,
  ratiosOf,
  sourceInfo,
  writeJson,
} from './report.mjs';
import { externalService, NODE_FLAGS, startRelay, startService } from './servers.mjs';
import { describeWebhooks, formatWebhooks, runWebhookLoad, startWebhookReceiver } from './webhooks.mjs';

const TRIES = 3;

/** Measures again while other processes disturbed the window more than --max-other allows. */
async function undisturbed(measure, options) {
  let result;
  for (let attempt = 1; attempt <= TRIES; attempt++) {
    result = await measure();
    result.attempts = attempt;
    if (!(result.otherCpuPercent > options.maxOther)) return result;
    if (attempt < TRIES) {
      console.log(
        `  ${result.target} other processes used ${result.otherCpuPercent.toFixed(0)}% of a core (over ` +
          `--max-other ${options.maxOther}): measuring again`,
      );
    }
  }
  return result;
}

/**
 * A fresh service (and database) under `load` (runLoad, or a group load): every measurement of the
 * service, direct, group or with webhooks, starts equal. `env` goes to the service on top of the bench's.
 */
async function measureService(options, pinning, load = runLoad, env = {}) {
  const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl } = process.env;
  if (options.url) return load(await externalService(options.url, options.pid), options);
  const database = databaseUrl ? await createBenchDatabase(databaseUrl) : undefined;
  try {
    if (database) console.log(`  service database: ${database.name} (dropped after the run)`);
    const service = await startInstances(options.instances, {
      pinning,
      databaseUrl: database?.url,
      redisUrl,
      env,
    });
    try {
      return await load(service, options, {
        dbPids: database ? () => backendPids(databaseUrl, database.name) : undefined,
        dbCommits: database ? () => committedTransactions(databaseUrl, database.name) : undefined,
        userMessages: database ? () => countUserMessages(database.url) : undefined,
      });
    } finally {
      await service.stop();
    }
  } finally {
    await database?.drop();
  }
}

/**
 * One service, or several instances on the same database and Redis, all on the server core: they share
 * the CPU one instance had, so what changes is the cost of acting as one.
 */
async function startInstances(count, settings) {
  if (count === 1) return startService(settings);
  const shared = { ...settings, jwtSecret: randomBytes(36).toString('base64url') };
  const instances = [];
  try {
    for (let i = 0; i < count; i++) instances.push(await startService(shared));
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.stop()));
    throw error;
  }
  return {
    name: 'service',
    url: instances[0].url,
    urls: instances.map((instance) => instance.url),
    pids: instances.map((instance) => instance.pid),
    stop: () => Promise.all(instances.map((instance) => instance.stop())),
  };
}

/** The service posting every event to a receiver of its own (started before it, stopped after it). */
async function measureWebhooks(options, pinning) {
  const receiver = await startWebhookReceiver(pinning, options);
  try {
    const load = (target, o, context) => runWebhookLoad(target, o, context, receiver);
    return await measureService(options, pinning, load, receiver.serviceEnv);
  } finally {
    await receiver.stop();
  }
}

async function measureRelay(options, pinning) {
  const relay = await startRelay({ pinning });
  try {
    return await runLoad(relay, options);
  } finally {
    await relay.stop();
  }
}

export async function runComparison(options, pinning) {
  const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl } = process.env;
  const storage = {
    service: options.url ? `already running at ${options.url}` : 'started by the bench',
    databaseUrl: options.url ? undefined : Boolean(databaseUrl),
    database: options.url ? 'unknown' : databaseUrl ? `PostgreSQL ${redact(databaseUrl)}` : 'embedded PGlite',
    redisUrl: options.url ? undefined : Boolean(redisUrl),
    redis: options.url ? 'unknown' : redisUrl ? `Redis ${redact(redisUrl)}` : 'in-memory',
  };
  const parameters = {
    pairs: options.pairs,
    inflight: options.inflight,
    duration: options.duration,
    warmup: options.warmup,
    size: options.size,
    media: options.media,
    clientId: options.clientId,
    transport: options.transport,
    runs: options.runs,
    instances: options.instances,
    ackTimeoutMs: options.ackTimeoutMs,
    waitQuiet: options.waitQuiet,
    maxOther: Number.isFinite(options.maxOther) ? options.maxOther : null,
    skipRelay: options.skipRelay,
    url: options.url ?? null,
    nodeFlags: NODE_FLAGS,
    // Only with --mix, so that the files of plain runs stay as they were.
    ...(options.mix ? { mix: options.mix, seed: options.seed } : {}),
    ...(options.group ? { group: options.group, groupThreads: options.groupThreads } : {}),
    ...(options.plainTables ? { plainTables: 'MESSAGE_PARTITIONS=0, measured right after the service' } : {}),
    ...(options.webhooks
      ? {
          webhooks: {
            secrets: 1,
            verifyEvery: options.webhookVerifyEvery,
            responseDelayMs: options.webhookDelayMs,
            drainTimeout: options.drainTimeout,
            receiver: 'a process of its own, on either core',
          },
        }
      : {}),
  };
  console.log(
    `bench: ${options.pairs} pairs x ${options.inflight} in flight, ${options.warmup} s warm-up + ` +
      `${options.duration} s measured, ${options.size} B content${options.media ? ' + media' : ''}` +
      `${options.clientId ? ' + clientMessageId' : ''}, ${options.transport}, ${options.runs} run(s), ` +
      `node ${NODE_FLAGS.join(' ')}`,
  );
  if (options.mix) console.log(describeMix(options.mix, options.seed));
  if (options.group) console.log(describeGroups(options));
  if (options.webhooks) console.log(describeWebhooks(options));
  console.log(`storage: ${storage.database}, ${storage.redis}`);
  if (options.instances > 1)
    console.log(`service: ${options.instances} instances, each pair split across two of them`);
  console.log(`pinning: ${describePinning(pinning)}`);
  if (options.url && !options.pid) console.log('service: external, no --pid: no server CPU/RSS');

  const runs = [];
  for (let r = 1; r <= options.runs; r++) {
    console.log(`\nrun ${r}/${options.runs}`);
    // --plain-tables: every other run measures the plain tables first, so that neither side always
    // meets the machine as the other left it.
    const plainFirst = options.plainTables && r % 2 === 0;
    const measurePlain = () =>
      undisturbed(() => measureService(options, pinning, runLoad, { MESSAGE_PARTITIONS: '0' }), options);
    const plainBefore = plainFirst ? await measurePlain() : undefined;
    const service = await undisturbed(() => measureService(options, pinning), options);
    // Right after the plain service, so that the two compared are measured next to each other.
    const webhooks = options.webhooks
      ? await undisturbed(() => measureWebhooks(options, pinning), options)
      : undefined;
    const plainTables = plainBefore ?? (options.plainTables ? await measurePlain() : undefined);
    const relay = options.skipRelay
      ? undefined
      : await undisturbed(() => measureRelay(options, pinning), options);
    const run = { service, relay, ratios: ratiosOf(service, relay) };
    if (webhooks) Object.assign(run, { webhooks, webhookRatios: ratiosOf(webhooks, service) });
    if (plainTables) {
      const versus = {
        partitionRatios: ratiosOf(service, plainTables),
        plainRatios: ratiosOf(plainTables, relay),
      };
      Object.assign(run, { plainTables, ...versus });
    }
    if (options.group) {
      run.groups = {};
      for (const size of options.group) {
        run.groups[size] = await undisturbed(
          () => measureService(options, pinning, (target, o, db) => runGroupLoad(target, o, size, db)),
          options,
        );
      }
    }
    runs.push(run);
    if (options.runs > 1) {
      console.log(`\n${tablesOf(run, options)}\n${formatRatios(run.ratios, 1)}`);
      if (run.webhooks) console.log(`\n${formatWebhooks(run, 1)}`);
      if (run.plainTables) console.log(`\n${formatPartitions(run)}`);
      if (run.groups) console.log(`\n${formatGroupTable(run.service, run.groups)}`);
    }
  }

  const summary = {
    service: medianOf(runs.map((r) => r.service)),
    relay: medianOf(runs.map((r) => r.relay)),
    ratios: options.skipRelay
      ? undefined
      : {
          throughput: median(runs.map((r) => r.ratios.throughput)),
          p50: median(runs.map((r) => r.ratios.p50)),
          p99: median(runs.map((r) => r.ratios.p99)),
          p999: median(runs.map((r) => r.ratios.p999)),
        },
  };
  if (options.group) summary.groups = groupMedians(runs);
  if (options.plainTables) {
    summary.plainTables = medianOf(runs.map((r) => r.plainTables));
    summary.partitionRatios = medianOf(runs.map((r) => r.partitionRatios));
    summary.plainRatios = options.skipRelay ? undefined : medianOf(runs.map((r) => r.plainRatios));
  }
  if (options.webhooks) {
    summary.webhooks = medianOf(runs.map((r) => r.webhooks));
    summary.webhookRatios = medianOf(runs.map((r) => r.webhookRatios));
  }
  const title = options.runs > 1 ? `median of ${options.runs} runs` : 'result';
  console.log(`\n${title}\n${tablesOf(summary, options)}\n\n${formatRatios(summary.ratios, options.runs)}`);
  if (summary.webhooks) console.log(`\n${formatWebhooks(summary, options.runs)}`);
  if (summary.plainTables) console.log(`\n${formatPartitions(summary)}`);
  if (summary.groups) {
    console.log(
      `\ngroups (${title}; direct: the service row above)\n${formatGroupTable(summary.service, summary.groups)}`,
    );
  }

  const file = writeJson(options.json, {
    kind: 'throughput',
    date: new Date().toISOString(),
    parameters,
    machine: machineInfo(),
    source: sourceInfo(),
    pinning,
    storage,
    median: summary,
    runs,
  });
  console.log(`results: ${file}`);
}

/** --plain-tables: the service on partitioned tables against the same service on plain ones. */
function formatPartitions({ partitionRatios: r, plainRatios: p }) {
  const line = (label, ratios) =>
    `${label} throughput ${fixed(ratios?.throughput, 2)}, p50 ${fixed(ratios?.p50, 2)}, p99 ${fixed(ratios?.p99, 2)}`;
  return [line('partitioned / plain tables:', r), line('plain tables / relay:      ', p)].join('\n');
}

function rowsOf({ service, relay, webhooks, plainTables }) {
  return [
    { label: 'service', result: service },
    ...(plainTables ? [{ label: 'plain tables', result: plainTables }] : []),
    ...(relay ? [{ label: 'relay', result: relay }] : []),
    ...(webhooks ? [{ label: 'webhooks', result: webhooks }] : []),
  ];
}

function tablesOf(run, options) {
  const rows = rowsOf(run);
  if (!options.mix) return formatTable(rows);
  return `${formatTable(rows)}\n\n${formatKindTable(rows, options.mix)}`;
}
