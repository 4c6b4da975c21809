// The webhook endpoint of `npm run bench -- --webhooks`: a bare HTTP server on 127.0.0.1 in a process of
// its own (its event loop and CPU apart from the load generator's), started by bench/lib/webhooks.mjs,
// never by hand. It answers every POST 200 (after BENCH_RESPONSE_DELAY_MS, 0 by default), checks Standard Webhooks signatures with the
// `standardwebhooks` package on one request in BENCH_VERIFY_EVERY (every secret of BENCH_WEBHOOK_SECRETS
// must verify; a failure is answered 400 and counted), checks that the body's id is the webhook-id header
// on all of them, and counts events per type, distinct webhook-ids and repeats. For each new
// message.created it keeps the arrival time and the send time the bench stamped into the content, both
// on the bench's clock (BENCH_TIME_ORIGIN: the bench's performance.timeOrigin), so the bench can ask, over
// IPC, what arrived within its measured window and when the last expected message arrived. It also times
// the gap between consecutive events of one chat (the service posts a chat's events one after another),
// which shows how long each step of such a chain takes.
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { newHistogram, summarize } from './lib/latency.mjs';

const verifiers = (process.env.BENCH_WEBHOOK_SECRETS ?? '')
  .split(/\s+/)
  .filter(Boolean)
  .map((s) => new Webhook(s));
const verifyEvery = Math.max(1, Number(process.env.BENCH_VERIFY_EVERY ?? '1'));
// Holds each answer this long, as a distant endpoint would (--webhook-delay).
const delayMs = Number(process.env.BENCH_RESPONSE_DELAY_MS ?? '0');
const offsetMs = performance.timeOrigin - Number(process.env.BENCH_TIME_ORIGIN ?? performance.timeOrigin);
/** Now on the bench's clock (its performance.now(), in ms). */
const benchNow = () => performance.now() + offsetMs;

let requests = 0;
let bodyBytes = 0;
let verified = 0;
let rejected = 0;
const rejections = {};
const byType = {};
const ids = new Set();
let duplicates = 0;
const duplicatesByType = {};
const arrivals = []; // every accepted event, in arrival order (bench ms)
const created = { arrivals: [], sentMs: [] }; // first message.created of each id, in arrival order
const lastOfChat = new Map(); // chat id → arrival of its latest event (bench ms)
const chatGaps = newHistogram(); // µs between consecutive events of one chat

function reject(res, why) {
  rejected += 1;
  rejections[why] = (rejections[why] ?? 0) + 1;
  res.writeHead(400).end(why);
}

function handle(req, res, raw) {
  requests += 1;
  bodyBytes += Buffer.byteLength(raw);
  const at = benchNow();
  const id = req.headers['webhook-id'];
  if (req.method !== 'POST' || typeof id !== 'string') return reject(res, 'not a POST with a webhook-id');
  let event;
  try {
    if ((requests - 1) % verifyEvery === 0) {
      for (const verifier of verifiers) event = verifier.verify(raw, req.headers);
      verified += 1;
    } else event = JSON.parse(raw);
  } catch (error) {
    return reject(res, error.message);
  }
  if (event?.id !== id) return reject(res, 'body id is not the webhook-id header');
  byType[event.type] = (byType[event.type] ?? 0) + 1;
  arrivals.push(at);
  const chatId = event.data?.chatId;
  const previous = lastOfChat.get(chatId);
  if (previous !== undefined) chatGaps.recordValue(Math.max(1, Math.round((at - previous) * 1000)));
  lastOfChat.set(chatId, at);
  if (ids.has(id)) {
    duplicates += 1;
    duplicatesByType[event.type] = (duplicatesByType[event.type] ?? 0) + 1;
  } else {
    ids.add(id);
    if (event.type === 'message.created') {
      created.arrivals.push(at);
      created.sentMs.push(Number.parseInt(event.data?.message?.content, 10) / 1000);
    }
  }
  if (delayMs > 0) setTimeout(() => res.writeHead(200).end(), delayMs);
  else res.writeHead(200).end();
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
});
server.keepAliveTimeout = 60_000;

/** How many of `times` (ascending) are below `t`. */
function countBelow(times, t) {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A stretch this long with no event at all is a pause: the service was doing something else than posting. */
const PAUSE_MS = 20;

/**
 * The pauses in the window (from the window's start, between arrivals, to its end): how many, how much of
 * the window they cover, and their median length. The outbox posts in ticks, so these are mostly the
 * parts of its ticks spent on other things than posting (reading the log, building events).
 */
function pausesIn(window) {
  const from = countBelow(arrivals, window.start);
  const to = countBelow(arrivals, window.end);
  const edges = [window.start, ...arrivals.slice(from, to), window.end];
  const pauses = [];
  for (let i = 1; i < edges.length; i++) {
    const gap = edges[i] - edges[i - 1];
    if (gap >= PAUSE_MS) pauses.push(gap);
  }
  pauses.sort((a, b) => a - b);
  const total = pauses.reduce((sum, gap) => sum + gap, 0);
  return {
    count: pauses.length,
    percentOfWindow: (100 * total) / (window.end - window.start),
    p50Ms: pauses[pauses.length >> 1],
    maxMs: pauses.at(-1),
  };
}

/**
 * The counts so far. With a window (bench ms): events that arrived within it, and send → webhook latency
 * of the messages sent within it. With `expected`: when the expected-th distinct message.created arrived.
 */
function stats({ window, expected }) {
  const answer = {
    requests,
    meanBodyBytes: requests ? bodyBytes / requests : undefined,
    verified,
    rejected,
    rejections,
    events: arrivals.length,
    byType,
    distinctIds: ids.size,
    duplicates,
    duplicatesByType,
    created: created.arrivals.length,
    lastArrivalMs: arrivals.at(-1),
    chatGap: summarize(chatGaps),
  };
  if (window) {
    answer.eventsInWindow = countBelow(arrivals, window.end) - countBelow(arrivals, window.start);
    const latency = newHistogram();
    let createdInWindow = 0;
    created.arrivals.forEach((at, i) => {
      if (at >= window.start && at < window.end) createdInWindow += 1;
      const sent = created.sentMs[i];
      if (sent >= window.start && sent < window.end)
        latency.recordValue(Math.max(1, Math.round((at - sent) * 1000)));
    });
    answer.createdInWindow = createdInWindow;
    answer.latency = summarize(latency);
    answer.pauses = pausesIn(window);
  }
  if (expected > 0) answer.expectedArrivedMs = created.arrivals[expected - 1];
  return answer;
}

process.on('message', (message) => {
  if (message?.type === 'stats') process.send({ type: 'stats', id: message.id, stats: stats(message) });
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));
