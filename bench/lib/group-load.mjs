// `--group N`: the closed loop of the direct load, into one group of N members. N users register, one of
// them creates the group (bench/lib/group-setup.mjs), and every member connects one socket. The P sender
// slots of --pairs are spread over the members (slot i is member floor(i·N/P) when N ≥ P, else i mod N,
// so with N < P a member carries several slots); each slot keeps W sends in flight, as a direct sender
// does, so the load has P·W messages in flight whatever N is. Counted in the window: messages acked
// (msg/s) and chat:message_receive heard across all member sockets, the senders' own included
// (deliveries/s), with send→ack and send→receive latencies. Members that do not send can be held by
// receiver threads (--group-threads) so that their decoding has its own event loops.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import hdr from 'hdr-histogram-js';
import { GroupDeliveries } from './group-deliveries.mjs';
import { startReceiverThreads } from './group-receivers.mjs';
import { createGroup } from './group-setup.mjs';
import { newHistogram, summarize } from './latency.mjs';
import { waitForQuiet } from './proc-stats.mjs';
import { connect, content, nowUs } from './socket.mjs';
import { makeUsers, mapLimit } from './users.mjs';
import { WindowMeters } from './window-meters.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TIMED_OUT = Symbol('ack timed out');
/** The load generator's CPU above which the figure says more about the client than about the server. */
export const CLIENT_BOUND_PERCENT = 90;
/** …or its event loop runs this late on average (ms): it reads its sockets too late to time them. */
export const CLIENT_BOUND_LOOP_DELAY_MS = 50;

/** Member index of sender slot `i` of `P`, in a group of `N`. */
export const senderMember = (i, P, N) => (N >= P ? Math.floor((i * N) / P) : i % N);

