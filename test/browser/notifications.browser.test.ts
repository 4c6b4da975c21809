import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PushPayload } from '../../src/contract/notifications.js';
import type { ChatView } from '../../src/contract/views.js';
import { createUser, type TestUser } from '../support/factories.js';
import { HttpClient } from '../support/http.js';
import { type ClientSocket, connect, sendOk } from '../support/socket.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { buildWebIfStale, HAS_CHROMIUM, launchChromium, online, SCREENSHOTS, UI_TIMEOUT } from './browser.js';
import { PHONE } from './devices.js';

let app: TestApp;
let http: HttpClient;
let browser: Browser;
const contexts: BrowserContext[] = [];
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  if (!HAS_CHROMIUM) return;
  buildWebIfStale();
  // The fake subscriptions below have loopback endpoints; nothing is ever pushed to them (their users
  // are online, or signed out).
  app = await startTestApp({ env: { PUSH_ALLOW_PRIVATE_ENDPOINTS: 'true' } });
  http = new HttpClient(app.baseUrl);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  for (const context of contexts) await context.close().catch(() => {});
  await browser?.close();
  await app?.close();
}, 120_000);

// Each ask for the notification permission is counted (the page never asks on its own).
const COUNT_ASKS = `
  window.__asks = 0;
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (...args) => { window.__asks += 1; return ask(...args); };
`;

/**
 * A stand-in for the browser's push subscription (headless Chromium has no push service): `subscribe`
 * makes one with `endpoint` and well-formed keys, kept in localStorage across reloads until unsubscribed.
 * The page's own code runs on it, against the real server.
 */
const fakePushManager = (endpoint: string) => `(() => {
  const KEY = 'test.fake-push-subscription';
  const b64 = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  const of = (stored) => ({
    endpoint: stored.json.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: new Uint8Array(stored.key).buffer },
    toJSON: () => stored.json,
    unsubscribe: async () => { localStorage.removeItem(KEY); return true; },
  });
  PushManager.prototype.getSubscription = async function () {
    const raw = localStorage.getItem(KEY);
    return raw ? of(JSON.parse(raw)) : null;
  };
  PushManager.prototype.subscribe = async function (options) {
    const p256dh = new Uint8Array(65).fill(7);
    p256dh[0] = 4;
    const json = { endpoint: ${JSON.stringify(endpoint)} + Math.random().toString(36).slice(2), expirationTime: null,
      keys: { p256dh: b64(p256dh), auth: b64(new Uint8Array(16).fill(9)) } };
    const stored = { json, key: [...new Uint8Array(options.applicationServerKey)] };
    localStorage.setItem(KEY, JSON.stringify(stored));
    return of(stored);
  };
})();`;

/**
 * A person signs in on a phone of their own where notifications are allowed (so the browser never
 * prompts) and asks for the permission are counted; `init` runs in the page before its scripts.
 */
async function signIn(user: TestUser, init?: string): Promise<Page> {
  const context = await browser.newContext({ ...PHONE, permissions: ['notifications'] });
  contexts.push(context);
  await context.addInitScript(COUNT_ASKS);
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  await page.goto(app.baseUrl);
  await signInHere(page, user);
  return page;
}

async function signInHere(page: Page, user: TestUser): Promise<void> {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await online(page);
}

/** The answer to the page's next request of `method` to the push subscriptions route. */
const subscriptionCall = (page: Page, method: 'POST' | 'DELETE') =>
  page.waitForResponse(
    (r) => r.url() === `${app.baseUrl}/api/push/subscriptions` && r.request().method() === method,
  );

function shot(page: Page, name: string) {
  return page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
}

const asks = (page: Page) => page.evaluate<number>('window.__asks');

/** The worker's script URL and scope on this page, once it is active. */
const workerOf = (page: Page) =>
  page.evaluate<{ script: string; scope: string } | null>(
    `navigator.serviceWorker.getRegistration('/').then((r) => r?.active ? { script: r.active.scriptURL, scope: r.scope } : null)`,
  );

interface Shown {
  title: string;
  body: string;
  tag: string;
  data: { id: string; chatId: string; messageId: string; seq: number };
}

/** The notifications this page's worker shows now. */
const notifications = (page: Page) =>
  page.evaluate<Shown[]>(
    `navigator.serviceWorker.ready
      .then((r) => r.getNotifications())
      .then((list) => list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data })))`,
  );

/**
 * Delivers pushes to the page's worker as the push service would (decrypted), through the DevTools
 * protocol: headless Chromium has no push service of its own.
 */
