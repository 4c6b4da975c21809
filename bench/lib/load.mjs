// The closed-loop load: P sender/receiver pairs of real socket.io-client connections. Each sender keeps
// W messages in flight (on each ack, the next send); receivers time each message from the send stamp
// in its content. Only what is received inside the measured window counts. With --mix, each operation
// is a send or a change to a recent message of the sender (bench/lib/mix.mjs), and what counts is what
// is acked inside the window.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { newHistogram, summarize } from './latency.mjs';
import { HEARD, MixedLoad } from './mix.mjs';
import { waitForQuiet } from './proc-stats.mjs';
import { connect, content, nowUs } from './socket.mjs';
import { makeUsers, mapLimit } from './users.mjs';
import { WindowMeters } from './window-meters.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TIMED_OUT = Symbol('ack timed out');

/**
 * Runs the load against `target` ({ name, url, pid?, urls?, pids? }) and returns its measurements. With
 * several instances (`urls`, `pids`), pair i's sender connects to instance i mod N and its receiver to
 * the next instance, so every delivery to a receiver crosses instances; CPU and RSS are their sums.
 * `dbPids()` names processes whose CPU counts as the database's (PostgreSQL backends of the run's
 * database); `dbCommits()` reads its committed-transaction counter; `receiverPids()` the webhook
 * receiver's (--webhooks). `onWindow({ start, end })` is told the measured window (performance.now() ms of
 * this process) as soon as it ends.
 */
