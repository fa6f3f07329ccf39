import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { computeChange, parseSavedReport } from '../src/reports/diff.js';
import { serializeTotals } from '../src/reports/serialize.js';
import { createTokenTotals } from '../src/reducers/totals.js';
import { fixture, runCli } from './helpers/cli.js';

// Per record (see test/cli-periods.test.ts for the arithmetic):
//   Oct 31 alpha 1,500,000 tokens $2.00 | Nov 2 alpha 300,000 $0.40 | Nov 2 beta 150,000 $2.00
//   Nov 3 gamma 1,500 unknown         | Nov 9 alpha 4,000,000 $5.00
const LOG = fixture('cases', 'periods', 'usage.jsonl');
const PRICES = fixture('cases', 'periods', 'prices.json');
const BASELINE = ['--against-since', '2026-10-26', '--against-until', '2026-11-01'];

interface Change {
  total_tokens: number;
  cost_usd: number | null;
  total_tokens_ratio: number | null;
  cost_usd_ratio: number | null;
  cost_complete: boolean;
}
interface DiffJson {
  schema: number;
  kind: string;
  mode: string;
  baseline: Record<string, unknown>;
  current: Record<string, unknown>;
  totals: { baseline: { total_tokens: number; cost_usd: number | null }; current: { total_tokens: number; cost_usd: number | null }; change: Change };
  models: Array<{ model: string; baseline: { total_tokens: number } | null; current: { total_tokens: number } | null; change: Change }>;
  excluded?: { out_of_range: number; undated: number };
}

async function runJson(args: string[]): Promise<DiffJson> {
  const result = await runCli([...args, '--json']);
  expect(result.stderr).not.toMatch(/^error/m);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as DiffJson;
}

