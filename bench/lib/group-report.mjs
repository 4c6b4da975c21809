// `--group`: medians over the runs and the table that puts each group size next to the direct figure.
import { CLIENT_BOUND_LOOP_DELAY_MS, CLIENT_BOUND_PERCENT } from './group-load.mjs';
import { medianOf } from './report.mjs';

const fixed = (value, digits) => (typeof value === 'number' ? value.toFixed(digits) : '-');

export function describeGroups(options) {
  return (
    `groups: sizes ${options.group.join(', ')} after the direct load, each on a fresh service; ` +
    `${options.pairs} sender slots x ${options.inflight} in flight spread over the members; receiver threads ` +
    `(members that do not send) ${options.groupThreads}; msg/s = acked, deliveries/s = chat:message_receive on every member socket`
  );
}

/** Per group size, the median of every figure over the runs; clientBound when any run was. */
export function groupMedians(runs) {
  const sizes = Object.keys(runs[0].groups ?? {});
  return Object.fromEntries(
    sizes.map((size) => {
      const results = runs.map((run) => run.groups[size]);
      return [size, { ...medianOf(results), clientBound: results.some((r) => r?.clientBound) }];
    }),
  );
}

/**
 * One row for the direct load (the service's), one per group size: messages and deliveries per second,
 * send→receive and send→ack percentiles, errors, and where the CPU went.
 */
export function groupColumns(direct, groups) {
  const header = [
    'load',
    'members',
    'msg/s',
    'deliveries/s',
    'recv p50 ms',
    'recv p99 ms',
    'ack p50 ms',
    'ack p99 ms',
    'errors',
    'server CPU %',
    'db CPU %',
    'client CPU %',
    'client loop delay ms',
    'other CPU %',
  ];
  const cells = (label, members, r) => [
    label,
    members,
    fixed(r.throughput, 0),
    fixed(r.deliveriesPerSecond, 0),
    fixed(r.latency?.p50, 2),
    fixed(r.latency?.p99, 2),
    fixed(r.ackLatency?.p50, 2),
    fixed(r.ackLatency?.p99, 2),
    fixed(r.errors?.total, 0),
    fixed(r.serverCpuPercent, 0),
    fixed(r.dbCpuPercent, 0),
    `${fixed(r.clientCpuPercent, 0)}${r.clientBound ? ' *' : ''}`,
    fixed(r.clientLoopDelayMs?.mean, 0),
    fixed(r.otherCpuPercent, 0),
  ];
  const lines = [];
  if (direct) lines.push(cells('direct', '2', direct));
  for (const [size, result] of Object.entries(groups)) lines.push(cells(`group ${size}`, size, result));
  return { header, lines };
}

export function formatGroupTable(direct, groups) {
  const { header, lines } = groupColumns(direct, groups);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (c) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  const notes = [
    "direct: msg/s = messages received by the receivers; deliveries/s adds the senders' own copies",
    'group: msg/s = messages acked; deliveries/s = chat:message_receive heard by all member sockets',
  ];
  if (Object.values(groups).some((r) => r.clientBound)) {
    notes.push(
      `* client-bound: the load generator used >= ${CLIENT_BOUND_PERCENT}% of its core or its event loop ran ` +
        `>= ${CLIENT_BOUND_LOOP_DELAY_MS} ms late on average: a lower bound of the server`,
    );
  }
  return [row(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(row), ...notes].join('\n');
}
