/**
 * Regenerates docs/images/report.png, the README's picture of the HTML report:
 * `usage report fixtures/logs --json` (fixed range and zone, so the picture only
 * changes when the page does), rendered by dist/renderers/html.js, shot in Chromium.
 * Run with `npm run screenshot` (which builds first).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { renderHtmlReport } from '../dist/renderers/html.js';
import { launchChromium } from './browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const home = mkdtempSync(join(tmpdir(), 'usage-screenshot-'));
const json = execFileSync(
  process.execPath,
  [join(root, 'bin', 'usage.js'), 'report', join(root, 'fixtures', 'logs'), '--json', '--no-cache', '--tz', 'UTC', '--until', '2026-11-20', '--quiet'],
  { env: { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, 'cache'), XDG_CONFIG_HOME: join(home, 'config'), TZ: 'UTC' }, encoding: 'utf8' },
);
const page = join(home, 'report.html');
writeFileSync(page, renderHtmlReport(JSON.parse(json)));

const output = process.argv[2] ?? join(root, 'docs', 'images', 'report.png');
mkdirSync(dirname(output), { recursive: true });
const browser = await launchChromium();
try {
  const tab = await browser.newPage();
  await tab.setViewportSize({ width: 1200, height: 900 });
  await tab.goto(pathToFileURL(page).href);
  await tab.waitForSelector('html[data-ready="true"]');
  // The headline and the charts: the tables below are text, better read on the page itself.
  const clip = await tab.evaluate(() => {
    const tables = document.getElementById('tables');
    return { x: 0, y: 0, width: 1200, height: Math.min(tables ? tables.offsetTop : 1800, 1800) };
  });
  await tab.screenshot({ path: output, clip, fullPage: true });
  console.log(`wrote ${output}`);
} finally {
  await browser.close();
}
