#!/usr/bin/env node
// What one webhook costs the service, measured apart from any load: the CPU of signing one event body with
// the reference package `standardwebhooks` and with node:crypto's HMAC (as the service signs since
// efd5d79), and the CPU per POST of the
// service's own WebhookSender (dist/notifications/webhook-sender.js: sign, JSON, node:http) against the
// bench's receiver (bench/webhook-receiver.mjs) in another process, LANES POSTs in flight. Pinned as the
// bench pins: this script on the load generator's core, the receiver on the other one.
// Usage: npm run build:server && node bench/webhook-cost.mjs [POSTS] [LANES]
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { decidePinning, describePinning, onServerCore, reexecPinned } from './lib/pinning.mjs';
import { ROOT } from './lib/servers.mjs';

const [posts = 20_000, lanes = 32] = process.argv.slice(2).map(Number);
const pinning = decidePinning(true);
const code = await reexecPinned(pinning);
if (code !== null) process.exit(code);
console.log(
  `pinning: ${describePinning(pinning).replace('server', 'receiver').replace('load generator', 'sender')}`,
);
const { WebhookSender } = await import(
  pathToFileURL(join(ROOT, 'dist/notifications/webhook-sender.js')).href
);
const secret = `whsec_${randomBytes(32).toString('base64')}`;
const id = (i) => `evt_0193c1a2-0000-7000-8000-${String(i % 100).padStart(12, '0')}_${i}`;
// A message.created event shaped as the service makes them for the bench's load (MessageView, 100-character
// content): about 700 bytes of JSON, as the receiver measures them (meanBodyBytes).
const event = (i) => {
  const at = new Date().toISOString();
  const chatId = `0193c1a2-0000-7000-8000-${String(i % 100).padStart(12, '0')}`;
  const sender = { id: '0193c1a2-0000-7000-8000-00000000aaaa', name: 'Bench 1', avatar: null };
  const message = { id: `0193c1a2-0000-7000-8000-${String(i).padStart(12, '0')}`, chatId, content: '' };
  Object.assign(message, { content: `${Date.now()}:`.padEnd(100, 'x'), mediaUrl: null, mediaType: null });
  Object.assign(message, { sender, createdAt: at, seq: i, clientMessageId: null, replyTo: null });
  Object.assign(message, { editedAt: null, deletedAt: null, reactions: [], kind: 'user', event: null });
  return {
    id: id(i),
    type: 'message.created',
    timestamp: at,
    data: { chatId, seq: i, message, notifyUserIds: [] },
  };
};

/** CPU µs per call of `work(i)` over `n` calls. */
function cpuPer(n, work) {
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) work(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

const body = JSON.stringify(event(1));
const signer = new Webhook(secret);
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
const now = new Date();
const seconds = Math.floor(now.getTime() / 1000);
cpuPer(5000, (i) => signer.sign(id(i), now, body)); // warm up
console.log(`body: ${body.length} bytes`);
console.log(`sign, standardwebhooks:  ${cpuPer(50_000, (i) => signer.sign(id(i), now, body)).toFixed(1)} µs`);
const hmac = (i) =>
  createHmac('sha256', key)
    .update(`${id(i)}.${seconds}.${body}`)
    .digest('base64');
cpuPer(5000, hmac);
console.log(`sign, node:crypto HMAC:  ${cpuPer(50_000, hmac).toFixed(1)} µs`);

const { command, args } = onServerCore(pinning, process.execPath, [join(ROOT, 'bench/webhook-receiver.mjs')]);
const receiver = spawn(command, args, {
  env: { PATH: process.env.PATH, BENCH_WEBHOOK_SECRETS: secret, BENCH_VERIFY_EVERY: '1000000000' },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const port = await new Promise((resolve) => receiver.once('message', (m) => resolve(m.port)));
const sender = new WebhookSender(`http://127.0.0.1:${port}/webhook`, [secret]);

async function round(n) {
  const events = Array.from({ length: n }, (_, i) => event(i));
  let next = 0;
  const cpu = process.cpuUsage();
  const began = performance.now();
  const lane = async () => {
    while (next < n) {
      const outcome = await sender.send(events[next++]);
      if (!outcome.ok) throw new Error(`POST failed: ${outcome.error}`);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  const used = process.cpuUsage(cpu);
  return { us: (used.user + used.system) / n, perSecond: n / ((performance.now() - began) / 1000) };
}

await round(5000); // warm up: connections, JIT
for (let r = 1; r <= 3; r++) {
  const { us, perSecond } = await round(posts);
  console.log(
    `POST ${r}: ${us.toFixed(1)} µs of CPU per POST, ${perSecond.toFixed(0)} POSTs/s (${lanes} in flight)`,
  );
}
sender.close();
receiver.kill();
