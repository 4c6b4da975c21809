// Starts and stops the processes under test: the service (dist/main.js) and the bare relay
// (bench/relay.mjs), each pinned to the server core, with a fresh data dir and a free port.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { onInterrupt } from './cleanup.mjs';
import { onServerCore } from './pinning.mjs';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROBE = pathToFileURL(join(ROOT, 'bench/lib/server-probe.mjs')).href;
const RELAY = join(ROOT, 'bench/relay.mjs');
const HOST = '127.0.0.1';

/**
 * The Node flags of `npm start` ("node <flags> dist/main.js" in package.json): the service runs as users
 * run it, and the relay gets the same runtime tuning.
 */
export const NODE_FLAGS = (() => {
  const words = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts.start.split(/\s+/);
  return words.slice(1, words.indexOf('dist/main.js'));
})();

const running = new Set();

/** Kills every server still running (on exit, Ctrl-C or a failure). */
export function killAllServers() {
  for (const server of running) server.child.kill('SIGKILL');
  running.clear();
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// `ulimit -n` in a shell that then becomes the process (same pid): raises the open-files limit before
// Node starts; as far as the hard limit allows when not root.
const RAISE_FD_LIMIT =
  'ulimit -n "$1" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; shift; exec "$@"';

export function withFdLimit(limit, command, args) {
  return { command: 'sh', args: ['-c', RAISE_FD_LIMIT, 'sh', String(limit), command, ...args] };
}

async function startProcess({ name, nodeArgs, env, cwd, pinning, fdLimit }) {
  let command = process.execPath;
  let args = nodeArgs;
  if (fdLimit) ({ command, args } = withFdLimit(fdLimit, command, args));
  ({ command, args } = onServerCore(pinning, command, args));
  const port = await freePort();
  const child = spawn(command, args, {
    cwd,
    env: { ...env, PORT: String(port), HOST },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const server = { name, child, pid: child.pid, url: `http://${HOST}:${port}`, output: [] };
  running.add(server);
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) {
        server.output.push(line);
        if (server.output.length > 50) server.output.shift();
        if (server.ready) process.stderr.write(`  [${name}] ${line}\n`);
      }
    });
  }
  server.exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(server);
      resolve({ code, signal });
    }),
  );
  await waitReady(server);
  server.ready = true;
  return server;
}

async function waitReady(server, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let exit;
  server.exited.then((e) => {
    exit = e;
  });
  while (Date.now() < deadline) {
    if (exit) {
      throw new Error(
        `${server.name} exited during boot (code ${exit.code}, signal ${exit.signal}):\n${server.output.join('\n')}`,
      );
    }
    try {
      const response = await fetch(`${server.url}/api/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  server.child.kill('SIGKILL');
  throw new Error(`${server.name} was not ready after ${timeoutMs / 1000} s:\n${server.output.join('\n')}`);
}

async function stopProcess(server) {
  if (!running.has(server)) return;
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await server.exited;
  clearTimeout(timer);
}

let probeId = 0;
/** Asks the probe preloaded in the server (server-probe.mjs); undefined when it does not answer. */
function ask(server, message, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    const id = ++probeId;
    const timer = setTimeout(() => {
      server.child.off('message', onMessage);
      resolve(undefined);
    }, timeoutMs);
    const onMessage = (reply) => {
      if (reply?.type !== message.type || reply.id !== id) return;
      clearTimeout(timer);
      server.child.off('message', onMessage);
      resolve(reply.error ? undefined : reply);
    };
    server.child.on('message', onMessage);
    server.child.send({ ...message, id });
  });
}

function probeApi(server) {
  return {
    /** process.memoryUsage() of the server, after a full GC when it runs with --expose-gc. */
    memory: async ({ gc = false } = {}) => (await ask(server, { type: 'bench:memory', gc }))?.usage,
    profileStart: () => ask(server, { type: 'bench:profile-start' }),
    /** How late the server's event loop ran between the two calls (ms: mean, p99, max over 5 ms timers). */
    loopDelayStart: () => ask(server, { type: 'bench:loop-start' }),
    loopDelayStop: async () => (await ask(server, { type: 'bench:loop-stop' }))?.delay,
    profileStop: (file) => ask(server, { type: 'bench:profile-stop', file }, 60_000),
  };
}

function baseEnv() {
  const env = { ...process.env };
  // WEBHOOK_*: the plain service posts nowhere; --webhooks sets its own receiver.
  for (const key of [
    'DATABASE_URL',
    'REDIS_URL',
    'BENCH_PINNING',
    'PORT',
    'HOST',
    'NODE_OPTIONS',
    'WEBHOOK_URL',
    'WEBHOOK_SECRET',
  ])
    delete env[key];
  return env;
}

/**
 * Builds dist/ if stale and starts `node dist/main.js` with a fresh DATA_DIR (also its cwd, so no .env
 * of the work tree is read), a random JWT secret, LOG_LEVEL=warn, DATABASE_URL / REDIS_URL only
 * when given, and `env` on top (WEBHOOK_URL and WEBHOOK_SECRET for --webhooks).
 */
export async function startService({
  pinning,
  databaseUrl,
  redisUrl,
  fdLimit,
  exposeGc = false,
  workers = 1,
  jwtSecret = randomBytes(36).toString('base64url'), // 48 characters; instances of one service share it
  env: extraEnv = {},
}) {
  execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'live-chat-bench-'));
  const forget = onInterrupt(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = {
    ...baseEnv(),
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    JWT_SECRET: jwtSecret,
    // A load generator is one IP and sends far faster than a person: lift the abuse limits.
    ...Object.fromEntries(
      ['AUTH', 'MESSAGE', 'RECEIPT', 'TYPING', 'SYNC', 'HISTORY', 'SEARCH', 'UPLOAD', 'API'].map((name) => [
        `${name}_RATE_LIMIT`,
        '1000000',
      ]),
    ),
    MAX_SOCKETS_PER_USER: '10000',
    // The bench signs its users in once: a long run (100,000 idle sockets) outlasts a 15-minute token.
    ACCESS_TOKEN_TTL: '6h',
    ...extraEnv,
  };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  if (redisUrl) env.REDIS_URL = redisUrl;
  if (workers > 1) env.WORKERS = String(workers);
  const nodeArgs = [
    ...NODE_FLAGS,
    '--import',
    PROBE,
    ...(exposeGc ? ['--expose-gc'] : []),
    join(ROOT, 'dist/main.js'),
  ];
  let server;
  try {
    server = await startProcess({ name: 'service', nodeArgs, env, cwd: dataDir, pinning, fdLimit });
  } catch (error) {
    forget();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...server,
    ...probeApi(server),
    stop: async () => {
      await stopProcess(server);
      forget();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts the bare Socket.IO relay (no auth, no storage) the same way. */
export async function startRelay({ pinning, fdLimit, exposeGc = false }) {
  const nodeArgs = [...NODE_FLAGS, '--import', PROBE, ...(exposeGc ? ['--expose-gc'] : []), RELAY];
  const server = await startProcess({ name: 'relay', nodeArgs, env: baseEnv(), cwd: ROOT, pinning, fdLimit });
  return { ...server, ...probeApi(server), stop: () => stopProcess(server) };
}

/** A service started by someone else (--url), once it answers ready; CPU and RSS only with its --pid. */
export async function externalService(url, pid) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(`${url}/api/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) break;
      if (Date.now() > deadline) throw new Error(`GET ${url}/api/health/ready answers ${response.status}`);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the service at ${url} is not ready: ${error.message}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { name: 'service', url, pid, external: true, memory: async () => undefined, stop: async () => {} };
}
