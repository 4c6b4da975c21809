// `--webhooks`: in each run, right after the plain service, a fresh service with WEBHOOK_URL pointing at a
// receiver the bench starts (bench/webhook-receiver.mjs, a process of its own on either core) under the
// same load; then the drain: how long until the receiver had one message.created per stored message.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runLoad } from './load.mjs';
import { onEitherCore } from './pinning.mjs';
import { fixed, pad } from './report.mjs';
import { ROOT } from './servers.mjs';

const RECEIVER = join(ROOT, 'bench/webhook-receiver.mjs');
/** The ratio the issue asks for: with webhooks, at least this share of the plain throughput. */
export const WEBHOOK_GOAL = 0.9;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** After the last expected event: how long to keep listening for late repeats before the final count. */
const SETTLE_MS = 1000;

/** A Standard Webhooks secret: whsec_ and the base64 of 32 random bytes. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * Starts the receiver on either core (its own event loop: it does not take the load generator's turns)
 * and resolves once it listens. `serviceEnv` is what the service needs to post to it.
 */
export async function startWebhookReceiver(pinning, { webhookVerifyEvery, webhookDelayMs }) {
  const secrets = [newSecret()];
  const { command, args } = onEitherCore(pinning, process.execPath, [RECEIVER]);
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      BENCH_WEBHOOK_SECRETS: secrets.join(' '),
      BENCH_VERIFY_EVERY: String(webhookVerifyEvery),
      BENCH_RESPONSE_DELAY_MS: String(webhookDelayMs),
      BENCH_TIME_ORIGIN: String(performance.timeOrigin),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const port = await new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message.port));
    child.once('exit', (code) =>
      reject(new Error(`the webhook receiver exited (code ${code}) before listening`)),
    );
  });
  let asked = 0;
  return {
    pid: child.pid,
    url: `http://127.0.0.1:${port}/webhook`,
    serviceEnv: { WEBHOOK_URL: `http://127.0.0.1:${port}/webhook`, WEBHOOK_SECRET: secrets.join(' ') },
    /** The receiver's counts (see bench/webhook-receiver.mjs); `window` and `expected` as it describes. */
    stats(query = {}) {
      const id = ++asked;
      return new Promise((resolve) => {
        const onMessage = (message) => {
          if (message?.type !== 'stats' || message.id !== id) return;
          child.off('message', onMessage);
          resolve(message.stats);
        };
        child.on('message', onMessage);
        child.send({ ...query, type: 'stats', id });
      });
    },
    async stop() {
      process.off('exit', killOnExit);
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The direct load (runLoad) against a service that posts to `receiver`, then the drain: waits until the
 * receiver holds a message.created for every stored message (counted in the database, or the acks on
 * embedded PGlite), at most --drain-timeout seconds, listens a second more for repeats, and adds the
 * receiver's counts to the result as `webhooks`.
 */
export async function runWebhookLoad(target, options, context, receiver) {
  let window;
  const result = await runLoad({ ...target, name: 'webhooks' }, options, {
    ...context,
    receiverPids: async () => [receiver.pid],
    onWindow: (w) => {
      window = w;
    },
  });
  const expected = context.userMessages ? await context.userMessages() : result.acked;
  const label = '  webhooks';
  process.stdout.write(`${label} drain: waiting for ${expected} message.created events…\n`);
  const deadline = performance.now() + options.drainTimeout * 1000;
  for (;;) {
    const { created } = await receiver.stats();
    if (created >= expected || performance.now() > deadline) break;
    await sleep(100);
  }
  await sleep(SETTLE_MS);
  const s = await receiver.stats({ window, expected });
  const caughtUp = s.expectedArrivedMs !== undefined;
  const webhooks = {
    expected,
    expectedFrom: context.userMessages ? 'database' : 'acks',
    eventsInWindow: s.eventsInWindow,
    eventsPerSecond: s.eventsInWindow / result.seconds,
    createdInWindow: s.createdInWindow,
    events: s.events,
    created: s.created,
    distinctIds: s.distinctIds,
    duplicates: s.duplicates,
    duplicatesByType: s.duplicatesByType,
    missing: Math.max(0, expected - s.created),
    extra: Math.max(0, s.created - expected),
    byType: s.byType,
    caughtUp: caughtUp ? 1 : 0,
    // From the end of the window (when the senders stopped) to the last expected message.created.
    drainSeconds: caughtUp ? (s.expectedArrivedMs - window.end) / 1000 : undefined,
    requests: s.requests,
    meanBodyBytes: s.meanBodyBytes,
    verified: s.verified,
    rejected: s.rejected,
    rejections: s.rejections,
    latency: s.latency,
    // Between consecutive events of one chat: within a tick, one POST's round trip in the service's chain.
    chatGap: s.chatGap,
    // Stretches of 20 ms or more in the window when no event arrived.
    pauses: s.pauses,
  };
  process.stdout.write(
    `${label} ${caughtUp ? `caught up ${webhooks.drainSeconds.toFixed(2)} s after the window` : `NOT caught up after ${options.drainTimeout} s`}: ` +
      `${s.created} message.created for ${expected} stored messages, ${s.duplicates} repeats, ` +
      `${s.verified} verified, ${s.rejected} rejected\n`,
  );
  return { ...result, target: 'webhooks', webhooks };
}

export const describeWebhooks = ({ webhookVerifyEvery, webhookDelayMs, drainTimeout }) =>
  `webhooks: right after the plain service, a fresh one with WEBHOOK_URL → a receiver process on either ` +
  `core (signatures checked on 1 POST in ${webhookVerifyEvery}` +
  `${webhookDelayMs ? `, each answer held ${webhookDelayMs} ms` : ''}); drain up to ${drainTimeout} s`;

/** The receiver's columns: a header and how to show it from a result's `webhooks` (and the result). */
const COLUMNS = [
  ['events in window', (w) => fixed(w.eventsInWindow, 0)],
  ['events/s', (w) => fixed(w.eventsPerSecond, 0)],
  ['stored msgs', (w) => fixed(w.expected, 0)],
  ['message.created', (w) => fixed(w.created, 0)],
  ['missing', (w) => fixed(w.missing, 0)],
  ['repeats', (w) => fixed(w.duplicates, 0)],
  ['drain s', (w) => (w.caughtUp === 0 ? 'not caught up' : fixed(w.drainSeconds, 2))],
  ['webhook p50 ms', (w) => fixed(w.latency?.p50, 2)],
  ['webhook p99 ms', (w) => fixed(w.latency?.p99, 2)],
  ['chat gap p50 ms', (w) => fixed(w.chatGap?.p50, 2)],
  ['pauses % of window', (w) => fixed(w.pauses?.percentOfWindow, 0)],
  ['verified', (w) => fixed(w.verified, 0)],
  ['rejected', (w) => fixed(w.rejected, 0)],
  ['receiver CPU %', (_, result) => fixed(result.receiverCpuPercent, 0)],
];

/**
 * One row per `{ label, result }` of a webhook measurement: what the receiver got in the window and after
 * the drain, how long the drain took, send → webhook latency of the messages sent in the window, the gap
 * between consecutive events of a chat and the pauses with no event at all.
 */
export function webhookColumns(rows, firstHeader = 'target') {
  return {
    header: [firstHeader, ...COLUMNS.map(([name]) => name)],
    lines: rows.map(({ label, result }) => [
      label,
      ...COLUMNS.map(([, cell]) => cell(result.webhooks ?? {}, result)),
    ]),
  };
}

/**
 * The receiver's table, the ratios to the plain service (of a run, or their medians), and how late each
 * server's event loop ran: the outbox's long synchronous stretches show there.
 */
export function formatWebhooks({ service, webhooks, webhookRatios: ratios }, runs) {
  const basis = runs > 1 ? ` (median of ${runs} per-run ratios)` : '';
  const tp = ratios?.throughput;
  const loop = (r) => `${fixed(r?.serverLoopDelayMs?.p99, 1)} / ${fixed(r?.serverLoopDelayMs?.max, 1)} ms`;
  return [
    pad(webhookColumns([{ label: 'webhooks', result: webhooks }])),
    `webhooks / plain throughput: ${fixed(tp, 2)}   goal >= ${WEBHOOK_GOAL}: ${tp >= WEBHOOK_GOAL ? 'meets' : 'misses'}${basis}`,
    `webhooks / plain p50:        ${fixed(ratios?.p50, 2)}`,
    `webhooks / plain p99:        ${fixed(ratios?.p99, 2)}`,
    `server event loop delay p99 / max: plain ${loop(service)}, webhooks ${loop(webhooks)}`,
  ].join('\n');
}
