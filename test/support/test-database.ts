import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createLogger } from '../../src/common/logging/logger.js';
import { type DatabaseHandle, openDatabase, runMigrations } from '../../src/database/database.js';

/** The run's real database (PostgreSQL when configured, else a fresh PGlite), migrated. */
export async function openTestDatabase(): Promise<{ handle: DatabaseHandle; close(): Promise<void> }> {
  const url = inject('databaseUrl');
  const dataDir = mkdtempSync(join(tmpdir(), 'live-chat-db-'));
  const handle = await openDatabase({ url, poolSize: 4, dataDir }, createLogger('silent'));
  await runMigrations(handle, url);
  return {
    handle,
    async close() {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
