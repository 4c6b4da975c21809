import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { startProcessApp, useProcessApps } from '../support/process-app.js';

const databaseUrl = inject('databaseUrl');
const redisUrl = inject('redisUrl');

/** A checkout with the given `.env`, as the seed tells its users to write one. */
function checkoutWith(env: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'live-chat-seed-env-'));
  writeFileSync(join(folder, '.env'), env);
  return folder;
}

describe.skipIf(!databaseUrl || !redisUrl)('the seed’s .env', () => {
  const folders: string[] = [];
  const { apps } = useProcessApps(async () => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });
  it('REDIS_HOST and REDIS_PORT without REDIS_URL switch Redis on', async () => {
    const redis = new URL(redisUrl!);
    const folder = checkoutWith(`REDIS_HOST=${redis.hostname}\nREDIS_PORT=${redis.port || 6379}\n`);
    folders.push(folder);
    const app = await startProcessApp({ DATABASE_URL: databaseUrl! }, { cwd: folder });
    apps.push(app);
    const ready = await (await fetch(`${app.baseUrl}/api/health/ready`)).json();
    expect(ready).toMatchObject({ status: 'ok', redis: 'ok' });
  });

  it('names every variable it does not read in the boot log', async () => {
    const folder = checkoutWith(
      `REDIS_URL=${redisUrl}\nREDIS_HOST=elsewhere\nREDIS_PORT=6382\nREDIS_PORTT=6382\n# a comment\n`,
    );
    folders.push(folder);
    const app = await startProcessApp({ DATABASE_URL: `${databaseUrl}?schema=chat` }, { cwd: folder });
    apps.push(app);
    const log = app.output();
    expect(log).toMatch(/REDIS_HOST is ignored: REDIS_URL is set/);
    expect(log).toMatch(/REDIS_PORT is ignored: REDIS_URL is set/);
    expect(log).toMatch(/REDIS_PORTT is ignored: in \.env, but not a setting of this service/);
    expect(log).toMatch(/DATABASE_URL is ignored: \?schema=chat/);
  });
});