export async function runGroupLoad(
  target,
  options,
  size,
  { dbPids = async () => [], dbCommits = async () => undefined } = {},
) {
  const { pairs: P, inflight: W, duration, warmup, transport, ackTimeoutMs } = options;
  const label = `group ${size}`.padEnd(10);
  const say = (line) => process.stdout.write(`  ${label} ${line}\n`);
  const threadCount = options.groupThreads;

  say(`registering ${size} users…`);
  const users = await makeUsers(target, size);
  const chatId = await createGroup(target.url, users, `bench ${size}`);
  const slots = Array.from({ length: P }, (_, i) => ({ member: senderMember(i, P, size), acked: 0 }));
  const senderIndexes = [...new Set(slots.map((slot) => slot.member))];
  const isSender = new Set(senderIndexes);
  const inMain = threadCount > 0 ? senderIndexes : users.map((_, i) => i);
  const inThreads = threadCount > 0 ? users.map((_, i) => i).filter((i) => !isSender.has(i)) : [];
  say(
    `group ${chatId}: ${size} members, ${P} sender slots on ${senderIndexes.length} members x ${W} in flight; ` +
      `connecting ${size} sockets (${transport}), ${inThreads.length} of them in ${threadCount} receiver thread(s)…`,
  );

  const deliveries = new GroupDeliveries({ chatId });
  const mainSockets = new Map();
  const sockets = await mapLimit(inMain.length, 32, (k) =>
    connect(target.url, users[inMain[k]].auth, transport),
  );
  inMain.forEach((index, k) => {
    mainSockets.set(index, sockets[k]);
    deliveries.attach(sockets[k], index);
  });
  let threads;
  if (inThreads.length) {
    threads = await startReceiverThreads(threadCount, {
      url: target.url,
      transport,
      chatId,
      members: inThreads.map((index) => ({ index, auth: users[index].auth })),
    });
  }
  try {
    return await measure();
  } finally {
    for (const socket of sockets) socket.close();
    await threads?.terminate();
  }

  async function measure() {
    if (options.waitQuiet > 0) await waitForQuiet({ maxSeconds: options.waitQuiet, log: say });
    const pids = target.pid ? [target.pid] : [];
    const ackLatency = newHistogram();
    const errors = { ackFailed: 0, ackTimeouts: 0, disconnects: 0, misdelivered: 0, codes: {} };
    const phase = {
      name: 'warmup',
      sending: true,
      start: Number.POSITIVE_INFINITY,
      end: Number.POSITIVE_INFINITY,
    };
    const inWindow = (ms) => ms >= phase.start && ms < phase.end;
    let acked = 0; // in the window
    let ackedTotal = 0; // over the whole load: each of them is owed to every member
    let sent = 0;
    let inflight = 0;
    const unacked = new Set();

    const sendNext = (slot) => {
      if (!phase.sending) return;
      const sentUs = nowUs();
      const payload = { chatId, content: content(sentUs, options.size) };
      if (options.clientId) payload.clientMessageId = `g${sent.toString(36)}-${sentUs.toString(36)}`;
      sent += 1;
      inflight += 1;
      const send = { slot, sentUs, done: false };
      unacked.add(send);
      mainSockets.get(slot.member).emit('chat:message_send', payload, (ack) => settle(send, ack));
    };
    const settle = (send, ack) => {
      if (send.done) return;
      send.done = true;
      unacked.delete(send);
      inflight -= 1;
      if (ack === TIMED_OUT) errors.ackTimeouts += 1;
      else if (ack?.ok) {
        send.slot.acked += 1;
        ackedTotal += 1;
        if (inWindow(performance.now())) {
          acked += 1;
          ackLatency.recordValue(Math.max(1, nowUs() - send.sentUs));
        }
      } else {
        errors.ackFailed += 1;
        const code = ack?.error?.code ?? 'NO_ACK_BODY';
        errors.codes[code] = (errors.codes[code] ?? 0) + 1;
      }
      sendNext(send.slot);
    };
    const sweeper = setInterval(() => {
      const deadlineUs = nowUs() - ackTimeoutMs * 1000;
      for (const send of unacked) {
        if (send.sentUs > deadlineUs) break;
        settle(send, TIMED_OUT);
      }
    }, 250);

    let ackedBefore = 0;
    const began = performance.now();
    let lastTick = began;
    // A busy client runs this late: the rates are over the time since the previous line.
    const ticker = setInterval(() => {
      const now = performance.now();
      const elapsed = (now - began) / 1000;
      const since = (now - lastTick) / 1000;
      lastTick = now;
      const ackedThisSecond = Math.round((ackedTotal - ackedBefore) / since);
      ackedBefore = ackedTotal;
      const heard = Math.round((deliveries.takeSecond() + (threads?.lastSecond() ?? 0) * since) / since);
      const errorsSoFar =
        errors.ackFailed + errors.ackTimeouts + deliveries.disconnects + deliveries.misdelivered;
      say(
        `${phase.name.padEnd(7)} ${elapsed.toFixed(0).padStart(3)} s  ${String(ackedThisSecond).padStart(6)} msg/s ` +
          `${String(heard).padStart(8)} deliveries/s  errors ${errorsSoFar}`,
      );
    }, 1000);

    for (const slot of slots) for (let i = 0; i < W; i++) sendNext(slot);
    await sleep(warmup * 1000);

    phase.name = 'measure';
    const meters = await WindowMeters.prepare(pids, { dbPids, dbCommits });
    // The window is fixed ahead so that the receiver threads apply the same bounds.
    const start = performance.now() + 50;
    deliveries.window = { start, end: start + duration * 1000 };
    threads?.setWindow(start, start + duration * 1000);
    await sleep(start - performance.now());
    phase.start = start;
    phase.end = start + duration * 1000;
    meters.start();
    // How late the bench's own event loop runs: when the client cannot keep up, this grows.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    await sleep(phase.end - performance.now());
    phase.sending = false;
    phase.name = 'drain';
    const seconds = (phase.end - phase.start) / 1000;
    const readings = await meters.stop();
    // A busy loop wakes after the window's end: divide by the time the reading really covers.
    const { clientCpu, clientSeconds } = readings;
    loopDelay.disable();
    const clientLoopDelayMs = { mean: loopDelay.mean / 1e6, p99: loopDelay.percentile(99) / 1e6 };

    // Let what is in flight land, then wait for every member to have heard every acked message.
    const drainDeadline = performance.now() + ackTimeoutMs + 5000;
    while (inflight > 0 && performance.now() < drainDeadline) await sleep(20);
    let byMember;
    for (;;) {
      byMember = new Map(deliveries.byMember);
      for (const answer of (await threads?.totals()) ?? [])
        for (const [i, n] of answer.byMember) byMember.set(i, n);
      const behind = [...byMember.values()].some((n) => n < ackedTotal);
      if (!behind || performance.now() > drainDeadline) break;
      await sleep(100);
    }
    clearInterval(ticker);
    clearInterval(sweeper);

    const latency = deliveries.latency;
    let delivered = deliveries.inWindow;
    errors.disconnects = deliveries.disconnects;
    errors.misdelivered = deliveries.misdelivered;
    for (const socket of sockets) socket.close();
    for (const result of (await threads?.finish()) ?? []) {
      delivered += result.inWindow;
      errors.disconnects += result.disconnects;
      errors.misdelivered += result.misdelivered;
      latency.add(hdr.decodeFromCompressedBase64(result.hdrBase64));
      for (const [i, n] of result.byMember) byMember.set(i, n);
    }
    // Every acked message is owed to every member, its sender included.
    let lost = 0;
    let membersShort = 0;
    for (const n of byMember.values()) {
      if (n < ackedTotal) membersShort += 1;
      lost += Math.max(0, ackedTotal - n);
    }

    const clientCpuPercent = ((clientCpu.user + clientCpu.system) / 1e6 / clientSeconds) * 100;
    const otherCpuPercent = WindowMeters.otherCpuPercent(readings, clientCpuPercent);
    if (otherCpuPercent > 15)
      say(`warning: other processes used ${otherCpuPercent.toFixed(0)}% of a core during the window`);
    const clientBound =
      clientCpuPercent >= CLIENT_BOUND_PERCENT || clientLoopDelayMs.mean >= CLIENT_BOUND_LOOP_DELAY_MS;
    if (clientBound) {
      say(
        `client-bound: the load generator used ${clientCpuPercent.toFixed(0)}% of its core, its event loop ran ` +
          `${clientLoopDelayMs.mean.toFixed(0)} ms late on average (${threadCount} receiver thread(s)): the ` +
          'figure is a lower bound of what the server sustains',
      );
    }
    if (lost) say(`lost: ${lost} deliveries missing on ${membersShort} member(s) after the drain`);
    const errorTotal =
      errors.ackFailed + errors.ackTimeouts + errors.disconnects + errors.misdelivered + lost;
    return {
      target: 'service',
      group: size,
      chatId,
      senders: senderIndexes.length,
      senderSlots: P,
      receiverThreads: threads?.count ?? 0,
      seconds,
      messages: acked,
      throughput: acked / seconds,
      deliveries: delivered,
      deliveriesPerSecond: delivered / seconds,
      sent,
      ackedTotal,
      latency: summarize(latency),
      ackLatency: summarize(ackLatency),
      errors: { total: errorTotal, ...errors, lost, membersShort },
      ...meters.fields(readings, seconds),
      clientCpuPercent,
      clientLoopDelayMs,
      clientBound,
      machineCpuPercent: readings.machineCpuPercent,
      otherCpuPercent,
    };
  }
}
