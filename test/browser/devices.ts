import type { BrowserContextOptions } from 'playwright-core';

/** A phone and a desktop, the two sizes every screen is checked at. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 2,
  permissions: ['microphone'],
};
export const DESKTOP: BrowserContextOptions = {
  viewport: { width: 1280, height: 800 },
  permissions: ['microphone'],
};