async function pushTo(page: Page): Promise<(payload: PushPayload) => Promise<void>> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const registered = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL === `${app.baseUrl}/` && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const registrationId = await registered;
  return async (payload) => {
    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: app.baseUrl,
      registrationId,
      data: JSON.stringify(payload),
    });
  };
}

/**
 * Delivers a message push until the page's worker shows `count` notifications. DevTools hands a push to a
 * worker it may first have to start, and on a loaded machine a push can be lost on the way (a push service
 * would deliver it again); the worker drops a push id it handled, so a second delivery shows nothing twice.
 */
async function pushUntilShown(
  page: Page,
  push: (payload: PushPayload) => Promise<void>,
  payload: PushPayload,
  count: number,
): Promise<void> {
  await expect
    .poll(async () => {
      const shown = (await notifications(page)).length;
      if (shown !== count) await push(payload);
      return shown;
    })
    .toBe(count);
}

/** Bob's socket, a direct chat with `to`, and a way to send in it. */
async function chatFrom(bob: TestUser, to: TestUser) {
  const socket = await connect(app.baseUrl, { token: bob.accessToken });
  sockets.push(socket);
  const chat = (await http.post('/api/chats/direct', { userId: to.id }, bob.accessToken)).body as ChatView;
  let count = 0;
  const send = (content: string) => {
    count += 1;
    return sendOk(socket, { chatId: chat.id, clientMessageId: randomUUID(), content });
  };
  return { chatId: chat.id, send, pushId: () => `push-${chat.id}-${count}` };
}

