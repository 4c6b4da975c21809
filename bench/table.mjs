#!/usr/bin/env node
// Markdown tables from bench result files (the medians for throughput runs, the figures of idle runs),
// so BENCHMARKS.md quotes the JSON instead of retyping it. Usage: node bench/table.mjs RESULT.json …
import { readFileSync } from 'node:fs';
import { groupColumns } from './lib/group-report.mjs';
import { formatMix } from './lib/mix.mjs';
import { kindColumns, median, rateHeader, ratiosOf, resultColumns } from './lib/report.mjs';
import { webhookColumns } from './lib/webhooks.mjs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node bench/table.mjs RESULT.json …');
  process.exit(2);
}
const data = files.map((file) => ({ file, ...JSON.parse(readFileSync(file, 'utf8')) }));
const n = (v, digits = 0) => (typeof v === 'number' ? v.toFixed(digits) : '–');
const mb = (v) => (typeof v === 'number' ? (v / 1024 / 1024).toFixed(0) : '–');
const kb = (v) => (typeof v === 'number' ? (v / 1024).toFixed(1) : '–');
const storageOf = (d) => {
  const storage = d.storage.databaseUrl
    ? d.storage.redisUrl
      ? 'PostgreSQL + Redis'
      : 'PostgreSQL'
    : 'embedded PGlite';
  const instances = d.parameters.instances ?? 1;
  const workers = d.parameters.workers ?? 1;
  // A mixed load is another workload: its rows say so.
  const mix = d.parameters.mix ? `, mix ${formatMix(d.parameters.mix)}` : '';
  if (instances > 1) return `${storage}, ${instances} instances${mix}`;
  return workers > 1 ? `${storage}, WORKERS=${workers}${mix}` : `${storage}${mix}`;
};
const row = (cells) => `| ${cells.join(' | ')} |`;

const throughput = data.filter((d) => d.kind === 'throughput');
// webhooks: the service posting webhooks (--webhooks), measured after the other two; plainTables: the
// service on plain tables (--plain-tables), next to the service on partitioned ones.
const TARGETS = ['service', 'plainTables', 'relay', 'webhooks'];
if (throughput.length) {
  const results = throughput.flatMap((d) =>
    TARGETS.filter((target) => d.median[target]).map((target) => ({
      label: `${storageOf(d)} | ${target}`,
      result: d.median[target],
    })),
  );
  const { header, lines } = resultColumns(results, 'storage | target');
  console.log(row(header));
  // The first cell holds two Markdown columns.
  console.log(row(['---', ...header.map(() => '---')]));
  for (const line of lines) console.log(row(line));
  console.log(
    `\n${row(['storage', 'runs', 'throughput service/relay', 'p99 service/relay', 'p50 service/relay', 'CPU per message service/relay', 'file'])}`,
  );
  console.log(row(Array(7).fill('---')));
  for (const d of throughput) {
    const r = d.median.ratios ?? {};
    // Computed from the runs, so files written before the bench reported it have it too.
    const cpu = median(d.runs.map((run) => ratiosOf(run.service, run.relay)?.cpuPerMessage));
    console.log(
      row([
        storageOf(d),
        d.parameters.runs,
        n(r.throughput, 2),
        n(r.p99, 2),
        n(r.p50, 2),
        n(cpu, 2),
        `\`${d.file}\``,
      ]),
    );
  }
  // Per kind, one table per --mix file: the shares asked differ between files.
  for (const d of throughput.filter((d) => d.parameters.mix)) {
    const rows = ['service', 'relay']
      .filter((target) => d.median[target])
      .map((target) => ({ label: `${storageOf(d)} | ${target}`, result: d.median[target] }));
    const kinds = kindColumns(rows, d.parameters.mix, 'storage | target');
    console.log(`\n${row(kinds.header)}`);
    console.log(row(['---', ...kinds.header.map(() => '---')]));
    for (const line of kinds.lines) console.log(row(line));
  }
  const rate = rateHeader(throughput.map((d) => Boolean(d.parameters.mix)));
  console.log(`\n${row(['storage', 'run', 'target', rate, 'p99 ms', 'other CPU %', 'tries'])}`);
  console.log(row(Array(7).fill('---')));
  for (const d of throughput) {
    d.runs.forEach((run, i) => {
      for (const target of TARGETS) {
        const r = run[target];
        if (r)
          console.log(
            row([
              storageOf(d),
              i + 1,
              target,
              n(r.throughput),
              n(r.latency?.p99, 1),
              n(r.otherCpuPercent),
              r.attempts ?? 1,
            ]),
          );
      }
    });
  }
}

// --plain-tables: partitioned against plain tables, medians and each run (with the database's CPU per message).
const withPlain = throughput.filter((d) => d.median.plainTables);
if (withPlain.length) {
  const header = ['storage', 'runs', 'msg/s partitioned', 'msg/s plain', 'partitioned/plain throughput'];
  console.log(`\n${row([...header, 'p99 partitioned/plain', 'partitioned/relay', 'plain/relay', 'file'])}`);
  console.log(row(Array(9).fill('---')));
  for (const d of withPlain) {
    const r = d.median.partitionRatios ?? {};
    const cells = [
      storageOf(d),
      d.parameters.runs,
      n(d.median.service.throughput),
      n(d.median.plainTables.throughput),
    ];
    const relay = [n(d.median.ratios?.throughput, 2), n(d.median.plainRatios?.throughput, 2)];
    console.log(row([...cells, n(r.throughput, 2), n(r.p99, 2), ...relay, `\`${d.file}\``]));
  }
  const perMessage = (r) =>
    typeof r?.dbCpuPercent === 'number' && r.throughput > 0
      ? (r.dbCpuPercent * 1e4) / r.throughput
      : undefined;
  const perRun = ['storage', 'run', 'first', 'msg/s partitioned', 'msg/s plain', 'ratio', 'relay msg/s'];
  console.log(`\n${row([...perRun, 'db µs/msg partitioned / plain', 'other CPU % partitioned / plain'])}`);
  console.log(row(Array(9).fill('---')));
  for (const d of withPlain) {
    d.runs.forEach((run, i) => {
      const cells = [storageOf(d), i + 1, i % 2 === 1 ? 'plain' : 'partitioned'];
      cells.push(
        n(run.service.throughput),
        n(run.plainTables.throughput),
        n(run.partitionRatios?.throughput, 2),
      );
      cells.push(n(run.relay?.throughput));
      cells.push(`${n(perMessage(run.service), 1)} / ${n(perMessage(run.plainTables), 1)}`);
      cells.push(`${n(run.service.otherCpuPercent)} / ${n(run.plainTables.otherCpuPercent)}`);
      console.log(row(cells));
    });
  }
}

