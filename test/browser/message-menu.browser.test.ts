import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  buildWebIfStale,
  HAS_CHROMIUM,
  launchChromium,
  online,
  SCREENSHOTS,
  signUp as signUpInBrowser,
  UI_TIMEOUT,
} from './browser.js';
import { PHONE } from './devices.js';

// The app's clock stands still unless the test moves it: a short window is cheap to pass.
const EDIT_WINDOW_MS = 60_000;

let app: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  buildWebIfStale();
  app = await startTestApp({ env: { MESSAGE_EDIT_WINDOW: `${EDIT_WINDOW_MS / 1000}s` } });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await app?.close();
}, 120_000);

function signUp(name: string): Promise<Page> {
  return signUpInBrowser(browser, app.baseUrl, name, contexts, PHONE).then(({ page }) => page);
}

/** Another device of the same person: a browser of its own, with the session of `page`. */
async function secondDevice(page: Page): Promise<Page> {
  // (Strings: this file is typed for Node, these run in the page.)
  const session = await page.evaluate<string | null>("localStorage.getItem('live-chat.session')");
  const context = await browser.newContext(PHONE);
  contexts.push(context);
  await context.addInitScript(`localStorage.setItem('live-chat.session', ${JSON.stringify(session)})`);
  const device = await context.newPage();
  device.setDefaultTimeout(UI_TIMEOUT);
  await device.goto(app.baseUrl);
  await online(device);
  return device;
}

function shot(page: Page, name: string) {
  return page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}

async function send(page: Page, text: string): Promise<string> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  // Stored by the service: no longer pending, with its own id.
  const mine = page
    .locator('#messages li.message.mine:not([data-pending])')
    .filter({ has: page.locator('p.content', { hasText: text }) });
  await mine.waitFor();
  return (await mine.getAttribute('data-id'))!;
}

const message = (page: Page, id: string) => page.locator(`#messages li.message[data-id="${id}"]`);

/** Opens a message's menu (by a tap: the phone way) and picks an item. */
async function choose(
  page: Page,
  id: string,
  item: string,
  role: 'menuitem' | 'menuitemcheckbox' = 'menuitem',
) {
  await message(page, id).getByRole('button', { name: 'Message actions' }).tap();
  const menu = page.getByRole('menu', { name: 'Message actions' });
  await menu.waitFor();
  await menu.getByRole(role, { name: item, exact: true }).click();
  await menu.waitFor({ state: 'detached' });
}

const chip = (page: Page, id: string, name: string) =>
  message(page, id).getByRole('button', { name, exact: true });

