// Command-line options of `npm run bench`, with their defaults and the help text.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MIX, parseMix } from './mix.mjs';

export const HELP = `Usage: npm run bench -- [options]

Throughput mode (default): the same closed-loop Socket.IO load against the service and against a bare
Socket.IO relay (bench/relay.mjs), then the ratios.
  --pairs P            sender/receiver pairs                          (default 100)
  --inflight W         messages each sender keeps in flight           (default 4)
  --duration D         measured seconds per target                    (default 10)
  --warmup S           seconds of load before measuring               (default 3)
  --size BYTES         content size of each message                   (default 100)
  --media              add a mediaUrl and LiveMediaType VIDEO
  --client-id          send a clientMessageId with each message
  --transport T        websocket | polling                            (default websocket)
  --runs N             repeat the whole comparison N times; report medians (default 1)
  --instances N        start N service instances on one database and Redis (needs DATABASE_URL and
                       REDIS_URL); pair i's sender connects to instance i mod N and its receiver to
                       the next one, so every message crosses instances        (default 1)
  --skip-relay         measure the service only
  --profile DIR        write a V8 CPU profile of each server over its measured window to DIR
                       (costs throughput: not for the numbers; summarize with bench/profile-summary.mjs)
  --ack-timeout MS     an ack slower than this counts as an error     (default 10000)
  --mix [S/R/E/D]      mix changes into the load, in percent adding up to 100: S sends, R reactions,
                       E edits, D deletes for everyone (a bare --mix: ${DEFAULT_MIX}). Each operation draws
                       its kind; a change acts on one of its sender's recent acked messages that no other
                       change holds (none free: a send instead), so it is always allowed (a reaction adds
                       and removes one emoji in turn; a deleted message is not picked again). A change's
                       latency runs to the peer's chat:reaction_updated / message_edited / message_deleted;
                       ops/s counts acked operations, in total and per kind (without --mix, msg/s counts
                       messages received). The relay gets the same mix and echoes each change to both
                       sides like a message (its change payloads also carry chatId: it stores nothing)
  --seed N             seed of the --mix draws: each pair gets the same kinds in the same order in every
                       run and on both targets                        (default 1)
  --group N[,N…]       after the direct load, one group of N members per size (N users, one group, every
                       member connected with one socket): the --pairs P sender slots are spread over the
                       members (slot i is member floor(i*N/P), or i mod N when N < P), each keeping
                       --inflight W sends in flight. Reports msg/s (acked) and deliveries/s (every
                       chat:message_receive heard by any member socket) next to the direct figure of the
                       same run. Service only (the relay has no groups). N <= the server's
                       GROUP_MAX_MEMBERS (default 1000, the creator counts)
  --group-threads K    worker threads holding the members that do not send, each with its own event loop
                       (on the load generator's core; they add no CPU there)      (default 0)
  --webhooks           right after the plain service (before the relay), a fresh service with WEBHOOK_URL and
                       WEBHOOK_SECRET (one whsec_ secret of 32 random bytes) posting to a receiver the
                       bench starts: an HTTP server on 127.0.0.1 in a process of its own, on either core,
                       answering 200. Same load; reports msg/s and latency with webhooks next to the plain
                       figures (ratio, goal >= 0.9), the events received in the window, and the drain: the
                       time from the window's end until the receiver holds one message.created per stored
                       message (counted in the database; on embedded PGlite, the acked sends), with
                       repeats and missing events. Not with --url, --idle, --mix, --group, --instances
  --webhook-verify-every K  the receiver checks the Standard Webhooks signature (standardwebhooks) of one
                       POST in K; the others are only parsed and counted (1: every POST)  (default 10)
  --webhook-delay MS   the receiver holds each answer MS milliseconds, as a distant endpoint would (default 0)
  --drain-timeout S    --webhooks: give up waiting for the events after S seconds (default 120)
  --plain-tables       next to the service on its default partitioned tables (after it in odd runs, before
                       it in even ones), a fresh service with MESSAGE_PARTITIONS=0 (one plain table each for
                       messages, events and reactions), same load; reports partitioned / plain (throughput
                       and latency) and each against the relay. Not with --url or --idle

Idle mode:
  --idle N             open N authenticated idle websocket connections and report memory
  --sockets-per-user K sockets per registered user                    (default 100)
  --local-addresses K  loopback source addresses to cycle through     (default max(4, N/20000))
  --idle-workers K     client processes that hold the connections     (default N/10000)
  --connect-concurrency C  handshakes in flight per client process   (default 200)
  --settle S           seconds to wait after the last connect before measuring (default 5)
  --workers K          run the service with WORKERS=K: K processes on one port (needs DATABASE_URL and
                       REDIS_URL); RSS is summed over them, heap is not reported (default 1)

Both:
  --url URL            use a service that is already running (no CPU/RSS unless --pid)
  --pid PID            its process id, for CPU and RSS from /proc
  --json FILE          where to write the results (default bench/results/<timestamp>.json)
  --no-pin             do not pin processes to cores with taskset
  --wait-quiet S       before each target, wait up to S seconds for other processes to go quiet
                       (below 25% of a core)                          (default 0: just warn)
  --max-other PCT      measure a target again (up to 3 tries) when other processes used more than
                       PCT% of a core during its window               (default: never)
  -h, --help
`;

