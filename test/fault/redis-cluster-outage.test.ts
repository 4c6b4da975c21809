import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it, onTestFailed } from 'vitest';
import { createUser, type TestUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { type ProcessApp, startProcessApp, useProcessApps } from '../support/process-app.js';
import {
  type ClusterNode,
  redisServerAvailable,
  startRedisCluster,
  type TestRedisCluster,
} from '../support/redis-cluster.js';
import { type ClientSocket, connect, type SendAck } from '../support/socket.js';
import { inbox } from './inbox.js';
import { condensedLog } from './log-summary.js';

const databaseUrl = inject('databaseUrl');
const required = process.env.REQUIRE_REDIS_CLUSTER === '1';
const available = redisServerAvailable();
if (databaseUrl && !available && !required)
  console.warn('redis-server is not installed: the Redis Cluster outage tests are skipped');

// Safety net, not an expectation of speed.
const WAIT_MS = 30_000;

/**
 * Two instances on a Redis Cluster of their own. The instance ids and the key prefix are chosen so that
 * instance one's delivery channel and the locator's hash tag both live on the first master: losing it
 * cuts what realtime needs, whether or not the cluster as a whole goes down.
 */
async function twoInstances(cluster: TestRedisCluster, apps: ProcessApp[]) {
  const target = cluster.masters[0]!;
  const pick = async (name: (candidate: string) => string) => {
    for (;;) {
      const candidate = randomBytes(4).toString('hex');
      if ((await cluster.masterOf(name(candidate))) === target) return candidate;
    }
  };
  const prefix = `rc${await pick((p) => `{rc${p}:locator}`)}`;
  const oneId = `one-${await pick((id) => `${prefix}:deliver:one-${id}`)}`;
  const shared = {
    DATABASE_URL: databaseUrl!,
    REDIS_URL: cluster.url,
    REDIS_CLUSTER: 'true',
    REDIS_PREFIX: prefix,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    PRESENCE_GRACE_MS: '500',
    LOG_LEVEL: 'info',
  };
  const [one, two] = await Promise.all([
    startProcessApp({ ...shared, INSTANCE_ID: oneId }),
    startProcessApp({ ...shared, INSTANCE_ID: `two-${randomBytes(4).toString('hex')}` }),
  ]);
  apps.push(one, two);
  onTestFailed(() =>
    console.log(
      `--- instance one, condensed ---\n${condensedLog(one.output())}\n--- instance two, condensed ---\n${condensedLog(two.output())}`,
    ),
  );
  expect(one.output(), 'the service says it runs on a cluster').toContain('Redis Cluster at');
  return { one, two, target };
}

async function sendOnce(socket: ClientSocket, receiverId: string, content: string): Promise<SendAck | null> {
  return (await socket
    .timeout(WAIT_MS)
    .emitWithAck('chat:message_send', { receiverId, content })
    .catch(() => null)) as SendAck | null;
}

type Receiver = ReturnType<typeof inbox>;

/**
 * Sends until a message is both accepted and received, as a client retrying while the service recovers:
 * each try waits for the receiver's event until the next try is due.
 */
async function sendUntilDelivered(from: ClientSocket, user: TestUser, to: Receiver): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (let attempt = 0; Date.now() < deadline; attempt++) {
    const ack = await sendOnce(from, user.id, `attempt ${attempt}`);
    if (ack?.ok && (await to.waitFor(ack.message.id, 2000))) return;
  }
  throw new Error('no message got through');
}

const readiness = async (app: ProcessApp) => (await fetch(`${app.baseUrl}/api/health/ready`)).status;

