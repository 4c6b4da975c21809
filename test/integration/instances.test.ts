import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/common/logging/logger.js';
import { loadConfig } from '../../src/config/config.js';
import type { DatabaseHandle } from '../../src/database/database.js';
import { generatedSecret } from '../../src/instance/generated-secret.js';
import { InstanceLease, LEASE_SECONDS } from '../../src/instance/instance-lease.js';
import { PresenceRepository } from '../../src/realtime/presence.repository.js';
import { openTestDatabase } from '../support/test-database.js';

const logger = createLogger('silent');
let db: { handle: DatabaseHandle; close(): Promise<void> };
const folders: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'live-chat-instance-'));
  folders.push(dir);
  return dir;
};
const boot = (env: Record<string, string>) => loadConfig({ JWT_SECRET: 'x'.repeat(32), ...env });

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db.close();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

describe('instance ids (one per running process)', () => {
  it('two processes of one folder get two ids; a clean stop gives the id back to the next run', async () => {
    const config = boot({ DATA_DIR: folder() });
    const first = await InstanceLease.claim(db.handle, config, logger);
    const second = await InstanceLease.claim(db.handle, config, logger);
    expect(second.id).not.toBe(first.id);
    expect(second.id.startsWith(`${first.id}~`)).toBe(true);
    await first.release();
    const restarted = await InstanceLease.claim(db.handle, config, logger);
    expect(restarted.id).toBe(first.id);
    await Promise.all([second.release(), restarted.release()]);
  });

  it('one INSTANCE_ID given to two processes still makes two ids', async () => {
    const config = boot({ DATA_DIR: folder(), INSTANCE_ID: `shared-${Date.now()}` });
    const [a, b] = [
      await InstanceLease.claim(db.handle, config, logger),
      await InstanceLease.claim(db.handle, config, logger),
    ];
    expect(a.id).toBe(config.configuredInstanceId);
    expect(b.id).not.toBe(a.id);
    await Promise.all([a.release(), b.release()]);
  });

  it('an id whose holder stopped heartbeating (killed) is taken over once its lease ran out', async () => {
    const config = boot({ DATA_DIR: folder() });
    const killed = await InstanceLease.claim(db.handle, config, logger);
    await db.handle.query(
      `UPDATE instances SET heartbeat_at = now() - make_interval(secs => $2) WHERE id = $1`,
      [killed.id, LEASE_SECONDS + 1],
    );
    const next = await InstanceLease.claim(db.handle, config, logger);
    expect(next.id).toBe(killed.id);
    await next.release();
  });
});

describe('users left online by instances that stopped', () => {
  it('are found once the grace period has passed since the stop, and never those of a live instance', async () => {
    const [live, stopped] = [
      await InstanceLease.claim(db.handle, boot({ DATA_DIR: folder() }), logger),
      await InstanceLease.claim(db.handle, boot({ DATA_DIR: folder() }), logger),
    ];
    const ids: string[] = [crypto.randomUUID(), crypto.randomUUID()];
    for (const [i, id] of ids.entries()) {
      await db.handle.query(
        `INSERT INTO users (id, email, password_hash, name, online_instance) VALUES ($1, $2, 'x', 'u', $3)`,
        [id, `${id}@example.test`, [live.id, stopped.id][i]],
      );
    }
    await stopped.release();
    const presence = new PresenceRepository(db.handle);
    const found = (grace: number) =>
      presence
        .onlineOnStoppedInstances(LEASE_SECONDS, grace)
        .then((rows) => rows.filter((r) => ids.includes(r.userId)));
    // Within the grace period: its users may still come back to another instance.
    expect(await found(3600)).toEqual([]);
    expect(await found(0)).toEqual([{ userId: ids[1], instanceId: stopped.id }]);
    await live.release();
  });
});

describe('the generated JWT secret', () => {
  it('is one per database, whatever the folder, and adopts one an earlier version kept in DATA_DIR', async () => {
    const name = `test-secret-${Date.now()}`;
    const legacy = folder();
    writeFileSync(join(legacy, name), 'the-secret-of-an-earlier-version\n');
    expect(await generatedSecret(db.handle, name, legacy)).toBe('the-secret-of-an-earlier-version');
    expect(await generatedSecret(db.handle, name, folder())).toBe('the-secret-of-an-earlier-version');
    const fresh = `fresh-${name}`;
    const made = await generatedSecret(db.handle, fresh, folder());
    expect(made).toHaveLength(64);
    expect(await generatedSecret(db.handle, fresh, folder())).toBe(made);
  });
});
