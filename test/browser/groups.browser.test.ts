import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, type TestUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
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

let app: TestApp;
let http: HttpClient;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  buildWebIfStale();
  app = await startTestApp();
  http = new HttpClient(app.baseUrl);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await app?.close();
}, 120_000);

/** A person made over the REST API signs in on a phone of their own. */
async function signIn(user: TestUser): Promise<Page> {
  const context = await browser.newContext(PHONE);
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  await page.goto(app.baseUrl);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await online(page);
  return page;
}

function shot(page: Page, name: string) {
  return page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}

/** The access token of the person signed in on `page` (a string: this file is typed for Node). */
async function tokenOf(page: Page): Promise<string> {
  const session = await page.evaluate<string | null>("localStorage.getItem('live-chat.session')");
  return (JSON.parse(session ?? '{}') as { accessToken: string }).accessToken;
}

const systemMessages = (page: Page, event: string) =>
  page.locator(`#messages li.message.system[data-event="${event}"]`);

/** Opens a person's menu (by a tap) and picks an item. */
async function choose(page: Page, person: string, item: string) {
  await page.getByRole('button', { name: `Options for ${person}`, exact: true }).tap();
  await page.getByRole('menu', { name: `Actions for ${person}` }).waitFor();
  await page.getByRole('menuitem', { name: item, exact: true }).tap();
}