describe.skipIf(!databaseUrl || (!available && !required))(
  'instances on a Redis Cluster losing a master',
  () => {
    const clusters: TestRedisCluster[] = [];
    const { apps, sockets } = useProcessApps(() => Promise.all(clusters.map((c) => c.stop())));

    async function start(options: Parameters<typeof startRedisCluster>[0]) {
      const cluster = await startRedisCluster(options);
      clusters.push(cluster);
      return cluster;
    }

    async function users(one: ProcessApp, two: ProcessApp) {
      const http = new HttpClient(one.baseUrl);
      const [a, b] = [await createUser(http, { name: 'A' }), await createUser(http, { name: 'B' })];
      const a1 = await connect(one.baseUrl, { token: a.accessToken });
      const b2 = await connect(two.baseUrl, { token: b.accessToken });
      sockets.push(a1, b2);
      return { a, b, a1, b2, aInbox: inbox(a1) };
    }

    it('without a replica: realtime fails with SERVICE_UNAVAILABLE, nothing hangs or crashes, and it recovers when the master is back', async () => {
      const cluster = await start({});
      const { one, two, target } = await twoInstances(cluster, apps);
      const { a, b, a1, b2, aInbox } = await users(one, two);
      const first = await sendOnce(b2, a.id, 'before the outage');
      if (!first?.ok) throw new Error(`the first send failed: ${JSON.stringify(first)}`);
      expect(await aInbox.waitFor(first.message.id, WAIT_MS), 'delivered before the outage').toBe(true);
      const chatId = first.message.chatId;

      await target.kill();
      const survivors = cluster.masters.filter((m) => m !== target);
      // Every master refuses every command once the cluster knows a slot range has no master.
      await cluster.waitForState('fail', survivors);
      expect([await readiness(one), await readiness(two)], 'not ready while a master is missing').toEqual([
        503, 503,
      ]);
      // Typing needs Redis: refused with the catalog's error, not left unanswered or INTERNAL. (Each of its
      // Redis commands is refused only after the client's retries: the wait is the safety net's.)
      const typing = (await b2
        .timeout(WAIT_MS)
        .emitWithAck('chat:typing', { chatId, isTyping: true })) as unknown as {
        ok: boolean;
        error?: { code: string };
      };
      expect(typing.ok ? 'ok' : typing.error?.code, 'typing while a master is missing').toBe(
        'SERVICE_UNAVAILABLE',
      );
      // A send is answered: stored (then found through sync), or refused as unavailable.
      const during = await sendOnce(b2, a.id, 'during the outage');
      expect(during === null ? 'no ack' : during.ok ? 'ok' : during.error.code).toMatch(
        /^(ok|SERVICE_UNAVAILABLE)$/,
      );
      // So is a connection made meanwhile.
      const late = await connect(one.baseUrl, { token: a.accessToken });
      sockets.push(late);

      await target.start();
      await cluster.waitForState('ok');
      await expect.poll(async () => [await readiness(one), await readiness(two)]).toEqual([200, 200]);
      // Cross-instance delivery resumes, both ways, for sockets connected before and during the outage.
      await sendUntilDelivered(b2, a, aInbox);
      await sendUntilDelivered(b2, a, inbox(late));
      await sendUntilDelivered(a1, b, inbox(b2));
      expect([one.child.exitCode, two.child.exitCode], 'both processes alive').toEqual([null, null]);
    });

    it('with a replica: the replica takes over and messages keep being delivered across instances', async () => {
      const cluster = await start({ replicaOf: [0] });
      const { one, two, target } = await twoInstances(cluster, apps);
      const { a, b, a1, b2, aInbox } = await users(one, two);
      await sendUntilDelivered(b2, a, aInbox);

      await target.kill();
      const replica = cluster.replicas[0] as ClusterNode;
      await expect
        .poll(async () => /role:master/.test(await replica.admin().info('replication')), { timeout: WAIT_MS })
        .toBe(true);
      await cluster.waitForState('ok');

      // Sockets that were connected all along are served by the new master, both ways.
      await sendUntilDelivered(b2, a, aInbox);
      await sendUntilDelivered(a1, b, inbox(b2));
      // The locator's entries were replicated: a user who connects now is found from the other instance.
      const c = await createUser(new HttpClient(two.baseUrl), { name: 'C' });
      const c2 = await connect(two.baseUrl, { token: c.accessToken });
      sockets.push(c2);
      await sendUntilDelivered(a1, c, inbox(c2));
      await expect.poll(async () => [await readiness(one), await readiness(two)]).toEqual([200, 200]);
      expect([one.child.exitCode, two.child.exitCode], 'both processes alive').toEqual([null, null]);
    });
  },
);
