import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type BootConfig, workerSuffix } from '../config/config.js';
import type { DatabaseHandle } from '../database/database.js';
import { InstancesRepository } from './instances.repository.js';

/** How long an id stays held without a heartbeat: a process that died lets go of it this long after. */
export const LEASE_SECONDS = 15;
const HEARTBEAT_MS = 5000;
// Stopped ids nobody is recorded online under are forgotten after a day.
const FORGET_AFTER_SECONDS = 86_400;

/**
 * This process's instance id, held in the database for as long as it runs, so no two running processes
 * ever share one (presence and cross-instance delivery are keyed by it), whatever their configuration.
 * A restart takes its previous id back (DATA_DIR/instance-id, or INSTANCE_ID) when no live process
 * holds it, so users who reconnect within the presence grace period never look offline.
 */
export class InstanceLease {
  private timer?: NodeJS.Timeout;
  private readonly holder = randomUUID();

  private constructor(
    private readonly instances: InstancesRepository,
    readonly id: string,
  ) {}

  /**
   * Claims the preferred id (INSTANCE_ID, else the one stored in DATA_DIR), or, when a live process holds
   * it (one folder or one INSTANCE_ID shared by several processes, or a restart within the lease of a
   * process that was killed), a new one derived from it.
   */
  static async claim(database: DatabaseHandle, boot: BootConfig, logger: Logger): Promise<InstanceLease> {
    const instances = new InstancesRepository(database);
    const preferred = boot.configuredInstanceId ?? workerSuffix(storedId(boot.dataDir));
    for (let id = preferred; ; id = `${preferred}~${randomBytes(3).toString('hex')}`) {
      const lease = new InstanceLease(instances, id);
      if (!(await lease.take())) continue;
      if (id !== preferred) {
        logger.warn(
          { instanceId: id, held: preferred },
          `instance id ${preferred} is held by another running process (a shared DATA_DIR or INSTANCE_ID): this one is ${id}`,
        );
      }
      return lease;
    }
  }

  /** Heartbeats until `release`; `onLost` runs if another process took the id over meanwhile. */
  keepAlive(logger: Logger, onLost: () => void): void {
    this.timer = setInterval(() => {
      this.instances.heartbeat(this.id, this.holder).then(
        (held) => {
          if (!held) onLost();
        },
        // An outage: the lease may lapse, but nobody else can take it while the database is away.
        (err: unknown) => logger.warn({ err }, 'instance heartbeat failed'),
      );
      this.instances
        .forgetIdle(LEASE_SECONDS, FORGET_AFTER_SECONDS)
        .catch((err: unknown) => logger.warn({ err }, 'cleaning up stopped instances failed'));
    }, HEARTBEAT_MS).unref();
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.instances.release(this.id, this.holder);
  }

  private take(): Promise<boolean> {
    return this.instances.claim(this.id, this.holder, LEASE_SECONDS);
  }
}

// The id this DATA_DIR's process used last time; several processes on one folder read the same one,
// and only one of them gets it.
function storedId(dataDir: string): string {
  const file = join(dataDir, 'instance-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const id = randomBytes(8).toString('hex');
  writeFileSync(file, id, { mode: 0o600 });
  return id;
}
