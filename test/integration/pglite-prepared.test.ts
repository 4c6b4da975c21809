import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/database/database.js';
import { SQLSTATE } from '../../src/database/sqlstate.js';

/**
 * The hot statements name themselves so that PostgreSQL parses and plans them once per connection. On the
 * embedded database that takes statements PGlite's own `query` does not have: they must return what an
 * unnamed statement returns, fail as it fails, and never run inside another caller's transaction.
 */

const folder = mkdtempSync(join(tmpdir(), 'live-chat-prepared-'));
let handle: DatabaseHandle;

const INSERT = `INSERT INTO prepared_probe (id, tags, note)
  SELECT * FROM unnest($1::int[], $2::text[], $3::text[]) RETURNING id, note, created_at AS "createdAt"`;

beforeAll(async () => {
  handle = await openDatabase({ poolSize: 1, dataDir: folder }, pino({ level: 'silent' }));
  await handle.query(
    'CREATE TABLE prepared_probe (id int PRIMARY KEY, tags text, note text, created_at timestamptz DEFAULT now())',
  );
});

afterAll(async () => {
  await handle?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function preparedNames(): Promise<string[]> {
  const rows = await handle.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name');
  return rows.map((row) => row.name);
}

describe('named statements on the embedded database (PGlite)', () => {
  it('are prepared once and return what an unnamed statement returns, parameters of every kind included', async () => {
    const params = [
      [1, 2],
      ['a "quoted", {braced} tag', null],
      ['ünïcode ✓', "it's"],
    ];
    const named = await handle.writerQuery<{ id: number; note: string; createdAt: Date }>(
      INSERT,
      params,
      'probe',
    );
    expect(named.map(({ id, note }) => ({ id, note }))).toEqual([
      { id: 1, note: 'ünïcode ✓' },
      { id: 2, note: "it's" },
    ]);
    expect(named[0]!.createdAt).toBeInstanceOf(Date);
    const at = new Date('2026-01-02T03:04:05.678Z');
    expect(await handle.writerQuery('SELECT $1::timestamptz AS at', [at], 'at')).toEqual([{ at }]);
    expect(await preparedNames()).toEqual(['at', 'probe']);

    const again = await handle.writerQuery<{ id: number }>(INSERT, [[3], [null], [null]], 'probe');
    expect(again.map((row) => row.id)).toEqual([3]);
    expect(await preparedNames()).toEqual(['at', 'probe']);
    expect(await handle.query('SELECT id, tags, note FROM prepared_probe ORDER BY id')).toEqual([
      { id: 1, tags: 'a "quoted", {braced} tag', note: 'ünïcode ✓' },
      { id: 2, tags: null, note: "it's" },
      { id: 3, tags: null, note: null },
    ]);
  });

  it('fail with PostgreSQL’s error, and the connection and the statement work on after it', async () => {
    await expect(handle.writerQuery(INSERT, [[1], ['dup'], ['dup']], 'probe')).rejects.toMatchObject({
      code: SQLSTATE.UNIQUE_VIOLATION,
    });
    await expect(handle.writerQuery('SELECT nope FROM prepared_probe', [], 'broken')).rejects.toMatchObject({
      code: '42703',
    });
    expect(await preparedNames()).not.toContain('broken');
    await expect(handle.writerQuery('SELECT 1', [], 'probe')).rejects.toThrow('prepared with other SQL');
    expect(await handle.writerQuery<{ id: number }>(INSERT, [[4], ['x'], ['y']], 'probe')).toHaveLength(1);
    expect(await handle.query('SELECT count(*)::int AS n FROM prepared_probe')).toEqual([{ n: 4 }]);
  });

  it('wait for another caller’s transaction to end instead of running inside it', async () => {
    let insert!: Promise<{ id: number }[]>;
    let settled = false;
    const rolledBack = handle.transaction(async (query) => {
      await query('INSERT INTO prepared_probe (id) VALUES (5)');
      insert = handle.writerQuery<{ id: number }>(INSERT, [[6], ['t'], ['n']], 'probe');
      insert.then(
        () => (settled = true),
        () => (settled = true),
      );
      // Turns of the event loop in which a named statement that did not wait would run here, inside this
      // transaction, between its statements.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      await query('SELECT 1');
      throw new Error('roll back');
    });
    await expect(rolledBack).rejects.toThrow('roll back');
    expect(await insert).toEqual([expect.objectContaining({ id: 6 })]);
    expect(await handle.query('SELECT id FROM prepared_probe WHERE id IN (5, 6) ORDER BY id')).toEqual([
      { id: 6 },
    ]);
  });
});