describe.skipIf(!HAS_CHROMIUM)('web client: groups and blocking on a phone', () => {
  it('creates a group, chats in it, adds and removes people with system messages, blocks and unblocks', async () => {
    const suffix = randomBytes(3).toString('hex');
    const { page: ann } = await signUpInBrowser(browser, app.baseUrl, `Ann ${suffix}`, contexts, PHONE);
    const bob = await createUser(http, { name: `Bob ${suffix}` });
    const cara = await createUser(http, { name: `Cara ${suffix}` });
    const dan = await createUser(http, { name: `Dan ${suffix}` });
    const bobPage = await signIn(bob);
    const title = `Trip <i>${suffix}</i>`;

    // Ann makes a group: Bob found by name, Cara by her user id.
    await ann.getByRole('button', { name: 'New group' }).tap();
    const create = ann.getByRole('dialog', { name: 'New group' });
    await create.getByLabel('Group title').fill(title);
    const find = create.getByLabel('Search for people to add');
    await find.fill(bob.name);
    await create.getByRole('button', { name: `Add ${bob.name}` }).tap();
    await find.fill(cara.id);
    await create.getByRole('button', { name: `Add User ${cara.id.slice(0, 8)}` }).tap();
    await create.getByRole('list', { name: 'Chosen people' }).getByText(bob.name).waitFor();
    await shot(ann, 'groups-01-new-group.png');
    await create.getByRole('button', { name: 'Create group' }).tap();

    // The group opens: its title as text, 3 members, the "created" notice, and a message from Ann.
    await expect.poll(() => ann.locator('#peer-name').textContent()).toBe(title);
    await expect.poll(() => ann.locator('#peer-presence').textContent()).toBe('3 members');
    await systemMessages(ann, 'created').waitFor();
    expect(await ann.locator('#peer-name i').count()).toBe(0);
    expect(await systemMessages(ann, 'created').getByRole('button').count()).toBe(0);
    await ann.getByRole('textbox', { name: 'Message' }).fill('Hello all <b>not bold</b>');
    await ann.getByRole('textbox', { name: 'Message' }).press('Enter');
    await ann.locator('#messages li.message.mine').getByText('Hello all <b>not bold</b>').waitFor();

    // Bob's list shows the group: 3 members, 1 unread (system messages are never unread); in it, Ann's message with her name.
    const bobGroup = bobPage.getByRole('button', { name: /^Group Trip .*, 3 members, 1 unread$/ });
    await bobGroup.waitFor();
    await shot(bobPage, 'groups-02-list.png');
    await bobGroup.tap();
    const fromAnn = bobPage.locator('#messages li.message.theirs').filter({ hasText: 'Hello all' });
    await fromAnn.waitFor();
    expect(await fromAnn.locator('.sender').textContent()).toBe(`Ann ${suffix}`);
    expect(await fromAnn.locator('.content').textContent()).toBe('Hello all <b>not bold</b>');
    expect(await fromAnn.locator('b').count()).toBe(0);

    // Bob answers; Ann sees it live, with his name.
    await bobPage.getByRole('textbox', { name: 'Message' }).fill('Count me in');
    await bobPage.getByRole('textbox', { name: 'Message' }).press('Enter');
    const fromBob = ann.locator('#messages li.message.theirs').filter({ hasText: 'Count me in' });
    await fromBob.waitFor();
    expect(await fromBob.locator('.sender').textContent()).toBe(bob.name);

    // Ann opens the group info: three members; she adds Dan.
    await ann.getByRole('button', { name: 'Group info' }).tap();
    const panel = ann.getByRole('dialog', { name: title });
    const members = panel.getByRole('list', { name: 'Members' });
    await expect.poll(() => members.getByRole('listitem').count()).toBe(3);
    await panel.getByLabel('Search for people to add').fill(dan.name);
    await panel.getByRole('button', { name: `Add ${dan.name}` }).tap();
    await panel.getByRole('button', { name: 'Add to group' }).tap();
    await expect.poll(() => members.getByRole('listitem').count()).toBe(4);
    await systemMessages(bobPage, 'member_added').waitFor();
    expect(await systemMessages(bobPage, 'member_added').textContent()).toContain(dan.name);
    await expect.poll(() => bobPage.locator('#peer-presence').textContent()).toBe('4 members');
    await shot(ann, 'groups-03-info-panel.png');

    // And removes him again, from his row's menu.
    await choose(ann, dan.name, `Remove ${dan.name} from the group`);
    await expect.poll(() => members.getByRole('listitem').count()).toBe(3);
    await systemMessages(bobPage, 'member_removed').waitFor();
    await expect.poll(() => bobPage.locator('#peer-presence').textContent()).toBe('3 members');
    await shot(bobPage, 'groups-04-system-messages.png');

    // Ann blocks Bob from his row's menu, and unblocks him: the row and the server say so.
    const token = await tokenOf(ann);
    const blocks = async () =>
      (
        (await http.get('/api/users/me/blocks', token)).body as { items: { user: { id: string } }[] }
      ).items.map((b) => b.user.id);
    const bobRow = members.getByRole('listitem').filter({ hasText: bob.name });
    await choose(ann, bob.name, `Block ${bob.name}`);
    await bobRow.getByText('Blocked').waitFor();
    expect(await blocks()).toEqual([bob.id]);
    await shot(ann, 'groups-05-blocked.png');
    await choose(ann, bob.name, `Unblock ${bob.name}`);
    await expect.poll(() => bobRow.getByText('Blocked').count()).toBe(0);
    expect(await blocks()).toEqual([]);

    // Then removes Bob: his composer closes and he is told why.
    await choose(ann, bob.name, `Remove ${bob.name} from the group`);
    await ann.getByRole('button', { name: 'Close group info' }).tap();
    await bobPage.getByText('You were removed from this group').waitFor();
    expect(await bobPage.getByRole('textbox', { name: 'Message' }).isDisabled()).toBe(true);
    expect(await bobPage.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    await shot(bobPage, 'groups-06-removed.png');
  });

  it('blocks and unblocks from the person menu of a direct chat', async () => {
    const suffix = randomBytes(3).toString('hex');
    const { page: eve } = await signUpInBrowser(browser, app.baseUrl, `Eve ${suffix}`, contexts, PHONE);
    const fay = await createUser(http, { name: `Fay ${suffix}` });
    await eve.getByLabel('Find people').fill(fay.name);
    await eve.getByRole('button', { name: `Start chat with ${fay.name}` }).tap();
    await expect.poll(() => eve.locator('#peer-name').textContent()).toBe(fay.name);
    await eve.getByRole('textbox', { name: 'Message' }).fill('Hi Fay');
    await eve.getByRole('textbox', { name: 'Message' }).press('Enter');
    await eve.locator('#messages li.message.mine').getByText('Hi Fay').waitFor();

    await choose(eve, fay.name, `Block ${fay.name}`);
    await eve.locator('.conversation-header').getByText('Blocked', { exact: true }).waitFor();
    await eve.getByText(`You blocked ${fay.name}`).waitFor();
    await shot(eve, 'groups-07-direct-blocked.png');
    // Still blocked after a reload: the client asks the server.
    await eve.reload();
    await online(eve);
    await eve.getByRole('button', { name: new RegExp(`^Chat with ${fay.name}`) }).tap();
    await eve.locator('.conversation-header').getByText('Blocked', { exact: true }).waitFor();

    await choose(eve, fay.name, `Unblock ${fay.name}`);
    await expect
      .poll(() => eve.locator('.conversation-header').getByText('Blocked', { exact: true }).count())
      .toBe(0);
    expect(await eve.locator('#chat-notice').isHidden()).toBe(true);
  });
});