describe.skipIf(!HAS_CHROMIUM)('web client: notifications on a phone', () => {
  it('turns on with a subscription the server takes, keeps it across a reload, turns off, and drops it at sign-out', async () => {
    const ann = await createUser(http, { name: 'Ann On' });
    const page = await signIn(ann, fakePushManager('https://127.0.0.1:9/push/'));
    const area = page.getByRole('region', { name: 'Notifications on this device' });
    const state = area.getByRole('status');

    // On: the subscription's JSON goes to the server, which takes it.
    const subscribed = subscriptionCall(page, 'POST');
    await area.getByRole('button', { name: 'Turn on notifications' }).tap();
    const posted = await subscribed;
    expect(posted.status()).toBe(201);
    const body = posted.request().postDataJSON() as {
      endpoint: string;
      keys: { p256dh: string; auth: string };
    };
    expect(body.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:9\/push\//);
    expect(Object.keys(body.keys).sort()).toEqual(['auth', 'p256dh']);
    expect(((await posted.json()) as { endpoint: string }).endpoint).toBe(body.endpoint);
    await expect.poll(() => state.textContent()).toBe('Notifications are on for this device.');
    expect(await asks(page)).toBe(1);
    await shot(page, 'notifications-00-on.png');

    // A reload: still on, and the server is handed the same subscription again (for this session).
    const again = subscriptionCall(page, 'POST');
    await page.reload();
    await online(page);
    expect((await again).request().postDataJSON()).toEqual(body);
    await expect.poll(() => state.textContent()).toBe('Notifications are on for this device.');

    // Off: unsubscribed here, and the server told which endpoint.
    const removed = subscriptionCall(page, 'DELETE');
    await area.getByRole('button', { name: 'Turn off notifications' }).tap();
    expect((await removed).status()).toBe(204);
    expect((await removed).request().postDataJSON()).toEqual({ endpoint: body.endpoint });
    await expect.poll(() => state.textContent()).toBe('Notifications are off on this device.');

    // On again, then signing out drops the browser's subscription (the server drops the session's).
    const resubscribed = subscriptionCall(page, 'POST');
    await area.getByRole('button', { name: 'Turn on notifications' }).tap();
    expect((await resubscribed).status()).toBe(201);
    await expect.poll(() => state.textContent()).toBe('Notifications are on for this device.');
    await page.getByRole('button', { name: 'Sign out' }).tap();
    await page.getByLabel('Email').waitFor();
    await expect
      .poll(() => page.evaluate<string | null>("localStorage.getItem('test.fake-push-subscription')"))
      .toBe(null);
    await signInHere(page, ann);
    await expect.poll(() => state.textContent()).toBe('Notifications are off on this device.');
  });

  it('asks for the permission only on a tap; registers the worker at /sw.js; says clearly when turning on fails', async () => {
    const ann = await createUser(http, { name: 'Ann Push' });
    const page = await signIn(ann);
    const area = page.getByRole('region', { name: 'Notifications on this device' });
    const toggle = area.getByRole('button', { name: 'Turn on notifications' });
    await toggle.waitFor();
    await expect
      .poll(() => area.getByRole('status').textContent())
      .toBe('Notifications are off on this device.');

    // The worker registers on load, at /sw.js with the scope /, and nothing asked for the permission.
    await expect
      .poll(() => workerOf(page))
      .toEqual({ script: `${app.baseUrl}/sw.js`, scope: `${app.baseUrl}/` });
    expect(await asks(page)).toBe(0);
    const script = await fetch(`${app.baseUrl}/sw.js`);
    expect(script.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(script.headers.get('cache-control')).toBe('no-cache');
    await page.reload();
    await online(page);
    expect(await asks(page)).toBe(0);
    await shot(page, 'notifications-01-off.png');

    // The tap asks. Headless Chromium has no push service: subscribing fails, and the page says so.
    await toggle.tap();
    await expect.poll(() => area.getAttribute('data-state')).toBe('failed');
    expect(await asks(page)).toBe(1);
    expect(await area.getByRole('status').textContent()).toMatch(
      /^Could not turn on notifications: the browser's push service refused \(.+\)\.$/,
    );
    expect(await toggle.isEnabled()).toBe(true);
    expect(
      await page.evaluate<boolean>(
        'navigator.serviceWorker.ready.then((r) => r.pushManager.getSubscription()).then((s) => s === null)',
      ),
    ).toBe(true);
    await shot(page, 'notifications-02-failed.png');

    // A subscription the server refuses (not https): its message is shown, and the browser's is undone.
    await page.evaluate(fakePushManager('http://127.0.0.1:9/push/'));
    const refused = subscriptionCall(page, 'POST');
    await toggle.tap();
    expect((await refused).status()).toBe(400);
    await expect
      .poll(() => area.getByRole('status').textContent())
      .toBe('Could not turn on notifications: endpoint: endpoint must be an https URL');
    expect(await page.evaluate<string | null>("localStorage.getItem('test.fake-push-subscription')")).toBe(
      null,
    );

    // Notifications blocked in the browser's settings: the page follows at once.
    const cdp = await page.context().newCDPSession(page);
    const { targetInfo } = await cdp.send('Target.getTargetInfo');
    await cdp.send('Browser.setPermission', {
      permission: { name: 'notifications' },
      setting: 'denied',
      origin: app.baseUrl,
      browserContextId: targetInfo.browserContextId,
    });
    await expect.poll(() => area.getAttribute('data-state')).toBe('blocked');
    expect(await area.getByRole('status').textContent()).toContain('blocked by the browser');
  });

  it('shows a pushed message, closes it on a read push, on reading here and on reading on another device', async () => {
    const ann = await createUser(http, { name: 'Ann Two' });
    const bob = await createUser(http, { name: 'Bob <b>Two</b>' });
    const chat = await chatFrom(bob, ann);
    const first = await chat.send('Hello <b>Ann</b>');

    const phone = await signIn(ann);
    const push = await pushTo(phone);
    const message = (m: { id: string; seq: number }, content: string): PushPayload => ({
      type: 'message',
      id: chat.pushId(),
      chatId: chat.chatId,
      messageId: m.id,
      seq: m.seq,
      title: bob.name,
      body: content,
    });

    // A message push: one notification, titled with the sender, tagged with the chat.
    await push(message(first, 'Hello <b>Ann</b>'));
    await expect
      .poll(() => notifications(phone))
      .toEqual([
        {
          title: bob.name,
          body: 'Hello <b>Ann</b>',
          tag: chat.chatId,
          data: { id: chat.pushId(), chatId: chat.chatId, messageId: first.id, seq: first.seq },
        },
      ]);
    // An older message of the same chat does not replace it.
    await push({ ...message(first, 'older'), id: 'older', seq: first.seq - 1 });
    expect((await notifications(phone)).map((n) => n.body)).toEqual(['Hello <b>Ann</b>']);

    // Read on some device up to an older seq: it stays; up to its seq: it closes.
    await push({ type: 'read', id: `${chat.pushId()}-read-old`, chatId: chat.chatId, seq: first.seq - 1 });
    await push({ type: 'read', id: `${chat.pushId()}-read`, chatId: chat.chatId, seq: first.seq });
    await expect.poll(() => notifications(phone)).toEqual([]);

    // Another device of Ann's reads the chat: its read receipt closes this phone's notification.
    const second = await chat.send('Are you there?');
    await pushUntilShown(phone, push, message(second, 'Are you there?'), 1);
    const tablet = await signIn(ann);
    await tablet.getByRole('button', { name: /^Chat with Bob <b>Two<\/b>/ }).tap();
    await tablet.locator('#messages li.message.theirs').getByText('Are you there?').waitFor();
    await expect.poll(() => notifications(phone)).toEqual([]);
    // Gone, so that it cannot read what comes next (an open chat on it would, racing the push).
    await tablet.goto('about:blank');

    // Reading it on this phone closes this phone's own notification.
    const third = await chat.send('Third');
    await pushUntilShown(phone, push, message(third, 'Third'), 1);
    await phone.getByRole('button', { name: /^Chat with Bob <b>Two<\/b>, 1 unread$/ }).waitFor();
    await shot(phone, 'notifications-03-list.png');
    await phone.getByRole('button', { name: /^Chat with Bob <b>Two<\/b>/ }).tap();
    await phone.locator('#messages li.message.theirs').getByText('Third').waitFor();
    await expect.poll(() => notifications(phone)).toEqual([]);

    // A click on a notification while the page is open: the worker asks the page to open the chat.
    await phone.getByRole('button', { name: 'Back to chats' }).tap();
    await expect.poll(() => phone.locator('#conversation').isHidden()).toBe(true);
    const worker =
      phone.context().serviceWorkers()[0] ?? (await phone.context().waitForEvent('serviceworker'));
    await worker.evaluate(`openChatWindow(${JSON.stringify(chat.chatId)})`);
    await expect.poll(() => phone.locator('#peer-name').textContent()).toBe(bob.name);
    expect(await phone.locator('#conversation').isVisible()).toBe(true);

    // With no page open the worker opens /#chat=<id>: the page opens that chat once signed in.
    await tablet.goto(`${app.baseUrl}/#chat=${chat.chatId}`);
    await online(tablet);
    await expect.poll(() => tablet.locator('#peer-name').textContent()).toBe(bob.name);
    expect(await tablet.locator('#conversation').isVisible()).toBe(true);
    await expect.poll(() => tablet.evaluate<string>('location.hash')).toBe('');
    await shot(tablet, 'notifications-04-opened-from-link.png');
    // Nothing asked for the permission on either device.
    expect(await asks(phone)).toBe(0);
    expect(await asks(tablet)).toBe(0);
  });

  it('mutes the open chat for 8 hours, until turned back on, and unmutes it; the list marks it', async () => {
    const ann = await createUser(http, { name: 'Ann Mute' });
    const bob = await createUser(http, { name: 'Bob Mute' });
    const chat = await chatFrom(bob, ann);
    await chat.send('Hi');
    const page = await signIn(ann);
    const item = page.getByRole('button', { name: /^Chat with Bob Mute/ });
    const setting = async () =>
      ((await http.get(`/api/chats/${chat.chatId}`, ann.accessToken)).body as { notifications?: unknown })
        .notifications;
    const choose = async (label: string) => {
      await page.getByRole('button', { name: 'Notifications for Bob Mute', exact: true }).tap();
      await page.getByRole('menu', { name: 'Notifications for Bob Mute' }).waitFor();
      await page.getByRole('menuitem', { name: label, exact: true }).tap();
    };

    await item.tap();
    await choose('Mute for 8 hours');
    const header = page.locator('.conversation-header');
    await header.getByText(/^Muted until /).waitFor();
    const muted = (await setting()) as { level: string; mutedUntil: string };
    expect(muted.level).toBe('none');
    expect(Math.abs(Date.parse(muted.mutedUntil) - (Date.now() + 8 * 3_600_000))).toBeLessThan(120_000);
    await shot(page, 'notifications-05-muted-header.png');

    // The list marks it; after a reload too (the server's chat view says so).
    await page.getByRole('button', { name: 'Back to chats' }).tap();
    await expect.poll(() => item.getAttribute('aria-label')).toMatch(/, muted$/);
    await item.getByRole('img', { name: /^Muted until / }).waitFor();
    await page.reload();
    await online(page);
    await item.getByRole('img', { name: /^Muted until / }).waitFor();
    await shot(page, 'notifications-06-muted-list.png');

    // Until turned back on, then unmuted.
    await item.tap();
    await choose('Mute until turned back on');
    await header.getByText('Muted', { exact: true }).waitFor();
    expect(await setting()).toEqual({ level: 'none', mutedUntil: null });
    await choose('Unmute');
    await expect.poll(() => header.getByText(/^Muted/).count()).toBe(0);
    expect(await setting()).toEqual({ level: 'all', mutedUntil: null });
    await page.getByRole('button', { name: 'Back to chats' }).tap();
    await expect.poll(() => item.getAttribute('aria-label')).not.toMatch(/muted/);
    expect(await item.getByRole('img', { name: /^Muted/ }).count()).toBe(0);
  });
});
