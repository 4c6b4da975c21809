import fs, { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/database/database.js';

/**
 * "Stored before acknowledged" on the embedded default means on the disk, not in the OS's cache: a power
 * cut after the ack must not lose the message. PGlite alone never calls fsync; every commit that wrote
 * must flush the WAL before it returns.
 */

const folder = mkdtempSync(join(tmpdir(), 'live-chat-durable-'));
let handle: DatabaseHandle;
/** The files fsync was called on, while recording. */
let synced: string[] = [];

beforeAll(async () => {
  handle = await openDatabase({ poolSize: 1, dataDir: folder }, pino({ level: 'silent' }));
  await handle.query('CREATE TABLE durable_probe (n int)');
});

afterEach(() => vi.restoreAllMocks());

afterAll(async () => {
  await handle?.close();
  rmSync(folder, { recursive: true, force: true });
});

const realFsync = fs.fsyncSync;

function recordFsyncs(): void {
  synced = [];
  // A second spy on a spied method is the same spy: its implementation must call the real one.
  vi.restoreAllMocks();
  vi.spyOn(fs, 'fsyncSync').mockImplementation((fd) => {
    synced.push(readlinkSync(`/proc/self/fd/${fd}`));
    return realFsync(fd);
  });
}

describe.skipIf(process.platform !== 'linux')('the embedded database (PGlite) on disk', () => {
  it('runs PostgreSQL with fsync on, the WAL synced by fsync', async () => {
    expect(await handle.query('SHOW fsync')).toEqual([{ fsync: 'on' }]);
    expect(await handle.query('SHOW wal_sync_method')).toEqual([{ wal_sync_method: 'fsync' }]);
  });

  it('flushes the WAL to the disk before a commit that wrote returns, in named statements and the writer’s batches too', async () => {
    recordFsyncs();
    await handle.query('INSERT INTO durable_probe VALUES (1)');
    expect(synced.filter((file) => file.includes(`${join(folder, 'pglite', 'pg_wal')}/`))).toHaveLength(1);

    recordFsyncs();
    await handle.writerQuery('INSERT INTO durable_probe VALUES ($1)', [4], 'durable_probe_insert');
    expect(synced.filter((file) => file.includes(`${join(folder, 'pglite', 'pg_wal')}/`))).toHaveLength(1);

    recordFsyncs();
    await handle.writerTransaction(async (query) => {
      await query('INSERT INTO durable_probe VALUES (2)');
      await query('INSERT INTO durable_probe VALUES (3)');
    });
    expect(synced.filter((file) => file.includes('/pg_wal/'))).toHaveLength(1);
  });

  it('syncs nothing for a read', async () => {
    recordFsyncs();
    expect(await handle.query('SELECT count(*)::int AS n FROM durable_probe')).toEqual([{ n: 4 }]);
    expect(synced).toEqual([]);
  });
});
