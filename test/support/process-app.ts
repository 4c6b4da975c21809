import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { UNLIMITED } from './limits.js';
import { type ClientSocket, closeAll } from './socket.js';

export interface ProcessApp {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * For a suite that runs the service as processes: dist/ is built before it; after it every socket in
 * `sockets` is closed, every process in `apps` killed, and then `cleanup` runs.
 */
export function useProcessApps(cleanup?: () => Promise<unknown>): {
  apps: ProcessApp[];
  sockets: ClientSocket[];
} {
  const apps: ProcessApp[] = [];
  const sockets: ClientSocket[] = [];
  beforeAll(() => buildOnce());
  afterAll(async () => {
    closeAll(...sockets);
    await Promise.all(apps.map((app) => app.stop('SIGKILL')));
    await cleanup?.();
  });
  return { apps, sockets };
}

/** Builds dist/ if the sources changed, so the processes run the code under test. */
export function buildOnce(): void {
  execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const MAIN = resolve('dist/main.js');

/**
 * The real service as its own process (`node dist/main.js`), for restarts, signals and several instances.
 * Each gets a DATA_DIR of its own, unless it runs in `cwd`: then it uses `./data` there, as `npm start`
 * does, and several started in one `cwd` share that folder as several instances from one checkout do.
 */
export async function startProcessApp(
  env: Record<string, string>,
  options: { cwd?: string } = {},
): Promise<ProcessApp> {
  const port = await freePort();
  const dataDir = options.cwd ? undefined : mkdtempSync(join(tmpdir(), 'live-chat-proc-'));
  let log = '';
  const child = spawn(process.execPath, [MAIN], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: String(port),
      ...(dataDir ? { DATA_DIR: dataDir } : {}),
      LOG_LEVEL: 'warn',
      ...UNLIMITED,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => {
    log += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    log += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (dataDir) void exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`service exited during boot:\n${log}`);
    const ready = await fetch(`${baseUrl}/api/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (attempt > 300) {
      child.kill('SIGKILL');
      throw new Error(`service did not become ready:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    baseUrl,
    output: () => log,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
