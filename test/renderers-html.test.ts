/**
 * The HTML report (src/renderers/html.ts + the page script in src/html/),
 * opened in a real browser: Debian's Chromium driven by playwright-core.
 * Pages are built from what `usage <command> --json` prints for the fixtures.
 * Without Chromium the browser tests are skipped with a message, except under
 * CI=true, where a missing browser is a failure (.ci/run installs it).
 * A screenshot of the fixtures' report is left in dist/test-artifacts/.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs helper without type declarations, shared with the screenshot script.
import { CHROMIUM_PATH, isChromiumInstalled, launchChromium } from '../scripts/browser.mjs';
import { escapeJsonForHtml, renderHtmlForCommand, renderHtmlReport } from '../src/renderers/html.js';
import { fixture, ROOT, runUsage } from './helpers/cli.js';

const LOGS = fixture('logs');
const ARTIFACTS = join(ROOT, 'dist', 'test-artifacts');
const HOSTILE_MODEL = '<img src=x onerror=alert(1)></script><!--';
const HOSTILE_SESSION = '</script><script>alert(2)</script>';

type Json = Record<string, unknown> & { totals: Record<string, number | null> };

async function readJson(args: string[]): Promise<Json> {
  const result = await runUsage([...args, '--json', '--no-cache', '--tz', 'UTC', '--quiet']);
  expect(result.stderr).not.toMatch(/Error|at .*\.js:/);
  return JSON.parse(result.stdout) as Json;
}

/** Two kernex lines whose model and session are markup; their cost was recorded in the log, so the totals are known by hand. */
function writeHostileLogs(): string {
  const folder = mkdtempSync(join(tmpdir(), 'usage-html-hostile-'));
  const line = (tokens: Record<string, number>, cost: number, createdAt: string) =>
    JSON.stringify({ sender_id: 'user-1', session_id: HOSTILE_SESSION, model: HOSTILE_MODEL, ...tokens, cost_usd: cost, created_at: createdAt });
  writeFileSync(
    join(folder, 'usage.jsonl'),
    [
      line({ tokens: 1500, input_tokens: 200, output_tokens: 100, cache_read_tokens: 1000, cache_creation_tokens: 200 }, 0.0123, '2026-11-09 07:00:00'),
      line({ tokens: 800, input_tokens: 500, output_tokens: 300, cache_read_tokens: 0, cache_creation_tokens: 0 }, 0.0041, '2026-11-10 08:00:00'),
      '',
    ].join('\n'),
  );
  return folder;
}

describe('renderHtmlReport without a browser', () => {
  it('escapes the embedded JSON so log text cannot end the script element or open a comment', () => {
    const text = escapeJsonForHtml({ model: `${HOSTILE_MODEL}\u2028&` });
    expect(text).not.toMatch(/<|>|&|\u2028/);
    expect(JSON.parse(text)).toEqual({ model: `${HOSTILE_MODEL}\u2028&` });
  });

  it('writes one page that loads nothing: no link, img, iframe or external script', () => {
    const page = renderHtmlReport({ kind: 'report', schema: 1, totals: {}, models: [{ model: HOSTILE_MODEL }] });
    // Outside the two script elements (data, then code) there must be no element that could fetch.
    const withoutScripts = page.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');
    expect(page.match(/<script/g)).toHaveLength(2);
    expect(withoutScripts).not.toMatch(/<(link|img|iframe|object|embed)\b|\bsrc=/i);
    expect(page).toContain("default-src 'none'");
    expect(page).not.toContain(HOSTILE_MODEL);
  });

  it('accepts only report, cost and budget documents of the kind named', () => {
    expect(() => renderHtmlForCommand('sessions', { kind: 'sessions' })).toThrow(/report, cost, budget/);
    expect(() => renderHtmlForCommand('cost', { kind: 'report' })).toThrow(/report document/);
    expect(renderHtmlForCommand('cost', { kind: 'cost', totals: {}, rows: [] })).toMatch(/^<!doctype html>/);
  });
});