describe('usage diff over two periods', () => {
  it('compares per model and in total, reading the logs once', async () => {
    // Current: Nov 2–8 = alpha 300,000 ($0.40), beta 150,000 ($2), gamma 1,500 (unknown); Nov 9 is in neither range.
    // Baseline: Oct 26–Nov 1 = alpha 1,500,000 ($2).
    const json = await runJson(['diff', LOG, '--pricing', PRICES, '--since', '2026-11-02', '--until', '2026-11-08', ...BASELINE]);
    expect(json).toMatchObject({ schema: 1, kind: 'diff', mode: 'periods' });
    expect(json.baseline).toEqual({ since: '2026-10-26', until: '2026-11-01', tz: 'UTC' });
    expect(json.current).toEqual({ since: '2026-11-02', until: '2026-11-08', tz: 'UTC' });
    // 451,500 − 1,500,000 = −1,048,500 tokens, −1,048,500 / 1,500,000 = −0.699; $2.40 − $2 = $0.40, 0.4 / 2 = 0.2.
    expect(json.totals.change).toMatchObject({ total_tokens: -1_048_500, total_tokens_ratio: -0.699, cost_usd: 0.4, cost_usd_ratio: 0.2, cost_complete: false });
    const byModel = Object.fromEntries(json.models.map((row) => [row.model, row]));
    // alpha: 300,000 − 1,500,000 = −1,200,000 tokens (−80%); $0.40 − $2 = −$1.60 (−80%).
    expect(byModel['test-alpha']?.change).toMatchObject({ total_tokens: -1_200_000, total_tokens_ratio: -0.8, cost_usd: -1.6, cost_usd_ratio: -0.8 });
    // beta is new: no baseline, so no ratio, and its whole $2 is the change.
    expect(byModel['test-beta']).toMatchObject({ baseline: null, change: { total_tokens: 150_000, total_tokens_ratio: null, cost_usd: 2 } });
    // gamma's cost is unknown, so its cost change is unknown too.
    expect(byModel['test-gamma']?.change).toMatchObject({ total_tokens: 1_500, cost_usd: null, cost_complete: false });
    // Biggest cost movers first: beta (+$2), alpha (−$1.60), then gamma (unknown).
    expect(json.models.map((row) => row.model)).toEqual(['test-beta', 'test-alpha', 'test-gamma']);
    // The Nov 9 record is in neither period.
    expect(json.excluded).toMatchObject({ out_of_range: 1, undated: 0 });
  });

  it('writes the comparison as CSV a parser can read', async () => {
    const result = await runCli(['diff', LOG, '--since', '2026-11-09', '--until', '2026-11-09', '--against-since', '2026-10-31', '--against-until', '2026-10-31', '--csv']);
    expect(result.code).toBe(0);
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    // Only alpha on both days: 4,000,000 − 1,500,000 = 2,500,000 tokens, 2,500,000 / 1,500,000 = 1.666667.
    expect(rows.map((row) => [row['model'], row['baseline_total_tokens'], row['total_tokens'], row['total_tokens_change'], row['total_tokens_ratio']])).toEqual([
      ['test-alpha', '1500000', '4000000', '2500000', '1.666667'],
      ['total', '1500000', '4000000', '2500000', '1.666667'],
    ]);
  });

  it('prints a table, Markdown and NDJSON', async () => {
    const args = ['diff', LOG, '--pricing', PRICES, '--since', '2026-11-09', '--until', '2026-11-09', '--against-since', '2026-10-31', '--against-until', '2026-10-31'];
    const table = await runCli(args);
    // $5 − $2 = $3, 3 / 2 = 150%.
    expect(table.stdout).toMatch(/test-alpha .*1\.5M.*4\.0M.*2\.5M.*166\.7%.*\$2\.00.*\$5\.00.*\$3\.00.*150\.0%/);
    const markdown = await runCli([...args, '--markdown']);
    expect(markdown.stdout).toContain('| model | baseline tokens |');
    const ndjson = await runCli([...args, '--ndjson']);
    expect(JSON.parse(ndjson.stdout.trim())).toMatchObject({ section: 'diff', model: 'test-alpha', cost_usd_change: 3 });
  });

  it('signs cost changes before the dollar and marks figures that leave out unpriced usage', async () => {
    // Same periods as the first test: alpha $2 → $0.40, beta new at $2, gamma new and unpriced (1,500 tokens).
    const args = ['diff', LOG, '--pricing', PRICES, '--since', '2026-11-02', '--until', '2026-11-08', ...BASELINE];
    const table = await runCli(args);
    expect(table.code).toBe(0);
    const cells = (label: string) =>
      table.stdout
        .split('\n')
        .find((line) => line.startsWith(`│ ${label} `))
        ?.split('│')
        .slice(6, 10)
        .map((cell) => cell.trim());
    // baseline cost, cost, Δ cost, Δ cost %.
    expect(cells('test-alpha')).toEqual(['$2.00', '$0.4000', '-$1.60', '-80.0%']);
    expect(cells('test-beta')).toEqual(['$0.00', '$2.00', '+$2.00', 'n/a']);
    expect(cells('test-gamma')).toEqual(['$0.00', '?', '?', 'n/a']);
    // The current total leaves gamma out: a lower bound, and the change between the sides only approximate.
    expect(cells('total')).toEqual(['$2.00', '≥$2.40', '~+$0.4000', '~20.0%']);
    expect(table.stdout).not.toMatch(/\$[-+]/);

    const markdown = await runCli([...args, '--markdown']);
    expect(markdown.stdout).toContain('| test-alpha | 1.5M | 300k | -1.2M | -80.0% | $2.00 | $0.4000 | -$1.60 | -80.0% |');
    expect(markdown.stdout).toContain('| **$2.00** | **≥$2.40** | **~+$0.4000** | **~20.0%** |');

    const csv = await runCli([...args, '--csv']);
    const rows = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((row) => [row['model'], row['cost_usd_change'], row['baseline_unpriced_tokens'], row['unpriced_tokens']])).toEqual([
      ['test-beta', '2', '0', '0'],
      ['test-alpha', '-1.6', '0', '0'],
      ['test-gamma', '', '0', '1500'],
      ['total', '0.4', '0', '1500'],
    ]);
  });

  it.each([
    [['--since', '2026-11-02'], /needs two periods/],
    [[...BASELINE], /needs two periods/],
    [['--since', '2026-11-02', '--against-since', '2026-10-26', '--against-until', 'soon'], /--against-until "soon" is not a date/],
    [['--since', '2026-11-02', '--against-since', '2026-10-26', '--against-until', '2026-10-01'], /--against-until 2026-10-01 is before --against-since 2026-10-26/],
  ])('exits 2 without two periods: %j', async (flags, message) => {
    const result = await runCli(['diff', LOG, ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('usage diff --reports', () => {
  async function saveReport(args: string[]): Promise<string> {
    const result = await runCli(['report', LOG, '--pricing', PRICES, ...args, '--json']);
    expect(result.code).toBe(0);
    const path = join(mkdtempSync(join(tmpdir(), 'usage-diff-')), 'report.json');
    writeFileSync(path, result.stdout);
    return path;
  }

  it('diffs two saved report documents, the first being the baseline', async () => {
    const before = await saveReport(['--until', '2026-11-01']);
    const after = await saveReport(['--since', '2026-11-02']);
    const json = await runJson(['diff', '--reports', before, after]);
    expect(json.mode).toBe('reports');
    expect(json.baseline).toMatchObject({ file: before, range: { until: '2026-11-01' } });
    // Before: 1,500,000 tokens, $2. After: 4,451,500 tokens, $7.40 known. Change 2,951,500 (÷ 1,500,000 = 1.967667), $5.40 (÷ 2 = 2.7).
    expect(json.totals.change).toMatchObject({ total_tokens: 2_951_500, total_tokens_ratio: 1.967667, cost_usd: 5.4, cost_usd_ratio: 2.7 });
    expect(json.excluded).toBeUndefined();
  });

  it('rejects documents that are not saved reports of schema 1', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-diff-'));
    const good = await saveReport([]);
    const future = join(folder, 'future.json');
    writeFileSync(future, JSON.stringify({ schema: 2, kind: 'report', totals: {}, models: [] }));
    const daily = join(folder, 'daily.json');
    writeFileSync(daily, JSON.stringify({ schema: 1, kind: 'daily', totals: {}, models: [] }));
    const broken = join(folder, 'broken.json');
    writeFileSync(broken, '{"schema": 1,');
    for (const [args, message] of [
      [[good, future], /schema 2; this usage reads schema 1/],
      [[good, daily], /not a `usage report --json` document: field kind/],
      [[good, broken], /is not JSON/],
      [[good], /exactly two files/],
      [[good, join(folder, 'missing.json')], /Cannot read/],
      [[good, good, '--since', '2026-01-01'], /date flags do not apply/],
    ] as const) {
      const result = await runCli(['diff', '--reports', ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });
});

describe('computeChange', () => {
  it('treats a missing side as a known zero, and an unknown cost as unknown', () => {
    const totals = { ...createTokenTotals(), records: 2, totalTokens: 100, costUsd: 1.5 };
    const json = serializeTotals(totals);
    expect(computeChange(null, json)).toMatchObject({ records: 2, total_tokens: 100, cost_usd: 1.5, total_tokens_ratio: null });
    expect(computeChange(json, null)).toMatchObject({ total_tokens: -100, total_tokens_ratio: -1, cost_usd: -1.5, cost_usd_ratio: -1 });
    expect(computeChange(json, { ...json, cost_usd: null, unpriced_tokens: 100 })).toMatchObject({ cost_usd: null, cost_complete: false });
    // 0.3 − 0.1 is 0.19999999999999998 in floating point; the output is rounded to 6 decimals.
    expect(computeChange({ ...json, cost_usd: 0.1 }, { ...json, cost_usd: 0.3 }).cost_usd).toBe(0.2);
  });

  it('names the file and field of a malformed saved report', () => {
    expect(() => parseSavedReport(JSON.stringify({ schema: 1, kind: 'report', totals: { records: -1 }, models: [] }), 'old.json')).toThrow(
      /old\.json is not a `usage report --json` document: field totals\.records/,
    );
  });
});