// --webhooks: what the receiver got (medians), the ratios to the plain service, and each run's figures.
const withWebhooks = throughput.filter((d) => d.median.webhooks);
if (withWebhooks.length) {
  const rows = withWebhooks.map((d) => ({ label: storageOf(d), result: d.median.webhooks }));
  const { header, lines } = webhookColumns(rows, 'storage');
  console.log(`\n${row(header)}`);
  console.log(row(header.map(() => '---')));
  for (const line of lines) console.log(row(line));
  const ratioHeader = ['storage', 'runs', 'msg/s plain', 'msg/s webhooks', 'webhooks/plain throughput'];
  console.log(`\n${row([...ratioHeader, 'p50 webhooks/plain', 'p99 webhooks/plain', 'file'])}`);
  console.log(row(Array(8).fill('---')));
  for (const d of withWebhooks) {
    const r = d.median.webhookRatios ?? {};
    const cells = [
      storageOf(d),
      d.parameters.runs,
      n(d.median.service.throughput),
      n(d.median.webhooks.throughput),
    ];
    console.log(row([...cells, n(r.throughput, 2), n(r.p50, 2), n(r.p99, 2), `\`${d.file}\``]));
  }
  const perRun = ['storage', 'run', 'msg/s plain', 'msg/s webhooks', 'ratio', 'events in window', 'drain s'];
  const loopHeader = 'server loop delay p99 ms plain / webhooks';
  console.log(
    `\n${row([...perRun, 'repeats', 'missing', 'webhook p99 ms', 'pauses %', loopHeader, 'other CPU % plain / webhooks'])}`,
  );
  console.log(row(Array(13).fill('---')));
  for (const d of withWebhooks) {
    d.runs.forEach((run, i) => {
      const w = run.webhooks.webhooks;
      const cells = [storageOf(d), i + 1, n(run.service.throughput), n(run.webhooks.throughput)];
      cells.push(n(run.webhookRatios?.throughput, 2), n(w.eventsInWindow), n(w.drainSeconds, 2));
      cells.push(n(w.duplicates), n(w.missing), n(w.latency?.p99, 1), n(w.pauses?.percentOfWindow));
      const loop = `${n(run.service.serverLoopDelayMs?.p99, 1)} / ${n(run.webhooks.serverLoopDelayMs?.p99, 1)}`;
      const other = `${n(run.service.otherCpuPercent)} / ${n(run.webhooks.otherCpuPercent)}`;
      console.log(row([...cells, loop, other]));
    });
  }
}

// --group: the direct service row and each group size, medians, then each run's figures.
for (const d of throughput.filter((d) => d.median.groups)) {
  const { header, lines } = groupColumns(d.median.service, d.median.groups);
  console.log(`\n${storageOf(d)}, median of ${d.parameters.runs} run(s), \`${d.file}\`\n`);
  console.log(row(header));
  console.log(row(header.map(() => '---')));
  for (const line of lines) console.log(row(line));
  console.log(
    `\n${row(['run', 'load', 'msg/s', 'deliveries/s', 'recv p99 ms', 'ack p99 ms', 'errors', 'client CPU %', 'other CPU %', 'tries'])}`,
  );
  console.log(row(Array(10).fill('---')));
  d.runs.forEach((run, i) => {
    const loads = [
      ['direct', run.service],
      ...Object.entries(run.groups ?? {}).map(([size, r]) => [`group ${size}`, r]),
    ];
    for (const [load, r] of loads) {
      console.log(
        row([
          i + 1,
          load,
          n(r.throughput),
          n(r.deliveriesPerSecond),
          n(r.latency?.p99, 1),
          n(r.ackLatency?.p99, 1),
          n(r.errors?.total),
          n(r.clientCpuPercent),
          n(r.otherCpuPercent),
          r.attempts ?? 1,
        ]),
      );
    }
  });
}

const idle = data.filter((d) => d.kind === 'idle');
if (idle.length) {
  console.log(
    `\n${row(['storage', 'target', 'asked', 'open', 'failed', 'conn/s', 'RSS before MB', 'RSS after MB', 'RSS/conn KB', 'heap/conn KB', 'server CPU % connecting', 'client CPU % connecting'])}`,
  );
  console.log(row(Array(12).fill('---')));
  for (const d of idle) {
    for (const r of d.results) {
      console.log(
        row([
          storageOf(d),
          r.target,
          r.requested,
          r.openAfterSettle,
          r.failed,
          n(r.connectRate),
          mb(r.before.rssBytes),
          mb(r.after.rssBytes),
          kb(r.rssPerConnectionBytes),
          kb(r.heapPerConnectionBytes),
          n(r.serverCpuPercentWhileConnecting),
          n(r.clientCpuPercentWhileConnecting),
        ]),
      );
    }
  }
}
