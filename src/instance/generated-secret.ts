import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseHandle } from '../database/database.js';
import { SecretsRepository } from './secrets.repository.js';

/**
 * A secret the service makes for itself when none is configured, kept in the database so that every
 * instance of one deployment uses the same one (a token issued by one instance is good at all of them).
 * A secret an earlier version kept in DATA_DIR/<name> is adopted on the first boot, so its tokens stay good.
 */
export async function generatedSecret(
  database: DatabaseHandle,
  name: string,
  dataDir: string,
  make: () => string = () => randomBytes(48).toString('base64url'),
): Promise<string> {
  const legacy = join(dataDir, name);
  const candidate = existsSync(legacy) ? readFileSync(legacy, 'utf8').trim() : make();
  return new SecretsRepository(database).getOrCreate(name, candidate);
}
