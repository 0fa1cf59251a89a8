/**
 * Debian's Chromium (installed by the setup) driven by playwright-core: the screens' browser in
 * the end-to-end tests, and the "system browser" in which a person logs in at the IdP when a
 * badge is enrolled. Headless, without sandbox (tests run as root) or background traffic.
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
