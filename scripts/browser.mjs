/**
 * Starts the system Chromium (Debian's `chromium` package, installed by
 * .ci/run) through playwright-core: no browser is ever downloaded. Shared by
 * the HTML report test and the screenshot script.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function isChromiumInstalled() {
  return existsSync(CHROMIUM_PATH);
}

/** A headless browser with a fresh profile that stays off the network on its own account (no updates, sync or QUIC). */
export async function launchChromium() {
  const userDataDir = mkdtempSync(join(tmpdir(), 'usage-chromium-'));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
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
    ],
  });
}
