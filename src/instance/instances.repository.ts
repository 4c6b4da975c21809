import type { DatabaseHandle } from '../database/database.js';

/** The `instances` table: which process holds which instance id, and which ids nobody holds any more. */
export class InstancesRepository {
  constructor(private readonly database: DatabaseHandle) {}

  /**
   * Takes `id` for `holder` when nobody holds it: never held, let go by a clean stop, or not heartbeaten
   * for `leaseSeconds` (its process died). False when a live process holds it.
   */
  async claim(id: string, holder: string, leaseSeconds: number): Promise<boolean> {
    const rows = await this.database.query(
      `INSERT INTO instances (id, holder) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, heartbeat_at = now(), started_at = now()
       WHERE instances.holder IS NULL OR instances.heartbeat_at < now() - make_interval(secs => $3)
       RETURNING id`,
      [id, holder, leaseSeconds],
    );
    return rows.length > 0;
  }

  /** Keeps the claim alive; false when `holder` no longer holds `id`. */
  async heartbeat(id: string, holder: string): Promise<boolean> {
    const rows = await this.database.query(
      `UPDATE instances SET heartbeat_at = now() WHERE id = $1 AND holder = $2 RETURNING id`,
      [id, holder],
    );
    return rows.length > 0;
  }

  /** Lets go of the id at a clean stop; the stop time stays, so presence grace counts from it. */
  async release(id: string, holder: string): Promise<void> {
    await this.database.query(
      `UPDATE instances SET holder = NULL, heartbeat_at = now() WHERE id = $1 AND holder = $2`,
      [id, holder],
    );
  }

  /** Drops ids nobody has held for `idleSeconds` and no user is recorded online under. */
  async forgetIdle(leaseSeconds: number, idleSeconds: number): Promise<void> {
    await this.database.query(
      `DELETE FROM instances i
       WHERE (i.holder IS NULL OR i.heartbeat_at < now() - make_interval(secs => $1))
         AND i.heartbeat_at < now() - make_interval(secs => $2)
         AND NOT EXISTS (SELECT FROM users u WHERE u.online_instance = i.id)`,
      [leaseSeconds, idleSeconds],
    );
  }
}