const spec = {
  pairs: { type: 'string', default: '100' },
  inflight: { type: 'string', default: '4' },
  duration: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '3' },
  size: { type: 'string', default: '100' },
  media: { type: 'boolean', default: false },
  'client-id': { type: 'boolean', default: false },
  transport: { type: 'string', default: 'websocket' },
  runs: { type: 'string', default: '1' },
  instances: { type: 'string', default: '1' },
  'skip-relay': { type: 'boolean', default: false },
  profile: { type: 'string' },
  'ack-timeout': { type: 'string', default: '10000' },
  mix: { type: 'string' },
  seed: { type: 'string' },
  group: { type: 'string' },
  'group-threads': { type: 'string', default: '0' },
  webhooks: { type: 'boolean', default: false },
  'plain-tables': { type: 'boolean', default: false },
  'webhook-verify-every': { type: 'string', default: '10' },
  'webhook-delay': { type: 'string', default: '0' },
  'drain-timeout': { type: 'string', default: '120' },
  idle: { type: 'string' },
  'sockets-per-user': { type: 'string', default: '100' },
  'local-addresses': { type: 'string' },
  'idle-workers': { type: 'string' },
  'connect-concurrency': { type: 'string', default: '200' },
  settle: { type: 'string', default: '5' },
  workers: { type: 'string', default: '1' },
  url: { type: 'string' },
  pid: { type: 'string' },
  json: { type: 'string' },
  'no-pin': { type: 'boolean', default: false },
  'wait-quiet': { type: 'string', default: '0' },
  'max-other': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

export class UsageError extends Error {}

function number(name, text, { min = 0, integer = true } = {}) {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new UsageError(
      `--${name}: expected ${integer ? 'an integer' : 'a number'} >= ${min}, got "${text}"`,
    );
  }
  return value;
}

// The PRNG's state is 32 bits: a larger seed would quietly wrap onto a smaller one.
function seedOf(text) {
  const seed = number('seed', text);
  if (seed > 0xffffffff) throw new UsageError(`--seed: expected an integer below 2^32, got "${text}"`);
  return seed;
}

// "10,100,1000" → [10, 100, 1000]: each a group size of at least 2 (its creator and one other member).
function groupSizes(text) {
  const sizes = text.split(',').map((part) => number('group', part.trim(), { min: 2 }));
  if (new Set(sizes).size !== sizes.length)
    throw new UsageError(`--group: a size appears twice in "${text}"`);
  return sizes;
}

// A bare `--mix` (last, or followed by another option) means the default mix: parseArgs has no
// optional values.
const withDefaultMix = (argv) =>
  argv.map((arg, i) =>
    arg === '--mix' && (i + 1 === argv.length || argv[i + 1].startsWith('-')) ? `--mix=${DEFAULT_MIX}` : arg,
  );

