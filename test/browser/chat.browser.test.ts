import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  HAS_CHROMIUM,
  SCREENSHOTS,
  sendMediaUrl,
  signUp as signUpInBrowser,
  UI_TIMEOUT,
  useBrowser,
} from './browser.js';
import { DESKTOP } from './devices.js';

const YOUTUBE = 'https://www.youtube.com/watch?v=XOgZo66gKQA';
const AUDIO_URL = 'https://media.example.com/voice/hello.mp3';

const suite = useBrowser();

function signUp(name: string): Promise<{ page: Page; email: string }> {
  return signUpInBrowser(suite.browser, suite.app.baseUrl, name, suite.contexts, DESKTOP);
}

function shot(page: Page, name: string) {
  return page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}

describe.skipIf(!HAS_CHROMIUM)('web client in a browser', () => {
  it('two people chat live: text, a video and audio, with typing, delivery and read ticks', async () => {
    const suffix = randomBytes(3).toString('hex');
    const aliceName = `Alice ${suffix}`;
    const bobName = `Bob ${suffix}`;
    const { page: alice } = await signUp(aliceName);
    const { page: bob } = await signUp(bobName);
    await shot(bob, 'chat-01-signed-in.png');

    // Alice finds Bob and opens the chat.
    await alice.getByLabel('Find people').fill(bobName);
    await alice.getByRole('button', { name: `Start chat with ${bobName}` }).click();
    await expect.poll(() => alice.locator('#peer-name').textContent()).toBe(bobName);

    // Typing shows on Bob's side (in his chat list, since the chat is new to him, then in the conversation).
    await alice.getByRole('textbox', { name: 'Message' }).pressSequentially('Hi Bob');
    await bob.getByRole('button', { name: new RegExp(`^Chat with ${aliceName}`) }).waitFor();
    await bob.getByText('typing…').waitFor();
    await alice
      .getByRole('textbox', { name: 'Message' })
      .fill('Hi Bob! Here is a video and a song 🎶 <b>not bold</b>');
    await alice.getByRole('button', { name: 'Send', exact: true }).click();

    await sendMediaUrl(alice, YOUTUBE);
    await sendMediaUrl(alice, AUDIO_URL, 'AUDIO');

    // (A recorded voice note and an uploaded file: messenger.browser.test.ts.)
    await alice.locator('#messages li.message.mine').nth(2).waitFor();

    // Bob's list shows the unread badge, before he opens the chat.
    const bobChat = bob.getByRole('button', { name: `Chat with ${aliceName}, 3 unread` });
    await bobChat.waitFor();
    expect(await bobChat.locator('.badge').textContent()).toBe('3');
    await bobChat.getByRole('img', { name: 'online' }).waitFor();
    // Delivered ticks on Alice's side: Bob's device got them.
    await alice.locator('#messages li.message.mine[data-status="delivered"]').nth(2).waitFor();
    await shot(bob, 'chat-02-unread-badge.png');
    await shot(alice, 'chat-03-sender-delivered.png');

    // Bob opens the chat: everything is there, with the right players, and rendered as text.
    await bobChat.click();
    const messages = bob.locator('#messages li.message.theirs');
    await messages.nth(2).waitFor();
    expect(await messages.nth(0).locator('.content').textContent()).toBe(
      'Hi Bob! Here is a video and a song 🎶 <b>not bold</b>',
    );
    expect(await messages.nth(0).locator('b').count()).toBe(0);
    expect(await messages.nth(1).getAttribute('data-media-type')).toBe('VIDEO');
    expect(await messages.nth(1).locator('iframe').getAttribute('src')).toBe(
      'https://www.youtube-nocookie.com/embed/XOgZo66gKQA',
    );
    expect(await messages.nth(2).getAttribute('data-media-type')).toBe('AUDIO');
    expect(await messages.nth(2).locator('audio').getAttribute('src')).toBe(AUDIO_URL);
    await expect
      .poll(() =>
        bob
          .getByRole('button', { name: `Chat with ${aliceName}` })
          .locator('.badge')
          .count(),
      )
      .toBe(0);
    await shot(bob, 'chat-04-receiver-conversation.png');

    // Alice sees the read ticks; Bob answers live.
    await alice.locator('#messages li.message.mine[data-status="read"]').nth(2).waitFor();
    await bob.getByRole('textbox', { name: 'Message' }).fill('Got them all, thanks!');
    await bob.getByRole('textbox', { name: 'Message' }).press('Enter');
    await alice.locator('#messages li.message.theirs').getByText('Got them all, thanks!').waitFor();
    await bob.locator('#messages li.message.mine[data-status="read"]').waitFor();
    await shot(alice, 'chat-05-sender-read-ticks.png');
  });

  it('loads older history as the conversation scrolls up, and catches up after a reload', async () => {
    const { page: carol } = await signUp(`Carol ${randomBytes(3).toString('hex')}`);
    const daveName = `Dave ${randomBytes(3).toString('hex')}`;
    const { page: dave } = await signUp(daveName);
    await carol.getByLabel('Find people').fill(daveName);
    await carol.getByRole('button', { name: `Start chat with ${daveName}` }).click();
    await expect.poll(() => carol.locator('#peer-name').textContent()).toBe(daveName);
    // 70 messages through the page's own socket: more than two pages of history.
    // (A string: this file is typed for Node, the function runs in the page.)
    await carol.evaluate(`(async () => {
      const input = document.querySelector('#message-input');
      const form = document.querySelector('#composer');
      for (let i = 1; i <= 70; i++) {
        input.value = 'message ' + i;
        form.requestSubmit();
        await new Promise((resolve) => {
          const check = () => (input.value === '' ? resolve() : setTimeout(check, 5));
          check();
        });
      }
    })()`);
    await carol.locator('#messages li.message').getByText('message 70', { exact: true }).waitFor();

    await dave.reload();
    await dave.getByRole('button', { name: /^Chat with Carol/ }).click();
    const list = dave.locator('#messages');
    await list.getByText('message 70', { exact: true }).waitFor();
    expect(await list.locator('li.message').count()).toBeLessThan(70);
    // Scroll to the top until the first message is there.
    await expect
      .poll(
        async () => {
          await list.evaluate((el) => {
            el.scrollTop = 0;
            el.dispatchEvent(new Event('scroll'));
          });
          return list.locator('li.message').count();
        },
        { timeout: UI_TIMEOUT },
      )
      .toBe(70);
    expect(await list.locator('li.message .content').first().textContent()).toBe('message 1');
    await shot(dave, 'chat-06-history-scrolled-up.png');
  });
});
