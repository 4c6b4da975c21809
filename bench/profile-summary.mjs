#!/usr/bin/env node
// Where a server spent its CPU: self time of a .cpuprofile (from `npm run bench -- --profile DIR`)
// grouped by path (webhooks, send path, database client), by package / source area and by function. Usage: node bench/profile-summary.mjs FILE [top]
import { readFileSync } from 'node:fs';

const [file, topArg = '30'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.mjs FILE.cpuprofile [top]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map(); // node id -> µs
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

function area(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native / builtin)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const own = /\/dist\/(.+?)\.js$/.exec(url);
  if (own) return `service: ${own[1]}`;
  return url.replace(/^file:\/\//, '');
}

const areas = new Map();
const functions = new Map();
for (const [id, us] of self) {
  const { callFrame } = byId.get(id);
  const name = callFrame.functionName || '(anonymous)';
  const where = area(callFrame.url, name);
  areas.set(where, (areas.get(where) ?? 0) + us);
  const key = `${name}  ${where}:${callFrame.lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
}

// Which path a sample's time served, from its whole stack: the outbox's webhooks when any frame is theirs
// (the outbox's own code, signing, Node's HTTP client: the service takes no HTTP requests while the
// bench measures), else the first frame from the leaf up that belongs to the send path or the database
// client (shared: its promise continuations run without the caller on the stack).
const PATHS = [
  [
    'webhooks: outbox, signing, HTTP client',
    /\/dist\/notifications\/|node_modules\/(standardwebhooks|fast-sha256|@stablelib\/[^/]+)\/|^node:(_http_\w+|http)$/,
  ],
  ['database client (pg, both paths)', /node_modules\/(pg|pg-protocol|pg-pool|drizzle-orm)\//],
  [
    'send path: Socket.IO, messages, realtime',
    /node_modules\/(socket\.io[^/]*|engine\.io[^/]*|ws|zod)\/|\/dist\/(messages|realtime|chats|contract|common|groups)\//,
  ],
];
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const stackOf = (id) => {
  const stack = [];
  for (let at = id; at !== undefined; at = parentOf.get(at)) stack.push(byId.get(at).callFrame);
  return stack;
};
function pathOf(id) {
  const stack = stackOf(id);
  if (stack.some((frame) => frame.url.endsWith('bench/lib/server-probe.mjs'))) return '(profiler start/stop)';
  if (stack.some((frame) => PATHS[0][1].test(frame.url))) return PATHS[0][0];
  for (const frame of stack) {
    const path = PATHS.find(([, pattern]) => pattern.test(frame.url));
    if (path) return path[0];
  }
  return stack[0].functionName.startsWith('(') ? stack[0].functionName : 'other';
}
const paths = new Map();
for (const [id, us] of self) paths.set(pathOf(id), (paths.get(pathOf(id)) ?? 0) + us);

// Within the webhooks path: the first part whose test the stack passes (frame: url, function name).
const WEBHOOK_PARTS = [
  [
    'signing (HMAC-SHA256: node:crypto; standardwebhooks before efd5d79)',
    (f) => /standardwebhooks|fast-sha256|@stablelib|^node:crypto$|^node:internal\/crypto\//.test(f.url),
  ],
  [
    "building a slice's events (notify, views, webhookEventOf)",
    (f) =>
      /notification-content/.test(f.url) ||
      (/outbox-dispatcher/.test(f.url) && /^(notify|views|pushesOf)$/.test(f.functionName)),
  ],
  [
    'socket writes (writev)',
    (f, i) => i === 0 && /^(writev|writevGeneric|writeBuffer)$/.test(f.functionName),
  ],
  [
    'HTTP client: request, JSON body, agent, response',
    (f) => /^node:(_http_\w+|http)$|webhook-sender/.test(f.url),
  ],
];
const webhookParts = new Map();
for (const [id, us] of self) {
  if (pathOf(id) !== PATHS[0][0]) continue;
  const stack = stackOf(id);
  const part = WEBHOOK_PARTS.find(([, test]) => stack.some(test))?.[0] ?? 'other (ticks, lanes, channels)';
  webhookParts.set(part, (webhookParts.get(part) ?? 0) + us);
}

const pct = (us) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const top = Number(topArg);
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
console.log('\ntime by path (whole stack: see PATHS)');
for (const [k, us] of [...paths].sort((a, b) => b[1] - a[1])) console.log(`${pct(us)}  ${k}`);
if ((paths.get(PATHS[0][0]) ?? 0) > total / 100) {
  console.log('\nwebhooks path, by part (% of all sampled time)');
  for (const [k, us] of [...webhookParts].sort((a, b) => b[1] - a[1])) console.log(`${pct(us)}  ${k}`);
}
console.log('\nself time by package / area');
for (const [k, us] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(us)}  ${k}`);
console.log('\nself time by function');
for (const [k, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(us)}  ${k}`);
