import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  expectNoHorizontalOverflow,
  HAS_CHROMIUM,
  SCREENSHOTS,
  sendMediaUrl,
  signUp,
  UI_TIMEOUT,
  useBrowser,
  widthOf,
} from './browser.js';
import { DESKTOP, PHONE } from './devices.js';

const YOUTUBE = 'https://www.youtube.com/watch?v=XOgZo66gKQA';
// The service's default: how long a user may be away before being announced offline.
const PRESENCE_GRACE_MS = 5000;
const VOICE_FILE = join('test', 'fixtures', 'media', 'voice.ogg');

const suite = useBrowser();

const SIZES: [string, BrowserContextOptions][] = [
  ['phone', PHONE],
  ['desktop', DESKTOP],
];

describe.skipIf(!HAS_CHROMIUM).each(SIZES)('the web client on a %s', (size, device) => {
  const phone = size === 'phone';
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `${size}-${name}.png`), fullPage: true });
  const mine = (page: Page) => page.locator('#messages li.message.mine:not([data-pending])');
  const theirs = (page: Page) => page.locator('#messages li.message.theirs');

  async function send(page: Page, text: string): Promise<void> {
    await page.getByRole('textbox', { name: 'Message' }).fill(text);
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await mine(page).filter({ hasText: text }).waitFor();
  }

  /** Opens a message's menu and picks an item. */
  async function choose(page: Page, bubble: ReturnType<Page['locator']>, item: string, checkbox = false) {
    await bubble.getByRole('button', { name: 'Message actions' }).click();
    const menu = page.getByRole('menu', { name: 'Message actions' });
    await menu.getByRole(checkbox ? 'menuitemcheckbox' : 'menuitem', { name: item, exact: true }).click();
    await menu.waitFor({ state: 'detached' });
  }

  it('signs up on a screen of its own, saying what is wrong with each field', async () => {
    const context = await suite.browser.newContext(device);
    suite.contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT);
    await page.goto(suite.app.baseUrl);
    await page.getByRole('heading', { name: 'Sign in to live-chat' }).waitFor();
    await expectNoHorizontalOverflow(page);
    await shot(page, 'sign-in');
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill('not an email');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByText('Tell people what to call you.').waitFor();
    await page.getByText('That does not look like an email address.').waitFor();
    await page.getByText('Use at least 8 characters.').waitFor();
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    await expectNoHorizontalOverflow(page);
    await shot(page, 'sign-up-errors');
  });

  it('two people exchange text, media, a file, a voice note, replies, edits, reactions, deletes and a group', async () => {
    const suffix = randomBytes(3).toString('hex');
    const aliceName = `Alice ${suffix}`;
    const bobName = `Bob ${suffix}`;
    const { page: alice } = await signUp(suite.browser, suite.app.baseUrl, aliceName, suite.contexts, device);
    const { page: bob } = await signUp(suite.browser, suite.app.baseUrl, bobName, suite.contexts, device);

    await alice.getByLabel('Find people').fill(bobName);
    await alice.getByRole('button', { name: `Start chat with ${bobName}` }).click();
    await expect.poll(() => alice.locator('#peer-name').textContent()).toBe(bobName);
    // One pane at a time on a phone, and that pane takes the whole width; two panes on a desktop.
    const conversationWidth = await widthOf(alice, '.conversation');
    if (phone) {
      expect(conversationWidth).toBeGreaterThanOrEqual(389);
      expect(await alice.locator('.sidebar').isVisible()).toBe(false);
    } else {
      expect(await alice.locator('.sidebar').isVisible()).toBe(true);
      expect(conversationWidth).toBeGreaterThan(600);
    }

    // Text (never HTML), two of them in a row: one group of bubbles.
    await send(alice, 'Hi Bob! <b>not bold</b>');
    await send(alice, 'Here come a video, a song and my voice');
    expect(await mine(alice).nth(1).getAttribute('class')).toContain('continues');
    await sendMediaUrl(alice, YOUTUBE, 'VIDEO');
    await mine(alice).nth(2).waitFor();
    // A file from the attach menu, uploaded with its progress bar, then sent.
    const chooser = alice.waitForEvent('filechooser');
    await alice.getByRole('button', { name: 'Attach' }).click();
    await alice.getByRole('menuitem', { name: 'Upload a file' }).click();
    await (await chooser).setFiles(VOICE_FILE);
    await mine(alice).nth(3).locator('audio').waitFor();
    // A voice note from the (fake) microphone.
    await alice.getByRole('button', { name: 'Attach' }).click();
    await alice.getByRole('menuitem', { name: 'Record voice note' }).click();
    await alice.getByRole('button', { name: 'Stop and send' }).click();
    await mine(alice).nth(4).locator('audio').waitFor();
    await mine(alice).nth(4).and(alice.locator('[data-status="delivered"]')).waitFor();
    await expectNoHorizontalOverflow(alice);

    // Bob's list: the chat with its unread count.
    const chatItem = bob.getByRole('button', { name: `Chat with ${aliceName}, 5 unread` });
    await chatItem.waitFor();
    await expectNoHorizontalOverflow(bob);
    await shot(bob, 'chat-list');
    await chatItem.click();
    await theirs(bob).nth(4).waitFor();
    const first = theirs(bob).nth(0);
    expect(await first.locator('.content').textContent()).toBe('Hi Bob! <b>not bold</b>');
    expect(await first.locator('b').count()).toBe(0);
    // A direct chat says no names on its bubbles; the day and the unread start are marked.
    expect(await first.locator('.sender').isVisible()).toBe(false);
    await bob.locator('#messages .day-separator').getByText('Today').waitFor();
    await bob.locator('#messages .unread-divider').waitFor();
    expect(await theirs(bob).nth(2).locator('iframe').getAttribute('src')).toBe(
      'https://www.youtube-nocookie.com/embed/XOgZo66gKQA',
    );
    // Media without a raw URL under it.
    expect(await theirs(bob).nth(2).textContent()).not.toContain('youtube.com/watch');
    await expect
      .poll(() => theirs(bob).nth(3).locator('audio').getAttribute('src'))
      .toMatch(/\/api\/media\//);
    await theirs(bob).nth(4).locator('audio').waitFor();
    await mine(alice).nth(4).and(alice.locator('[data-status="read"]')).waitFor();
    await expectNoHorizontalOverflow(bob);
    await shot(bob, 'conversation');

    // Bob replies to the first message; Alice sees the quote.
    await choose(bob, first, 'Reply');
    await send(bob, 'Got them all');
    const reply = theirs(alice).filter({ hasText: 'Got them all' });
    expect(await reply.locator('.reply-text').textContent()).toBe('Hi Bob! <b>not bold</b>');

    // Alice edits her first message; Bob sees the new text, marked edited, and the quote follows.
    await choose(alice, mine(alice).nth(0), 'Edit');
    await alice.getByRole('textbox', { name: 'Message' }).fill('Hi Bob!');
    await alice.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => first.locator('.content').textContent()).toBe('Hi Bob!');
    await first.locator('.edited').waitFor();
    await expect
      .poll(() => mine(bob).filter({ hasText: 'Got them all' }).locator('.reply-text').textContent())
      .toBe('Hi Bob!');

    // Bob reacts; Alice sees the chip.
    await choose(bob, first, 'React with 👍', true);
    await mine(alice).nth(0).getByRole('button', { name: '👍 1', exact: true }).waitFor();

    // Alice deletes the video for everyone.
    await choose(alice, mine(alice).nth(2), 'Delete for everyone');
    await theirs(bob).nth(2).getByText('This message was deleted').waitFor();
    expect(await theirs(bob).nth(2).locator('iframe').count()).toBe(0);
    await expectNoHorizontalOverflow(alice);
    await shot(alice, 'conversation-sender');

    // A group: Alice makes it with Bob; Bob sees her message with her name.
    if (phone) await alice.getByRole('button', { name: 'Back to chats' }).click();
    await alice.getByRole('button', { name: 'New group' }).click();
    const create = alice.getByRole('dialog', { name: 'New group' });
    await create.getByRole('button', { name: 'Create group' }).click();
    await create.getByText('Give the group a title.').waitFor();
    expect(await create.getByLabel('Group title').getAttribute('aria-invalid')).toBe('true');
    await create.getByLabel('Group title').fill(`Weekend ${suffix}`);
    await create.getByLabel('Search for people to add').fill(bobName);
    await create.getByRole('button', { name: `Add ${bobName}` }).click();
    await create.getByRole('button', { name: 'Create group' }).click();
    await expect.poll(() => alice.locator('#peer-presence').textContent()).toBe('2 members');
    await send(alice, 'Hello group');
    if (phone) await bob.getByRole('button', { name: 'Back to chats' }).click();
    await bob
      .getByRole('button', { name: new RegExp(`^Group Weekend ${suffix}, 2 members, 1 unread`) })
      .click();
    const inGroup = theirs(bob).filter({ hasText: 'Hello group' });
    await inGroup.waitFor();
    expect(await inGroup.locator('.sender').textContent()).toBe(aliceName);
    expect(await inGroup.locator('.sender').isVisible()).toBe(true);
    await bob.getByRole('button', { name: 'Group info' }).click();
    const panel = bob.getByRole('dialog', { name: `Weekend ${suffix}` });
    await expect
      .poll(() => panel.getByRole('list', { name: 'Members' }).getByRole('listitem').count())
      .toBe(2);
    await shot(bob, 'group-info');
    await panel.getByRole('button', { name: 'Close group info' }).click();
    await expectNoHorizontalOverflow(bob);
    await shot(bob, 'group');
    if (phone) {
      await bob.getByRole('button', { name: 'Back to chats' }).click();
      expect(await widthOf(bob, '.sidebar')).toBeGreaterThanOrEqual(389);
      await expectNoHorizontalOverflow(bob);
      await shot(bob, 'chat-list-after');
    }

    // Bob goes away: Alice's header says when he was last seen.
    if (phone) await alice.getByRole('button', { name: 'Back to chats' }).click();
    await alice.getByRole('button', { name: new RegExp(`^Chat with ${bobName}`) }).click();
    await expect.poll(() => alice.locator('#peer-presence').textContent()).toBe(' online');
    await bob.context().close();
    // The app's clock stands still unless moved: past the grace period, Bob is announced offline.
    await expect
      .poll(() => {
        suite.app.clock.advance(PRESENCE_GRACE_MS + 1);
        return alice.locator('#peer-presence').textContent();
      })
      .toMatch(/^ last seen /);
    await shot(alice, 'last-seen');
  });
});
