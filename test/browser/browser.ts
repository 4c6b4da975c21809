import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

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