const chromiumPresent = isChromiumInstalled();
const inCi = process.env['CI'] === 'true';

describe('Chromium for the browser tests', () => {
  it('is installed when CI=true (.ci/run installs the Debian package)', () => {
    if (!chromiumPresent && !inCi) {
      console.warn(`HTML browser tests skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium). Under CI=true this fails.`);
      return;
    }
    expect(chromiumPresent, `no Chromium at ${CHROMIUM_PATH}`).toBe(true);
  });
});

interface ChartReading {
  id: string | null;
  series: number;
  points: number;
  legend: string[];
  painted: number;
}

interface Opened {
  page: Page;
  problems: string[];
  requests: string[];
  dialogs: string[];
}

describe.skipIf(!chromiumPresent)('the HTML report in Chromium', () => {
  let browser: BrowserContext;
  let folder: string;
  let reportJson: Json;
  const pages: Page[] = [];

  beforeAll(async () => {
    browser = (await launchChromium()) as BrowserContext;
    folder = mkdtempSync(join(tmpdir(), 'usage-html-'));
    reportJson = await readJson(['report', LOGS, '--until', '2026-11-20']);
  }, 60_000);

  afterAll(async () => {
    for (const page of pages) await page.close();
    await browser?.close();
  });

  /** Opens a page from disk, recording console errors, page errors, every request and any dialog (an alert would be one). */
  async function open(name: string, html: string, options: { width?: number; scheme?: 'light' | 'dark' } = {}): Promise<Opened> {
    const file = join(folder, `${name}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage();
    pages.push(page);
    const problems: string[] = [];
    const requests: string[] = [];
    const dialogs: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('request', (request) => requests.push(request.url()));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.emulateMedia({ colorScheme: options.scheme ?? 'light' });
    await page.setViewportSize({ width: options.width ?? 1200, height: 900 });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 10_000 });
    expect(requests).toEqual([pathToFileURL(file).href]);
    return { page, problems, requests, dialogs };
  }

  /** Each chart figure: what it says it shows, the legend rows uPlot drew, and how many canvas pixels are painted. */
  function readCharts(page: Page): Promise<ChartReading[]> {
    return page.$$eval('figure.chart', (figures) =>
      figures.map((figure) => {
        const canvas = figure.querySelector('canvas');
        let painted = 0;
        if (canvas && canvas.width > 0 && canvas.height > 0) {
          const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
          for (let index = 3; index < pixels.length; index += 4) if (pixels[index]! > 0) painted++;
        }
        return {
          id: figure.getAttribute('data-chart'),
          series: Number(figure.getAttribute('data-series')),
          points: Number(figure.getAttribute('data-points')),
          // uPlot's legend has one row for x and one per series.
          legend: Array.from(figure.querySelectorAll('.u-legend .u-series'), (row) => row.textContent ?? ''),
          painted,
        };
      }),
    );
  }

  it('draws the fixtures report: every chart painted, headline equal to --json, nothing fetched, no errors', async () => {
    const { page, problems, dialogs } = await open('report', renderHtmlForCommand('report', reportJson));
    const charts = await readCharts(page);
    const byId: Record<string, ChartReading> = Object.fromEntries(charts.map((chart) => [chart.id ?? '', chart]));
    expect(Object.keys(byId).sort()).toEqual(['cache-rates', 'cumulative-cost', 'daily-cost-agents', 'daily-cost-models']);
    for (const chart of charts) {
      expect(chart.painted, `${chart.id} painted pixels`).toBeGreaterThan(2000);
      expect(chart.legend).toHaveLength(chart.series + 1);
    }
    // Days from 2026-10-27 (the first record) to 2026-11-20 (--until, and a record that day): 5 in October + 20 in November.
    expect(byId['daily-cost-models']!.points).toBe(25);
    // 11 models: the 7 with the most cost, then "other (4)" for the rest.
    expect(byId['daily-cost-models']!.series).toBe(8);
    expect(byId['daily-cost-models']!.legend.some((text) => text.startsWith('other (4)'))).toBe(true);
    // 8 agents wrote the seed fixtures (claude-code, codex, bamboo, jcode, kernex, lash, provider, thane; the
    // agent homes are all dated after --until): at most 8 series, so each agent has its own, over the same 25 days.
    expect(byId['daily-cost-agents']).toMatchObject({ series: 8, points: 25 });
    // October and November; x is the day of the month.
    expect(byId['cumulative-cost']).toMatchObject({ series: 2, points: 31 });
    expect(byId['cache-rates']).toMatchObject({ series: 2, points: 25 });

    const tiles = await page.$$eval('[data-tile]', (elements) =>
      Object.fromEntries(
        elements.map((element) => [
          element.getAttribute('data-tile'),
          { value: element.querySelector('.tile-value')?.textContent, raw: JSON.parse(element.getAttribute('data-value') ?? 'null') },
        ]),
      ),
    );
    const totals = reportJson.totals;
    expect(tiles['cost']!.raw).toBe(totals['cost_usd']);
    expect(tiles['tokens']!.raw).toBe(totals['total_tokens']);
    expect(tiles['calls']!.raw).toBe(totals['calls']);
    expect(tiles['cache-hit-rate']!.raw).toBe((reportJson['cache'] as Record<string, unknown>)['cache_hit_rate']);
    expect(tiles['unpriced']!.raw).toBe(totals['unpriced_tokens']);
    // Shown as the terminal shows them: a cost with unpriced usage is a lower bound, ≥, with four decimals under $1.
    expect(tiles['cost']!.value).toBe(`≥$${(totals['cost_usd'] as number).toFixed(4)}`);
    expect(tiles['calls']!.value).toBe(String(totals['calls']));

    const header = await page.textContent('header');
    expect(header).toContain('UTC');
    expect(header).toContain('2026-11-20');
    // The price data the report was priced with, from its JSON.
    expect(header).toContain((reportJson['prices'] as Record<string, string>)['built_in']);
    expect((reportJson['prices'] as Record<string, string>)['built_in']).toMatch(/^@pydantic\/genai-prices /);
    // Malformed lines are counted before --until: 25 in the seed fixtures + 12 in the first five agent homes
    // (Gemini CLI 4, GitHub Copilot CLI 3, Qwen Code 2, Amp 2, OpenCode's message files 1) + 2 rows of
    // OpenCode's database + one in each of the next ten agents' fixtures = 49.
    expect(header).toContain('49 malformed lines skipped');
    expect(problems).toEqual([]);
    expect(dialogs).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
  });

  it('sorts a table by a header: most cost first, unknown costs last', async () => {
    const { page } = await open('sorting', renderHtmlForCommand('report', reportJson));
    const table = page.locator('table[data-table="models"]');
    await table.locator('thead button', { hasText: /^cost$/ }).click();
    const costs = await table.locator('tbody tr td:nth-child(8)').allTextContents();
    // claude-opus-4-1 has the most cost in the fixtures; acme-large-2 has no price, so "?" goes last.
    expect(await table.locator('tbody tr:first-child td:first-child').textContent()).toBe('claude-opus-4-1');
    expect(costs.at(-1)).toBe('?');
    expect(await table.locator('thead th[aria-sort="descending"]').textContent()).toMatch(/^cost/);
  });

  it('shows markup in log text as text, and the totals worked out by hand', async () => {
    const json = await readJson(['report', writeHostileLogs(), '--until', '2026-11-20']);
    // The per-day keys the charts draw (days[].models, days[].cache), by hand for the first day's one record:
    // cost 0.0123; cache hit rate = read 1000 / (fresh 200 + read 1000 + write 200) = 1000 / 1400 = 0.714286.
    const firstDay = (json['days'] as Array<Record<string, Record<string, unknown> & Array<Record<string, unknown>>>>)[0]!;
    expect(firstDay['models']).toMatchObject([{ model: HOSTILE_MODEL, cost_usd: 0.0123, total_tokens: 1500 }]);
    expect(firstDay['cache']).toMatchObject({ cache_reported_records: 1, cache_hit_rate: 0.714286, cache_reuse_rate: 0.833333 });
    const { page, problems, dialogs } = await open('hostile', renderHtmlForCommand('report', json), { scheme: 'dark' });
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    expect(await page.locator('img, iframe').count()).toBe(0);
    expect(await page.locator('table[data-table="models"] tbody td:first-child').textContent()).toBe(HOSTILE_MODEL);
    expect(await page.locator('#top-models .name').first().textContent()).toBe(HOSTILE_MODEL);
    const tile = (id: string) => page.locator(`[data-tile="${id}"] .tile-value`).textContent();
    // Recorded costs: 0.0123 + 0.0041 = 0.0164.
    expect(await tile('cost')).toBe('$0.0164');
    // Tokens: 1500 + 800 = 2,300 (under 10,000, so shown in full); 2 calls.
    expect(await tile('tokens')).toBe('2,300');
    expect(await tile('calls')).toBe('2');
    // Cache: read 1000 / (fresh 200 + 500, read 1000, write 200) = 1000 / 1900 = 52.6%.
    expect(await tile('cache-hit-rate')).toBe('52.6%');
    expect(await tile('unpriced')).toBe('0 tokens');
  });

  it('draws cost and budget pages: groups as bars, the budget against its limit line', async () => {
    const cost = await readJson(['cost', LOGS, '--by', 'model']);
    const costPage = await open('cost', renderHtmlForCommand('cost', cost));
    // 26 models in the fixtures (11 seed, 12 from the first five agent homes with OpenCode's database, then
    // unknown, claude-sonnet-4-6 and edge/qwen3:4b from the next ten): the 20 with the most cost get a bar, the widest for the most cost
    // (claude-sonnet-4-5: pi's, Goose's and Qwen's sessions, the full width).
    const bars = costPage.page.locator('#top-groups li');
    expect(await bars.count()).toBe(20);
    expect(await bars.first().locator('.name').textContent()).toBe('claude-sonnet-4-5');
    expect(await bars.first().locator('.bar').evaluate((bar) => (bar as HTMLElement).style.width)).toBe('100%');
    expect(costPage.problems).toEqual([]);

    const nested = await readJson(['cost', LOGS, '--by', 'project,model']);
    const nestedPage = await open('cost-nested', renderHtmlForCommand('cost', nested));
    // --by project,model nests model rows in project rows; the table lists the inner rows, each naming both.
    const models = await nestedPage.page.locator('table[data-table="cost"] tbody td:nth-child(2)').allTextContents();
    expect(models.length).toBeGreaterThan((nested['rows'] as unknown[]).length);
    expect(models.every((model) => model.length > 0)).toBe(true);

    const budget = await readJson(['budget', LOGS, '--max-cost', '0.1', '--period', 'day', '--until', '2026-11-20']);
    const budgetPage = await open('budget', renderHtmlForCommand('budget', budget), { width: 390 });
    const budgetCharts = await readCharts(budgetPage.page);
    // Spend within the limit, spend over it, and the limit line; one position per day from 2026-10-27 to 2026-11-20: 5 + 20.
    expect(budgetCharts).toMatchObject([{ id: 'budget', series: 3, points: 25 }]);
    expect(budgetCharts[0]!.legend.map((text) => text.split(':')[0])).toEqual(['day', 'cost within the limit', 'over the limit', 'limit $0.1000']);
    expect(await budgetPage.page.locator('[data-tile="status"] .tile-value').textContent()).toBe(budget['status']);
    expect(budgetPage.problems).toEqual([]);
  });
});
