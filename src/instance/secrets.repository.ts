import type { DatabaseHandle } from '../database/database.js';

/** Secrets the service generated for itself, one row per name, the same for every instance. */
export class SecretsRepository {
  constructor(private readonly database: DatabaseHandle) {}

  /** The stored secret of that name; `candidate` becomes it when there is none yet (the first boot wins). */
  async getOrCreate(name: string, candidate: string): Promise<string> {
    // A second try: another instance's first boot may commit the row after this statement's snapshot.
    for (let attempt = 0; ; attempt++) {
      const value = await this.tryGetOrCreate(name, candidate);
      if (value !== undefined) return value;
      if (attempt === 1) throw new Error(`service secret ${name} could not be stored or read`);
    }
  }

  private async tryGetOrCreate(name: string, candidate: string): Promise<string | undefined> {
    const [row] = await this.database.query<{ value: string }>(
      `WITH created AS (
         INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value
       )
       SELECT value FROM created UNION ALL SELECT value FROM service_secrets WHERE name = $1
       LIMIT 1`,
      [name, candidate],
    );
    return row?.value;
  }
}