export function parseOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: withDefaultMix(argv),
      options: spec,
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error.message);
  }
  if (values.transport !== 'websocket' && values.transport !== 'polling') {
    throw new UsageError(`--transport: websocket or polling, got "${values.transport}"`);
  }
  let url;
  if (values.url) {
    url = new URL(values.url);
    if (url.protocol !== 'http:') throw new UsageError('--url: an http:// URL of the running service');
    url = url.origin;
  }
  const idle = values.idle === undefined ? undefined : number('idle', values.idle, { min: 1 });
  const instances = number('instances', values.instances, { min: 1 });
  const workers = number('workers', values.workers, { min: 1 });
  if (workers > 1 && (!idle || values.url || !(process.env.DATABASE_URL && process.env.REDIS_URL))) {
    throw new UsageError('--workers: for --idle, on PostgreSQL and Redis (DATABASE_URL and REDIS_URL)');
  }
  if (instances > 1 && (values.url || idle)) {
    throw new UsageError('--instances: only for a throughput run of services the bench starts');
  }
  if (instances > 1 && !(process.env.DATABASE_URL && process.env.REDIS_URL)) {
    throw new UsageError(
      '--instances: several instances act as one only on PostgreSQL and Redis: set DATABASE_URL and REDIS_URL',
    );
  }
  let mix;
  if (values.mix !== undefined) {
    if (idle) throw new UsageError('--mix: for the throughput mode only');
    try {
      mix = parseMix(values.mix);
    } catch (error) {
      throw new UsageError(`--mix: ${error.message}`);
    }
  }
  if (values.seed !== undefined && !mix) throw new UsageError('--seed: only with --mix');
  const group = values.group === undefined ? undefined : groupSizes(values.group);
  if (group && (idle || mix || instances > 1)) {
    throw new UsageError(
      '--group: for the plain throughput mode of one instance (not with --idle, --mix, --instances)',
    );
  }
  const groupThreads = number('group-threads', values['group-threads']);
  if (values.webhooks && (values.url || idle || mix || group || instances > 1)) {
    throw new UsageError(
      '--webhooks: for the plain throughput mode of one service the bench starts (not with --url, --idle, --mix, --group, --instances)',
    );
  }
  if (values['plain-tables'] && (values.url || idle)) {
    throw new UsageError(
      '--plain-tables: for a service the bench starts, in throughput mode (not with --url, --idle)',
    );
  }
  return {
    help: values.help,
    pairs: number('pairs', values.pairs, { min: 1 }),
    inflight: number('inflight', values.inflight, { min: 1 }),
    duration: number('duration', values.duration, { min: 1, integer: false }),
    warmup: number('warmup', values.warmup, { integer: false }),
    size: number('size', values.size, { min: 16 }),
    media: values.media,
    clientId: values['client-id'],
    transport: values.transport,
    runs: number('runs', values.runs, { min: 1 }),
    instances,
    skipRelay: values['skip-relay'],
    profile:
      values.profile === undefined
        ? undefined
        : resolve(process.env.INIT_CWD ?? process.cwd(), values.profile),
    ackTimeoutMs: number('ack-timeout', values['ack-timeout'], { min: 1 }),
    mix,
    seed: mix ? seedOf(values.seed ?? '1') : undefined,
    group,
    groupThreads,
    webhooks: values.webhooks,
    plainTables: values['plain-tables'],
    webhookVerifyEvery: number('webhook-verify-every', values['webhook-verify-every'], { min: 1 }),
    webhookDelayMs: number('webhook-delay', values['webhook-delay'], { integer: false }),
    drainTimeout: number('drain-timeout', values['drain-timeout'], { min: 1, integer: false }),
    idle,
    socketsPerUser: number('sockets-per-user', values['sockets-per-user'], { min: 1 }),
    localAddresses:
      values['local-addresses'] === undefined
        ? Math.max(4, Math.ceil((idle ?? 0) / 20000))
        : number('local-addresses', values['local-addresses'], { min: 1 }),
    idleWorkers:
      values['idle-workers'] === undefined
        ? Math.max(1, Math.ceil((idle ?? 0) / 10000))
        : number('idle-workers', values['idle-workers'], { min: 1 }),
    connectConcurrency: number('connect-concurrency', values['connect-concurrency'], { min: 1 }),
    settle: number('settle', values.settle, { integer: false }),
    workers,
    url,
    pid: values.pid === undefined ? undefined : number('pid', values.pid, { min: 1 }),
    json: values.json,
    pin: !values['no-pin'],
    waitQuiet: number('wait-quiet', values['wait-quiet'], { integer: false }),
    maxOther:
      values['max-other'] === undefined
        ? Number.POSITIVE_INFINITY
        : number('max-other', values['max-other'], { integer: false }),
  };
}
