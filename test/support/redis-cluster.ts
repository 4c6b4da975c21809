import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/** One redis-server of a test cluster, on a loopback port of its own. */
export interface ClusterNode {
  port: number;
  /** Started and not killed since. */
  alive: boolean;
  /** SIGKILL, and wait until the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on its port with its nodes.conf (its identity in the cluster); its keys are gone. */
  start(): Promise<void>;
  /** A connection to this node alone, for CLUSTER commands; closed with the cluster. */
  admin(): Redis;
}

export interface TestRedisCluster {
  masters: ClusterNode[];
  replicas: ClusterNode[];
  /** REDIS_URL for the service: every master as a seed node, separated by commas. */
  url: string;
  /** Resolves once every node given (every live one by default) says `cluster_state:<state>`. */
  waitForState(state: 'ok' | 'fail', nodes?: ClusterNode[]): Promise<void>;
  /** The master serving the hash slot of `key`, as its nodes currently agree. */
  masterOf(key: string): Promise<ClusterNode>;
  stop(): Promise<void>;
}

/** Whether this machine has the Redis binaries a test cluster needs. */
export function redisServerAvailable(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    execFileSync('redis-cli', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Safety net against a hang while the cluster forms, not a speed goal.
const FORM_TIMEOUT_MS = 60_000;

/**
 * A Redis Cluster of `masters` masters on loopback ports, without persistence (a killed node loses its
 * keys), plus one replica for each master index in `replicaOf`. `nodeTimeoutMs` is how long the others
 * wait before they call a silent node failed (and a replica takes over).
 */
export async function startRedisCluster(
  options: { masters?: number; replicaOf?: number[]; nodeTimeoutMs?: number } = {},
): Promise<TestRedisCluster> {
  const { masters: masterCount = 3, replicaOf = [], nodeTimeoutMs = 2000 } = options;
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const all: ClusterNode[] = [];
  const admins: Redis[] = [];
  const node = async (): Promise<ClusterNode> => {
    const port = await freeClusterPort(all.map((n) => n.port));
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    let log = '';
    const created: ClusterNode = {
      port,
      alive: false,
      async start() {
        log = '';
        created.alive = true;
        child = spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            String(nodeTimeoutMs),
            '--save',
            '',
            '--appendonly',
            'no',
            '--dir',
            dir,
            '--daemonize',
            'no',
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        const started = child;
        started.stdout!.on('data', (chunk) => {
          log += chunk;
        });
        started.stderr!.on('data', (chunk) => {
          log += chunk;
        });
        exited = new Promise((resolve) => started.once('exit', () => resolve()));
        await until(async () => {
          if (started.exitCode !== null) throw new Error(`redis-server on ${port} exited:\n${log}`);
          return (
            (await run('redis-cli', ['-p', String(port), 'ping']).catch(() => null))?.stdout.trim() === 'PONG'
          );
        }, `redis-server on ${port} answering`);
      },
      async kill() {
        created.alive = false;
        if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      },
      admin() {
        const admin = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
        admin.on('error', () => {});
        admins.push(admin);
        return admin;
      },
    };
    all.push(created);
    await created.start();
    return created;
  };

  const stop = async () => {
    for (const admin of admins) admin.disconnect();
    await Promise.all(all.map((n) => n.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const masters: ClusterNode[] = [];
    for (let i = 0; i < masterCount; i++) masters.push(await node());
    await run('redis-cli', [
      '--cluster',
      'create',
      ...masters.map((m) => `127.0.0.1:${m.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const cluster = {
      masters,
      replicas: [] as ClusterNode[],
      url: masters.map((m) => `redis://127.0.0.1:${m.port}`).join(','),
      waitForState: (state: 'ok' | 'fail', nodes?: ClusterNode[]) =>
        waitForState(nodes ?? all.filter((n) => n.alive), state),
      masterOf: async (key: string) => {
        const admin = masters[0]!.admin();
        const slot = await admin.cluster('KEYSLOT', key);
        // Any live node answers for the whole cluster.
        for (const candidate of all) {
          const shards = (await candidate
            .admin()
            .cluster('SLOTS')
            .catch(() => null)) as [number, number, [string, number]][] | null;
          if (!shards) continue;
          const owner = shards.find(([from, to]) => slot >= from && slot <= to)?.[2][1];
          const found = all.find((n) => n.port === owner);
          if (found) return found;
        }
        throw new Error(`no node serves the slot of ${key}`);
      },
      stop,
    };
    await waitForState(masters, 'ok');
    for (const index of replicaOf) {
      const master = masters[index]!;
      const id = String(await master.admin().cluster('MYID'));
      const replica = await node();
      await run('redis-cli', [
        '--cluster',
        'add-node',
        `127.0.0.1:${replica.port}`,
        `127.0.0.1:${master.port}`,
        '--cluster-slave',
        '--cluster-master-id',
        id,
      ]);
      cluster.replicas.push(replica);
      // A replica can take over only once it has synced with its master.
      await until(
        async () => /master_link_status:up/.test(await replica.admin().info('replication')),
        `replica on ${replica.port} in sync`,
      );
    }
    await waitForState(all, 'ok');
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitForState(nodes: ClusterNode[], state: 'ok' | 'fail'): Promise<void> {
  const admins = nodes.map((n) => n.admin());
  await until(
    async () => {
      const infos = await Promise.all(admins.map((a) => a.cluster('INFO').catch(() => '')));
      return infos.every((info) => String(info).includes(`cluster_state:${state}`));
    },
    `cluster_state:${state} on ports ${nodes.map((n) => n.port).join(', ')}`,
  );
}

/** Polls `condition` until it holds; fails after the safety net. */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + FORM_TIMEOUT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A port free on loopback whose cluster bus port (the port + 10000) is free too. */
async function freeClusterPort(taken: number[]): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.includes(port) || taken.includes(port + 10_000) || taken.includes(port - 10_000)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
