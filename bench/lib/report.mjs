// Medians across runs, the printed tables, and the JSON results file.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { formatMix, KINDS } from './mix.mjs';
import { ROOT } from './servers.mjs';

export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median of every numeric leaf across same-shaped objects (strings and histograms are left out). */
export function medianOf(objects) {
  const present = objects.filter((o) => o !== undefined && o !== null);
  if (present.length === 0) return undefined;
  if (typeof present[0] === 'number') return median(present);
  if (typeof present[0] !== 'object') return undefined;
  const keys = new Set(present.flatMap((o) => Object.keys(o)));
  const out = {};
  for (const key of keys) {
    if (key === 'hdrBase64') continue;
    const value = medianOf(present.map((o) => o[key]));
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export function ratiosOf(service, relay) {
  if (!service || !relay) return undefined;
  const div = (a, b) => (typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : undefined);
  return {
    throughput: div(service.throughput, relay.throughput),
    p50: div(service.latency.p50, relay.latency.p50),
    p99: div(service.latency.p99, relay.latency.p99),
    p999: div(service.latency.p999, relay.latency.p999),
    cpuPerMessage: div(cpuPerMessage(service), cpuPerMessage(relay)),
  };
}

/** CPU µs per message received: the server's processes and, when measured, the database's backends. */
export function cpuPerMessage(result) {
  if (typeof result?.serverCpuPercent !== 'number' || !(result.throughput > 0)) return undefined;
  return ((result.serverCpuPercent + (result.dbCpuPercent ?? 0)) * 1e4) / result.throughput;
}

export const fixed = (value, digits) => (typeof value === 'number' ? value.toFixed(digits) : '-');
const mb = (bytes) => (typeof bytes === 'number' ? (bytes / 1024 / 1024).toFixed(0) : '-');

/** With --mix the rate is of acked operations of every kind, not of messages received. */
export function rateHeader(mixed) {
  if (mixed.every((m) => !m)) return 'msg/s';
  return mixed.every((m) => m) ? 'ops/s' : 'msg/s or ops/s';
}

/**
 * The header and the cells of one row per `{ label, result }` (a target's measurements): the terminal
 * table prints them padded, bench/table.mjs as Markdown. The database columns only when one was measured.
 */
export function resultColumns(rows, firstHeader = 'target') {
  const withDb = rows.some((r) => r.result.dbCpuPercent !== undefined);
  const header = [
    firstHeader,
    rateHeader(rows.map((r) => Boolean(r.result.byKind))),
    'p50 ms',
    'p99 ms',
    'p99.9 ms',
    'errors',
    'server CPU %',
    'server RSS MB',
  ];
  if (withDb) header.push('db CPU %', 'db commits/s');
  header.push('CPU µs/msg', 'client CPU %', 'other CPU %');
  const lines = rows.map(({ label, result }) => {
    const cells = [
      label,
      fixed(result.throughput, 0),
      fixed(result.latency?.p50, 2),
      fixed(result.latency?.p99, 2),
      fixed(result.latency?.p999, 2),
      fixed(result.errors?.total, 0),
      fixed(result.serverCpuPercent, 0),
      mb(result.serverRssBytes),
    ];
    if (withDb) cells.push(fixed(result.dbCpuPercent, 0), fixed(result.dbCommitsPerSecond, 0));
    cells.push(
      fixed(cpuPerMessage(result), 1),
      fixed(result.clientCpuPercent, 0),
      fixed(result.otherCpuPercent, 0),
    );
    return cells;
  });
  return { header, lines };
}

/**
 * With --mix, one row per target and kind: the share asked and the share done (a change drawn when its
 * sender had no free message went as a send), the acked operations in the window and their rate, the
 * latency to the peer's event, and the failed or timed-out acks over the whole load.
 */
export function kindColumns(rows, mix, firstHeader = 'target') {
  const header = [firstHeader, 'kind', 'asked %', 'done %', 'ops', 'ops/s', 'p50 ms', 'p99 ms', 'ack errors'];
  const lines = rows.flatMap(({ label, result }) =>
    KINDS.map((kind) => {
      const k = result.byKind?.[kind] ?? {};
      return [
        label,
        kind,
        mix?.[kind] === undefined ? '-' : String(mix[kind]),
        fixed(k.sharePercent, 1),
        fixed(k.operations, 0),
        fixed(k.throughput, 0),
        fixed(k.latency?.p50, 2),
        fixed(k.latency?.p99, 2),
        fixed(k.errors, 0),
      ];
    }),
  );
  return { header, lines };
}

export const describeMix = (mix, seed) =>
  `mix ${formatMix(mix)} (${KINDS.join('/')} %), seed ${seed}: ops/s counts acked operations`;

export function formatTable(rows) {
  return pad(resultColumns(rows));
}

export function formatKindTable(rows, mix) {
  return pad(kindColumns(rows, mix), 2);
}

// Names (the first `textColumns` columns) to the left, figures to the right.
export function pad({ header, lines }, textColumns = 1) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells) =>
    cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [row(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(row)].join('\n');
}

export const GOAL = { throughput: 0.7, p99: 2.5 };

export function formatRatios(ratios, runs) {
  if (!ratios) return 'ratios: - (no relay run)';
  const tp = ratios.throughput;
  const p99 = ratios.p99;
  const verdict = (ok) => (ok ? 'meets' : 'misses');
  const basis = runs > 1 ? ` (median of ${runs} per-run ratios)` : '';
  return [
    `durable / relay throughput: ${fixed(tp, 2)}   goal >= ${GOAL.throughput}: ${verdict(tp >= GOAL.throughput)}${basis}`,
    `durable / relay p99:        ${fixed(p99, 2)}   goal <= ${GOAL.p99}: ${verdict(p99 <= GOAL.p99)}`,
    `durable / relay CPU per message (server + database backends): ${fixed(ratios.cpuPerMessage, 2)}`,
  ].join('\n');
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model,
    cpuCount: cpus.length,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    totalMemoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
  };
}

/** The commit measured, and whether src/ or migrations/ had uncommitted changes. */
export function sourceInfo() {
  const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' }).trim();
  try {
    return {
      commit: git('rev-parse', 'HEAD'),
      uncommittedChangesInSrc: git('status', '--porcelain', '--', 'src', 'migrations') !== '',
    };
  } catch {
    return { commit: null };
  }
}

export function writeJson(file, data) {
  const path = file
    ? resolve(process.env.INIT_CWD ?? process.cwd(), file) // INIT_CWD: where `npm run` was typed
    : join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
  const shown = relative(process.env.INIT_CWD ?? process.cwd(), path);
  return shown.startsWith('..') ? path : shown;
}
