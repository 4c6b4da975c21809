import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaFixture, uploadFile } from '../fixtures/media-files.js';
import { createUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { closeAll, connect, sendOk } from '../support/socket.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildWebIfStale, HAS_CHROMIUM, launchChromium } from './browser.js';

// A safety net for a loaded CI machine, not a speed goal.
const UI_TIMEOUT = 60_000;

let app: TestApp;
let browser: Browser;

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  buildWebIfStale();
  app = await startTestApp();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
}, 120_000);

describe.skipIf(!HAS_CHROMIUM)('web client and uploads', () => {
  it('plays an upload whose message carries the relative link the service hands out', async () => {
    const http = new HttpClient(app.baseUrl);
    const [alice, bob] = [await createUser(http), await createUser(http)];
    const upload = await uploadFile(app.baseUrl, alice.accessToken, mediaFixture('voice.ogg'));
    expect(upload.body.url).toBe(`/api/media/${upload.body.id}`);
    const socket = await connect(app.baseUrl, { token: alice.accessToken });
    try {
      await sendOk(socket, { receiverId: bob.id, content: 'a voice note', mediaUrl: upload.body.url });
    } finally {
      closeAll(socket);
    }

    // Bob is signed in already: the client keeps its session in localStorage.
    const me = (await http.get('/api/users/me', bob.accessToken)).body;
    const context = await browser.newContext();
    try {
      const session = JSON.stringify({
        accessToken: bob.accessToken,
        refreshToken: bob.refreshToken,
        user: me,
      });
      await context.addInitScript(`localStorage.setItem('live-chat.session', ${JSON.stringify(session)})`);
      const page = await context.newPage();
      page.setDefaultTimeout(UI_TIMEOUT);
      await page.goto(app.baseUrl);
      await page.getByRole('button', { name: new RegExp(`^Chat with ${alice.name}`) }).click();

      // The message comes with a player, which gets a signed link on this origin and loads the file with it.
      const message = page.locator('#messages li.message.theirs');
      await message.waitFor();
      expect(await message.getAttribute('data-media-type')).toBe('AUDIO');
      const audio = message.locator('audio');
      expect(await audio.count()).toBe(1);
      await expect
        .poll(() => audio.getAttribute('src'), { timeout: UI_TIMEOUT })
        .toMatch(new RegExp(`^${app.baseUrl}/api/media/${upload.body.id}\\?exp=\\d+&sig=[\\w-]+$`));
      await expect
        .poll(() => audio.evaluate((element) => (element as { readyState: number }).readyState), {
          timeout: UI_TIMEOUT,
        })
        .toBeGreaterThanOrEqual(1);
    } finally {
      await context.close();
    }
  });
});
