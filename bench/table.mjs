#!/usr/bin/env node
// Markdown tables from bench result files (the medians for throughput runs, the figures of idle runs),
// so BENCHMARKS.md quotes the JSON instead of retyping it. Usage: node bench/table.mjs RESULT.json …
import { readFileSync } from 'node:fs';

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
  if (instances > 1) return `${storage}, ${instances} instances`;
  return workers > 1 ? `${storage}, WORKERS=${workers}` : storage;
};
const row = (cells) => `| ${cells.join(' | ')} |`;

const throughput = data.filter((d) => d.kind === 'throughput');
if (throughput.length) {
  console.log(
    row([
      'storage',
      'target',
      'msg/s',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'errors',
      'server CPU %',
      'server RSS MB',
      'db CPU %',
      'client CPU %',
      'other CPU %',
    ]),
  );
  console.log(row(Array(12).fill('---')));
  for (const d of throughput) {
    for (const target of ['service', 'relay']) {
      const r = d.median[target];
      if (!r) continue;
      console.log(
        row([
          storageOf(d),
          target,
          n(r.throughput),
          n(r.latency?.p50, 1),
          n(r.latency?.p99, 1),
          n(r.latency?.p999, 1),
          n(r.errors?.total),
          n(r.serverCpuPercent),
          mb(r.serverRssBytes),
          n(r.dbCpuPercent),
          n(r.clientCpuPercent),
          n(r.otherCpuPercent),
        ]),
      );
    }
  }
  console.log(
    `\n${row(['storage', 'runs', 'throughput service/relay', 'p99 service/relay', 'p50 service/relay', 'file'])}`,
  );
  console.log(row(Array(6).fill('---')));
  for (const d of throughput) {
    const r = d.median.ratios ?? {};
    console.log(
      row([storageOf(d), d.parameters.runs, n(r.throughput, 2), n(r.p99, 2), n(r.p50, 2), `\`${d.file}\``]),
    );
  }
  console.log(`\n${row(['storage', 'run', 'target', 'msg/s', 'p99 ms', 'other CPU %', 'tries'])}`);
  console.log(row(Array(7).fill('---')));
  for (const d of throughput) {
    d.runs.forEach((run, i) => {
      for (const target of ['service', 'relay']) {
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