export async function runLoad(
  target,
  options,
  { dbPids = async () => [], dbCommits = async () => undefined, receiverPids, onWindow } = {},
) {
  const { pairs: P, inflight: W, duration, warmup, size, media, clientId, transport, ackTimeoutMs } = options;
  const label = target.name.padEnd(7);

  process.stdout.write(`  ${label} ${target.name === 'relay' ? 'making' : 'registering'} ${2 * P} users…\n`);
  const users = await makeUsers(target, 2 * P);
  process.stdout.write(`  ${label} connecting ${2 * P} sockets (${transport})…\n`);
  const urls = target.urls ?? [target.url];
  const pids = target.pids ?? (target.pid ? [target.pid] : []);
  const urlOf = (i) => (i < P ? urls[i % urls.length] : urls[(i - P + 1) % urls.length]);
  const sockets = await mapLimit(2 * P, 32, (i) => connect(urlOf(i), users[i].auth, transport));

  if (options.waitQuiet > 0) {
    await waitForQuiet({ maxSeconds: options.waitQuiet, log: (line) => process.stdout.write(`${line}\n`) });
  }

  const latency = newHistogram();
  const ackLatency = newHistogram();
  const errors = { ackFailed: 0, ackTimeouts: 0, disconnects: 0, misdelivered: 0, codes: {} };
  const windowErrors = { count: 0 };
  const phase = {
    name: 'warmup',
    sending: true,
    start: Number.POSITIVE_INFINITY,
    end: Number.POSITIVE_INFINITY,
  };
  let received = 0; // in the window
  let echoes = 0; // in the window: the sender's own copy of its message (the server delivers to both members)
  let receivedThisSecond = 0;
  let sent = 0;
  let inflight = 0;
  let sequence = 0;

  const inWindow = (ms) => ms >= phase.start && ms < phase.end;
  const mixed = options.mix
    ? new MixedLoad({
        mix: options.mix,
        seed: options.seed,
        inflight: W,
        relay: target.name === 'relay',
        contentOf: (sentUs) => content(sentUs, size),
      })
    : undefined;
  const countError = (kind, code) => {
    errors[kind] += 1;
    if (code) errors.codes[code] = (errors.codes[code] ?? 0) + 1;
    if (inWindow(performance.now())) windowErrors.count += 1;
  };

  const pairList = Array.from({ length: P }, (_, i) => ({
    sender: sockets[i],
    senderId: users[i].id,
    receiver: sockets[P + i],
    receiverId: users[P + i].id,
    acked: 0,
    delivered: 0,
  }));

  for (const socket of sockets) {
    socket.on('disconnect', (reason) => {
      if (reason !== 'io client disconnect') countError('disconnects', reason);
    });
  }
  for (const pair of pairList) {
    pair.sender.on('chat:message_receive', () => {
      if (inWindow(performance.now())) echoes += 1;
    });
    pair.receiver.on('chat:message_receive', (message) => {
      const now = performance.now();
      receivedThisSecond += 1;
      if (message?.sender?.id !== pair.senderId) return countError('misdelivered');
      pair.delivered += 1;
      if (!inWindow(now)) return;
      received += 1;
      const us = Math.max(1, Math.round(now * 1000) - Number.parseInt(message.content, 10));
      latency.recordValue(us);
      mixed?.heardMessage(us);
    });
  }
  if (mixed) {
    for (const [i, pair] of pairList.entries()) {
      mixed.attach(pair, i);
      for (const [kind, event] of Object.entries(HEARD)) {
        pair.receiver.on(event, (payload) => {
          const now = performance.now();
          const us = mixed.heardChange(pair, kind, payload, Math.round(now * 1000), inWindow(now));
          if (us === undefined) return countError('misdelivered');
          pair.delivered += 1;
          if (inWindow(now)) latency.recordValue(us);
        });
      }
    }
  }

  const sendNext = (pair) => {
    if (!phase.sending) return;
    const sentUs = nowUs();
    const change = mixed?.next(pair, sentUs);
    if (change) return emitChange(pair, sentUs, change);
    const payload = { receiverId: pair.receiverId, content: content(sentUs, size) };
    if (media) {
      payload.mediaUrl = `http://127.0.0.1/bench/clip-${sequence % 1000}.mp4`;
      payload.LiveMediaType = 'VIDEO';
    }
    if (clientId) payload.clientMessageId = `b${sequence.toString(36)}-${sentUs.toString(36)}`;
    sequence += 1;
    sent += 1;
    inflight += 1;
    // A plain ack callback; timeouts are found by one sweep (below) rather than a timer per message,
    // which would make the load generator, not the server, the thing being measured.
    const send = { pair, sentUs, done: false };
    unacked.add(send);
    pair.sender.emit('chat:message_send', payload, (ack) => settle(send, ack));
  };
  // A change goes the same way as a send: in flight, settled by its ack or by the sweep.
  const emitChange = (pair, sentUs, change) => {
    sent += 1;
    inflight += 1;
    const send = { pair, sentUs, done: false, change };
    unacked.add(send);
    pair.sender.emit(change.event, change.payload, (ack) => settle(send, ack));
  };
  const settle = (send, ack) => {
    if (send.done) return;
    send.done = true;
    unacked.delete(send);
    inflight -= 1;
    if (ack === TIMED_OUT) countError('ackTimeouts');
    else if (ack?.ok) {
      send.pair.acked += 1;
      if (inWindow(performance.now())) ackLatency.recordValue(Math.max(1, nowUs() - send.sentUs));
    } else countError('ackFailed', ack?.error?.code ?? 'NO_ACK_BODY');
    if (mixed) {
      const now = performance.now();
      const ackUs = Math.max(1, Math.round(now * 1000) - send.sentUs);
      mixed.settled(send.pair, send.change, ack, ack === TIMED_OUT, inWindow(now), ackUs);
    }
    sendNext(send.pair);
  };
  const unacked = new Set();
  const sweeper = setInterval(() => {
    const deadlineUs = nowUs() - ackTimeoutMs * 1000;
    // Oldest first (insertion order): stop at the first send still within its time.
    for (const send of unacked) {
      if (send.sentUs > deadlineUs) break;
      settle(send, TIMED_OUT);
    }
  }, 250);

  const began = performance.now();
  const ticker = setInterval(() => {
    const elapsed = (performance.now() - began) / 1000;
    const errorsSoFar = errors.ackFailed + errors.ackTimeouts + errors.disconnects + errors.misdelivered;
    // With --mix, the rate the result counts: acked operations of every kind.
    const rate = mixed
      ? `${String(mixed.takeSecond()).padStart(7)} ops/s`
      : `${String(receivedThisSecond).padStart(7)} msg/s`;
    process.stdout.write(
      `  ${label} ${phase.name.padEnd(7)} ${elapsed.toFixed(0).padStart(3)} s  ${rate}  errors ${errorsSoFar}\n`,
    );
    receivedThisSecond = 0;
  }, 1000);

  for (const pair of pairList) for (let i = 0; i < W; i++) sendNext(pair);
  await sleep(warmup * 1000);

  phase.name = 'measure';
  const meters = await WindowMeters.prepare(pids, { dbPids, dbCommits, receiverPids });
  const profiling = Boolean(options.profile && target.profileStart && (await target.profileStart()));
  await target.loopDelayStart?.();
  phase.start = performance.now();
  meters.start();
  await sleep(duration * 1000);
  phase.end = performance.now();
  phase.sending = false;
  phase.name = 'drain';
  const seconds = (phase.end - phase.start) / 1000;
  onWindow?.({ start: phase.start, end: phase.end });
  const readings = await meters.stop();
  const serverLoopDelayMs = await target.loopDelayStop?.();
  const { clientCpu } = readings;
  let profile;
  if (profiling) {
    mkdirSync(options.profile, { recursive: true });
    const file = join(
      options.profile,
      `${target.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
    );
    profile = (await target.profileStop(file))?.file;
    if (profile) process.stdout.write(`  ${label} CPU profile of the window: ${profile}\n`);
  }

  // Let what is in flight land, then compare acks with deliveries.
  const drainDeadline = performance.now() + ackTimeoutMs + 1000;
  while (inflight > 0 && performance.now() < drainDeadline) await sleep(20);
  await sleep(300);
  clearInterval(ticker);
  clearInterval(sweeper);
  const lost = pairList.reduce((sum, pair) => sum + Math.max(0, pair.acked - pair.delivered), 0);
  for (const socket of sockets) socket.close();

  const clientCpuPercent = ((clientCpu.user + clientCpu.system) / 1e6 / seconds) * 100;
  const otherCpuPercent = WindowMeters.otherCpuPercent(readings, clientCpuPercent);
  if (otherCpuPercent > 15) {
    process.stdout.write(
      `  ${label} warning: other processes used ${otherCpuPercent.toFixed(0)}% of a core during the window\n`,
    );
  }
  const errorTotal = errors.ackFailed + errors.ackTimeouts + errors.disconnects + errors.misdelivered + lost;
  const mixResult = mixed?.summary(seconds);
  return {
    target: target.name,
    seconds,
    messages: received,
    // With --mix: acked operations of every kind (the kinds are in byKind).
    throughput: mixResult ? mixResult.operations / seconds : received / seconds,
    ...mixResult,
    sent,
    // Acked ok over the whole load, warm-up and drain included (without --mix: messages stored).
    acked: pairList.reduce((sum, pair) => sum + pair.acked, 0),
    // Every chat:message_receive heard in the window: the receivers' and the senders' own copies.
    deliveries: received + echoes,
    deliveriesPerSecond: (received + echoes) / seconds,
    latency: summarize(latency),
    ackLatency: summarize(ackLatency),
    errors: { inWindow: windowErrors.count, total: errorTotal, ...errors, lost },
    ...meters.fields(readings, seconds),
    instances: urls.length,
    clientCpuPercent,
    profile,
    // How late the server's event loop ran in the window (one process only): long synchronous work shows.
    serverLoopDelayMs,
    machineCpuPercent: readings.machineCpuPercent,
    otherCpuPercent,
  };
}
