import { describe, expect, it } from 'vitest';
import { createUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { startTestApp } from '../support/test-app.js';

describe('restart', () => {
  it('keeps accounts: a user registered before a restart logs in after it', async () => {
    const first = await startTestApp();
    const user = await createUser(new HttpClient(first.baseUrl));
    await first.close({ keepData: true });

    const second = await startTestApp({ dataDir: first.dataDir });
    try {
      const http = new HttpClient(second.baseUrl);
      const login = await http.post('/api/auth/login', { email: user.email, password: user.password });
      expect(login.status).toBe(200);
      expect(login.body.user.id).toBe(user.id);
      // Tokens issued before the restart are still good.
      expect((await http.get('/api/users/me', user.accessToken)).status).toBe(200);
    } finally {
      await second.close();
    }
  });
});
