import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join('test-results', 'screenshots');

/**
 * Without a Chromium (a laptop without `apt-get install chromium`), the browser tests are skipped with a
 * warning rather than failed; CI installs it, and REQUIRE_BROWSER=1 turns a missing browser into a failure.
 */
export const HAS_CHROMIUM = existsSync(CHROMIUM) || process.env.REQUIRE_BROWSER === '1';
if (!HAS_CHROMIUM) {
  console.warn(
    `browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

/** Builds web/dist (and dist/) when missing or older than their sources, as `npm start` does. */
export function buildWebIfStale(): void {
  execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
  mkdirSync(SCREENSHOTS, { recursive: true });
}

/**
 * Debian's chromium, headless. Playwright gives each launch a fresh temporary profile (its own
 * --user-data-dir, removed on close), and each context is isolated like a separate browser.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // A synthetic microphone, granted without a prompt, for the voice note.
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
    ],
  });
}

/** A safety net for a loaded CI machine, not a speed goal. */
export const UI_TIMEOUT = 60_000;

/** Waits until the web client says its socket is connected. */
export async function online(page: Page): Promise<void> {
  await expect.poll(() => page.locator('#connection').textContent(), { timeout: UI_TIMEOUT }).toBe('online');
}

/**
 * A person signing up in a browser of their own (a new context, closed by the caller through `contexts`),
 * as the web client asks: email, password, name, "Sign up"; resolves once the client is online.
 */
export async function signUp(
  browser: Browser,
  baseUrl: string,
  name: string,
  contexts: BrowserContext[],
  options: BrowserContextOptions = {},
): Promise<{ page: Page; email: string; context: BrowserContext }> {
  const context = await browser.newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT);
  const email = `${name.toLowerCase().replace(/\s+/g, '.')}.${randomBytes(4).toString('hex')}@example.com`;
  await page.goto(baseUrl);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await online(page);
  return { page, email, context };
}

/** Sends a media URL as the web client offers it: the attach button, "Media URL", the field, Send. */
export async function sendMediaUrl(page: Page, url: string, type?: 'VIDEO' | 'AUDIO'): Promise<void> {
  await page.getByRole('button', { name: 'Attach' }).click();
  await page.getByRole('menuitem', { name: 'Media URL' }).click();
  await page.getByLabel('Media URL').fill(url);
  if (type) await page.getByLabel('Media type').selectOption(type);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/**
 * Nothing of the page is wider than the screen: the document, and each pane that is shown (a pane drawn
 * narrower than its content or cut off would scroll sideways or hide part of a message).
 */
export async function expectNoHorizontalOverflow(page: Page): Promise<void> {
  const widths = await page.evaluate(`(() => {
    const root = document.documentElement;
    const panes = ['.sidebar', '.conversation', '#messages', '.composer', '.conversation-header']
      .flatMap((selector) => [...document.querySelectorAll(selector)])
      .filter((el) => el.getClientRects().length > 0)
      .map((el) => ({ name: el.className || el.id, scroll: el.scrollWidth, client: el.clientWidth, right: el.getBoundingClientRect().right }));
    return { scroll: root.scrollWidth, client: root.clientWidth, panes };
  })()`);
  const { scroll, client, panes } = widths as {
    scroll: number;
    client: number;
    panes: { name: string; scroll: number; client: number; right: number }[];
  };
  expect(scroll).toBeLessThanOrEqual(client);
  for (const pane of panes) {
    expect(pane.scroll, `${pane.name} scrolls sideways`).toBeLessThanOrEqual(pane.client);
    expect(pane.right, `${pane.name} reaches past the screen`).toBeLessThanOrEqual(client + 0.5);
  }
}

/** How wide a pane is drawn, in CSS pixels (nothing when it is not shown). */
export async function widthOf(page: Page, selector: string): Promise<number> {
  return page
    .locator(selector)
    .first()
    .evaluate((el) => el.getBoundingClientRect().width);
}

export interface BrowserSuite {
  app: TestApp;
  browser: Browser;
  /** Browser contexts to close after the file's tests. */
  contexts: BrowserContext[];
}

/** One app and one Chromium for a test file: started (the web client built first) before its tests, closed after. */
export function useBrowser(options: TestAppOptions = {}): BrowserSuite {
  const suite = { contexts: [] as BrowserContext[] } as BrowserSuite;
  beforeAll(async () => {
    if (!HAS_CHROMIUM) return;
    buildWebIfStale();
    suite.app = await startTestApp(options);
    suite.browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    for (const context of suite.contexts) await context.close().catch(() => {});
    await suite.browser?.close();
    await suite.app?.close();
  }, 120_000);
  return suite;
}