describe.skipIf(!HAS_CHROMIUM)('web client: the message menu on a phone', () => {
  it('replies, edits, reacts and deletes, for everyone and for oneself, live on both sides', async () => {
    const suffix = randomBytes(3).toString('hex');
    const aliceName = `Alice ${suffix}`;
    const bobName = `Bob ${suffix}`;
    const alice = await signUp(aliceName);
    const bob = await signUp(bobName);
    // Bob has a second device, signed in too.
    const bobTablet = await secondDevice(bob);

    await alice.getByLabel('Find people').fill(bobName);
    await alice.getByRole('button', { name: `Start chat with ${bobName}` }).click();
    await expect.poll(() => alice.locator('#peer-name').textContent()).toBe(bobName);
    const question = await send(alice, 'Are you coming tonight?');
    const party = await send(alice, 'Party starts at 8 tonite');
    const meme = await send(alice, 'Meme of the day: <b>not bold</b>');

    for (const page of [bob, bobTablet]) {
      await page.getByRole('button', { name: new RegExp(`^Chat with ${aliceName}`) }).click();
      await message(page, meme).waitFor();
    }

    // Reply: the bar above the composer, then the quote in the sent message, on both sides.
    await choose(bob, party, 'Reply');
    const bar = bob.locator('#composer-context');
    await bar.waitFor();
    expect(await bar.textContent()).toContain(`Replying to ${aliceName}`);
    expect(await bar.textContent()).toContain('Party starts at 8 tonite');
    await shot(bob, 'menu-01-replying.png');
    const answer = await send(bob, 'Great, I’ll be there');
    await bar.waitFor({ state: 'hidden' });
    const bobQuote = message(bob, answer).locator('.reply-quote');
    expect(await bobQuote.locator('.reply-name').textContent()).toBe(aliceName);
    expect(await bobQuote.locator('.reply-text').textContent()).toBe('Party starts at 8 tonite');
    const aliceQuote = message(alice, answer).locator('.reply-quote');
    await aliceQuote.waitFor();
    expect(await aliceQuote.locator('.reply-name').textContent()).toBe('You');
    // The quote leads to the original.
    await aliceQuote.click();
    await alice.locator(`#messages li.message.flash[data-id="${party}"]`).waitFor();

    // Edit: the text goes to the composer, "Save" sends it; the other side sees the new text, marked
    // edited, and the quote of the reply follows.
    await choose(alice, party, 'Edit');
    const input = alice.getByRole('textbox', { name: 'Message' });
    expect(await input.inputValue()).toBe('Party starts at 8 tonite');
    await alice.getByText('Editing message').waitFor();
    await input.fill('Party starts at 8 tonight');
    await alice.getByRole('button', { name: 'Save', exact: true }).click();
    await alice.getByRole('button', { name: 'Send', exact: true }).waitFor();
    for (const page of [bob, alice]) {
      await expect
        .poll(() => message(page, party).locator('p.content').textContent())
        .toBe('Party starts at 8 tonight');
      await message(page, party).locator('.edited').waitFor();
      await expect
        .poll(() => message(page, answer).locator('.reply-text').textContent())
        .toBe('Party starts at 8 tonight');
    }
    expect(await input.inputValue()).toBe('');

    // React: Bob's 👍 shows on Alice's side with its count; Alice adds hers from the chip; Bob's own chip
    // takes his off again.
    await choose(bob, question, 'React with 👍', 'menuitemcheckbox');
    await chip(alice, question, '👍 1').waitFor();
    expect(await chip(alice, question, '👍 1').getAttribute('aria-pressed')).toBe('false');
    expect(await chip(bob, question, '👍 1').getAttribute('aria-pressed')).toBe('true');
    await chip(alice, question, '👍 1').click();
    await chip(bob, question, '👍 2').waitFor();
    await chip(bobTablet, question, '👍 2').waitFor();
    await shot(bob, 'menu-02-reactions.png');
    await chip(bob, question, '👍 2').tap();
    await chip(alice, question, '👍 1').waitFor();
    expect(await chip(alice, question, '👍 1').getAttribute('aria-pressed')).toBe('true');
    await shot(alice, 'menu-03-edited-and-reacted.png');

    // At most 3 reactions of one person on a message: a fourth is refused with a notice.
    for (const emoji of ['❤️', '😂', '😮']) {
      await choose(bob, question, `React with ${emoji}`, 'menuitemcheckbox');
      await chip(bob, question, `${emoji} 1`).waitFor();
    }
    await choose(bob, question, 'React with 😢', 'menuitemcheckbox');
    await bob.getByText('No more reactions fit on that message').waitFor();

    // Delete for everyone: the newest message, so the chat list's preview changes too.
    const oops = await send(alice, 'Oops, wrong chat');
    await message(bob, oops).waitFor();
    await choose(alice, oops, 'Delete for everyone');
    for (const page of [bob, bobTablet, alice]) {
      await message(page, oops).getByText('This message was deleted').waitFor();
      expect(await message(page, oops).getAttribute('data-deleted')).toBe('true');
      expect(await message(page, oops).locator('p.content').isVisible()).toBe(false);
    }
    await shot(bob, 'menu-04-deleted-for-everyone.png');
    // On the phone's chat list, the preview says so too.
    await bobTablet.getByRole('button', { name: 'Back to chats' }).click();
    const chatItem = bobTablet.getByRole('button', { name: new RegExp(`^Chat with ${aliceName}`) });
    await chatItem.getByText('This message was deleted').waitFor();
    await shot(bobTablet, 'menu-05-chat-list-preview.png');
    await chatItem.click();
    await message(bobTablet, meme).waitFor();

    // Delete for me: gone from both of Bob's devices, still there for Alice.
    await choose(bob, meme, 'Delete for me');
    await message(bob, meme).waitFor({ state: 'detached' });
    await message(bobTablet, meme).waitFor({ state: 'detached' });
    expect(await message(alice, meme).locator('p.content').textContent()).toBe(
      'Meme of the day: <b>not bold</b>',
    );
    // Others' messages offer no edit and no delete for everyone.
    await message(bob, question).getByRole('button', { name: 'Message actions' }).tap();
    const menu = bob.getByRole('menu', { name: 'Message actions' });
    await menu.waitFor();
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['Reply', 'Delete for me']);
    await shot(bob, 'menu-06-menu-on-phone.png');
    await bob.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    await shot(bob, 'menu-07-deleted-for-me.png');

    // What changes while a device is offline reaches it through sync when it reconnects: a reaction, and
    // an edit (with the quote of the reply to it).
    await bobTablet.context().setOffline(true);
    await expect.poll(() => bobTablet.locator('#connection').textContent()).not.toBe('online');
    await chip(alice, question, '😂 1').click();
    await choose(alice, party, 'Edit');
    await input.fill('Party starts at 9 tonight');
    await input.press('Enter');
    await expect
      .poll(() => message(bob, answer).locator('.reply-text').textContent())
      .toBe('Party starts at 9 tonight');
    await chip(bob, question, '😂 2').waitFor();
    await bobTablet.context().setOffline(false);
    await online(bobTablet);
    await chip(bobTablet, question, '😂 2').waitFor();
    await expect
      .poll(() => message(bobTablet, party).locator('p.content').textContent())
      .toBe('Party starts at 9 tonight');
    await expect
      .poll(() => message(bobTablet, answer).locator('.reply-text').textContent())
      .toBe('Party starts at 9 tonight');

    // From the keyboard: Enter opens the menu on its first item, arrows move, Escape goes back to the button.
    const actions = message(bob, answer).getByRole('button', { name: 'Message actions' });
    await actions.focus();
    await bob.keyboard.press('Enter');
    await menu.waitFor();
    expect(await actions.getAttribute('aria-expanded')).toBe('true');
    const focused = () =>
      bob.evaluate<string | null>(
        "document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? null",
      );
    expect(await focused()).toBe('React with 👍');
    await bob.keyboard.press('End');
    expect(await focused()).toBe('Delete for me');
    await bob.keyboard.press('ArrowDown');
    expect(await focused()).toBe('React with 👍');
    await bob.keyboard.press('ArrowUp');
    await bob.keyboard.press('ArrowUp');
    expect(await focused()).toBe('Delete for everyone');
    await bob.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(await focused()).toBe('Message actions');
    expect(await actions.getAttribute('aria-expanded')).toBe('false');

    // Past the edit window, an edit is refused with a notice, and the text stays as it was.
    app.clock.advance(EDIT_WINDOW_MS + 1000);
    await choose(alice, question, 'Edit');
    await input.fill('Are you coming tomorrow?');
    await input.press('Enter');
    await alice.getByText('Too late: a message can be edited or deleted for everyone only').waitFor();
    expect(await message(alice, question).locator('p.content').textContent()).toBe('Are you coming tonight?');
    await shot(alice, 'menu-08-edit-window-expired.png');
  });
});
