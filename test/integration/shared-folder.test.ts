import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { startProcessApp, useProcessApps } from '../support/process-app.js';

// The embedded defaults only: with DATABASE_URL and REDIS_URL, one folder serves many instances (multi-instance tests).
describe.skipIf(inject('databaseUrl'))(
  'two processes started from one folder on the embedded database',
  () => {
    const folder = mkdtempSync(join(tmpdir(), 'live-chat-checkout-'));
    const { apps } = useProcessApps(async () => rmSync(folder, { recursive: true, force: true }));

    it('the second stops at boot with a message saying what to do, and the first keeps serving', async () => {
      const first = await startProcessApp({}, { cwd: folder });
      apps.push(first);
      const user = await createUser(new HttpClient(first.baseUrl));

      const refused = await startProcessApp({}, { cwd: folder }).then(
        (second) => {
          apps.push(second);
          return 'started';
        },
        (error: Error) => error.message,
      );
      expect(refused).toMatch(/in use by another running live-chat process/);
      expect(refused).toMatch(/DATABASE_URL and REDIS_URL/);

      const http = new HttpClient(first.baseUrl);
      expect((await http.get('/api/users/me', user.accessToken)).status).toBe(200);
    });

    it('a process killed without stopping leaves the folder to the next one', async () => {
      const cwd = mkdtempSync(join(folder, 'killed-'));
      const killed = await startProcessApp({}, { cwd });
      const user = await createUser(new HttpClient(killed.baseUrl));
      await killed.stop('SIGKILL');

      const next = await startProcessApp({}, { cwd });
      apps.push(next);
      const login = await new HttpClient(next.baseUrl).post('/api/auth/login', {
        email: user.email,
        password: user.password,
      });
      expect(login.status).toBe(200);
    });
  },
);
