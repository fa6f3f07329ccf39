import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHome, fixture, runCli } from './helpers/cli.js';

// fixtures/cases/periods/usage.jsonl, priced with fixtures/cases/periods/prices.json ($ per million tokens:
// test-alpha input 1, output 2; test-beta input 10, output 20; test-gamma has no price):
//   2026-10-31T12:00Z alpha 1,000,000 in + 500,000 out = 1,500,000 tokens, $1 + $1   = $2.00
//   2026-11-02T03:00Z alpha   200,000 in + 100,000 out =   300,000 tokens, $0.2+$0.2 = $0.40
//   2026-11-02T10:00Z beta    100,000 in +  50,000 out =   150,000 tokens, $1 + $1   = $2.00
//   2026-11-03T10:00Z gamma     1,000 in +     500 out =     1,500 tokens, unknown
//   2026-11-09T10:00Z alpha 3,000,000 in + 1,000,000 out = 4,000,000 tokens, $3 + $2 = $5.00
const LOG = fixture('cases', 'periods', 'usage.jsonl');
const PRICES = fixture('cases', 'periods', 'prices.json');
const BASE = [LOG, '--pricing', PRICES];

interface PeriodsJson {
  schema: number;
  kind: string;
  period: string;
  start_of_week?: string;
  periods: Array<{ period: string; records: number; total_tokens: number; cost_usd: number | null; unpriced_tokens: number; models?: Array<{ model: string; total_tokens: number; cost_usd: number | null }> }>;
  totals: { total_tokens: number; cost_usd: number | null; unpriced_tokens: number };
}

async function runJson(args: string[], options: Parameters<typeof runCli>[1] = {}): Promise<PeriodsJson> {
  const result = await runCli([...args, '--json'], options);
  expect(result.stderr).not.toMatch(/^error/m);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as PeriodsJson;
}

describe('usage daily / weekly / monthly', () => {
  let daily: PeriodsJson;
  beforeAll(async () => {
    daily = await runJson(['daily', ...BASE]);
  });

  it('prints one row per day with tokens and cost (--json)', () => {
    expect(daily).toMatchObject({ schema: 1, kind: 'daily', period: 'day' });
    expect(daily.periods.map((row) => [row.period, row.records, row.total_tokens, row.cost_usd, row.unpriced_tokens])).toEqual([
      ['2026-10-31', 1, 1_500_000, 2, 0],
      // 300,000 + 150,000 tokens; $0.40 + $2.00.
      ['2026-11-02', 2, 450_000, 2.4, 0],
      // Only unpriced usage: the cost is unknown, not $0.
      ['2026-11-03', 1, 1_500, null, 1_500],
      ['2026-11-09', 1, 4_000_000, 5, 0],
    ]);
    // 1,500,000 + 450,000 + 1,500 + 4,000,000 tokens; $2 + $2.40 + $5 known.
    expect(daily.totals).toMatchObject({ total_tokens: 5_951_500, cost_usd: 9.4, unpriced_tokens: 1_500 });
  });

  it('puts days in the --tz zone', async () => {
    // 2026-11-02T03:00Z is 22:00 on Nov 1 in New York (UTC-5 after DST ended on Nov 1).
    const json = await runJson(['daily', ...BASE, '--tz', 'America/New_York']);
    expect(json.periods.map((row) => [row.period, row.total_tokens])).toEqual([
      ['2026-10-31', 1_500_000],
      ['2026-11-01', 300_000],
      ['2026-11-02', 150_000],
      ['2026-11-03', 1_500],
      ['2026-11-09', 4_000_000],
    ]);
  });

  it('starts weeks on Monday by default, or on --start-of-week', async () => {
    const monday = await runJson(['weekly', ...BASE]);
    expect(monday.start_of_week).toBe('monday');
    // Sat Oct 31 → week of Mon Oct 26; Nov 2 and 3 → week of Mon Nov 2 (300,000 + 150,000 + 1,500); Mon Nov 9 → itself.
    expect(monday.periods.map((row) => [row.period, row.total_tokens])).toEqual([
      ['2026-10-26', 1_500_000],
      ['2026-11-02', 451_500],
      ['2026-11-09', 4_000_000],
    ]);
    const sunday = await runJson(['weekly', ...BASE, '--start-of-week', 'sunday']);
    // Sat Oct 31 → Sun Oct 25; Mon Nov 2, Tue Nov 3 → Sun Nov 1; Mon Nov 9 → Sun Nov 8.
    expect(sunday.periods.map((row) => row.period)).toEqual(['2026-10-25', '2026-11-01', '2026-11-08']);
  });

  it('adds a row per model under each period with --breakdown', async () => {
    const json = await runJson(['monthly', ...BASE, '--breakdown']);
    const november = json.periods.find((row) => row.period === '2026-11');
    // November: alpha 300,000 + 4,000,000 = 4,300,000 tokens, $0.40 + $5 = $5.40; beta 150,000, $2; gamma 1,500, unknown.
    expect(november?.models).toEqual([
      expect.objectContaining({ model: 'test-alpha', total_tokens: 4_300_000, cost_usd: 5.4 }),
      expect.objectContaining({ model: 'test-beta', total_tokens: 150_000, cost_usd: 2 }),
      expect.objectContaining({ model: 'test-gamma', total_tokens: 1_500, cost_usd: null }),
    ]);
  });

  it('writes RFC 4180 CSV that a CSV parser reads back (--csv)', async () => {
    const result = await runCli(['monthly', ...BASE, '--csv']);
    expect(result.code).toBe(0);
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((row) => [row['period'], row['total_tokens'], row['cost_usd'], row['unpriced_tokens']])).toEqual([
      // October: 1,500,000 tokens, $2; November: 450,000 + 1,500 + 4,000,000 = 4,451,500, $2.40 + $5 = $7.40,
      // leaving out gamma's 1,500 unpriced tokens.
      ['2026-10', '1500000', '2', '0'],
      ['2026-11', '4451500', '7.4', '1500'],
      ['total', '5951500', '9.4', '1500'],
    ]);
  });

  it('keeps model rows apart from period rows in CSV with --breakdown', async () => {
    const result = await runCli(['daily', ...BASE, '--csv', '--breakdown']);
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    const day = rows.filter((row) => row['period'] === '2026-11-02');
    expect(day.map((row) => [row['model'], row['total_tokens']])).toEqual([
      ['', '450000'],
      ['test-alpha', '300000'],
      ['test-beta', '150000'],
    ]);
  });

  it('writes one JSON object per row (--ndjson)', async () => {
    const result = await runCli(['weekly', ...BASE, '--ndjson']);
    const rows = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((row) => [row['section'], row['period'], row['total_tokens']])).toEqual([
      ['periods', '2026-10-26', 1_500_000],
      ['periods', '2026-11-02', 451_500],
      ['periods', '2026-11-09', 4_000_000],
    ]);
  });

  it('writes Markdown and table output', async () => {
    const markdown = await runCli(['daily', ...BASE, '--markdown']);
    expect(markdown.stdout).toContain('| day | records |');
    expect(markdown.stdout).toContain('| 2026-11-09 | 1 |');
    expect(markdown.stdout).toContain('| **total** |');
    const table = await runCli(['monthly', ...BASE]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/2026-11 .*4\.5M.*\$7\.40/);
  });

  it('marks a cost that leaves out unpriced usage as a lower bound, and an unknown one as ?', async () => {
    // November and the total leave out gamma's 1,500 tokens; October is fully priced.
    const monthly = await runCli(['monthly', ...BASE]);
    expect(monthly.stdout).toMatch(/│ 2026-10 .* \$2\.00 │/);
    expect(monthly.stdout).toMatch(/│ 2026-11 .* ≥\$7\.40 │/);
    expect(monthly.stdout).toMatch(/│ total .* ≥\$9\.40 │/);
    // Week of Nov 2: alpha + beta ($2.40) and gamma (unknown); with --breakdown gamma alone is "?".
    const weekly = await runCli(['weekly', ...BASE, '--breakdown', '--markdown']);
    expect(weekly.stdout).toContain('| 2026-10-26 |  | 1 | 1.0M | 500k | 0 | 0 | 1.5M | $2.00 |');
    expect(weekly.stdout).toContain('| 2026-11-02 |  | 3 | 301k | 151k | 0 | 0 | 452k | ≥$2.40 |');
    expect(weekly.stdout).toContain('| 2026-11-02 | test-gamma | 1 | 1,000 | 500 | 0 | 0 | 1,500 | ? |');
    expect(weekly.stdout).toContain('| **total** |  | **5** |');
    expect(weekly.stdout).toMatch(/\| \*\*≥\$9\.40\*\* \|$/m);
  });

  it('draws a bar chart of cost per day, gaps included (--chart)', async () => {
    const result = await runCli(['daily', ...BASE, '--chart'], { env: { COLUMNS: '80' } });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Daily cost, 2026-10-31 – 2026-11-09');
    // Ten days from Oct 31 to Nov 9, one line each.
    expect(lines).toHaveLength(11);
    expect(lines[2]).toMatch(/^2026-11-01 +\$0\.00$/);
    // $5 is the largest, so Nov 9 has the longest bar; Nov 3 is unknown.
    expect(lines[10]).toMatch(/^2026-11-09 █+ \$5\.00$/);
    expect(lines[4]).toMatch(/^2026-11-03 +\?$/);
    expect(result.stderr).toMatch(/unknown cost/);
  });

  it('charts tokens with --metric tokens', async () => {
    const result = await runCli(['monthly', ...BASE, '--chart', '--metric', 'tokens']);
    // Piped output draws bars of up to 60 cells: 1,500,000 / 4,451,500 × 60 × 8 = 161.7 → 162 eighths = 20 cells and '▎'.
    expect(result.stdout).toContain(`2026-10 ${'█'.repeat(20)}▎${' '.repeat(39)} 1.5M\n`);
    expect(result.stdout).toContain(`2026-11 ${'█'.repeat(60)} 4.5M\n`);
  });

  it.each([
    [['daily', LOG, '--metric', 'dollars'], /--metric "dollars"/],
    [['weekly', LOG, '--start-of-week', 'someday'], /--start-of-week "someday"/],
    [['daily', LOG, '--chart', '--json'], /--chart .* --json/],
    [['daily', LOG, '--json', '--csv'], /Choose one output format/],
  ])('rejects bad flags with exit 2, before reading anything: %j', async (args, message) => {
    const cacheDirectory = join(mkdtempSync(join(tmpdir(), 'usage-periods-cache-')), 'cache');
    const result = await runCli([...args, '--cache-dir', cacheDirectory]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
    expect(existsSync(cacheDirectory)).toBe(false);
  });

  it('takes the zone and pricing from the config file, and flags override it', async () => {
    const home = createHome();
    const cwd = mkdtempSync(join(tmpdir(), 'usage-cwd-'));
    writeFileSync(join(cwd, 'usage.config.json'), JSON.stringify({ tz: 'America/New_York', pricing: PRICES, paths: [LOG] }));
    const json = await runJson(['daily'], { home, cwd });
    // New York puts the 03:00Z record on Nov 1 (see above), and the config's prices make it $0.40.
    expect(json.periods[1]).toMatchObject({ period: '2026-11-01', total_tokens: 300_000, cost_usd: 0.4 });
    const overridden = await runJson(['daily', '--tz', 'UTC'], { home, cwd });
    expect(overridden.periods[1]).toMatchObject({ period: '2026-11-02', total_tokens: 450_000 });
  });

  it("takes the cost mode from the config file, and --cost-mode overrides it", async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'usage-cwd-'));
    writeFileSync(join(cwd, 'usage.config.json'), JSON.stringify({ costMode: 'recorded', pricing: PRICES, paths: [LOG] }));
    // The fixture's lines record no cost, so in recorded mode nothing has a known cost.
    const recorded = await runJson(['monthly'], { cwd });
    expect(recorded.totals).toMatchObject({ cost_usd: null, unpriced_tokens: 5_951_500 });
    const calculated = await runJson(['monthly', '--cost-mode', 'calculate'], { cwd });
    expect(calculated.totals).toMatchObject({ cost_usd: 9.4, unpriced_tokens: 1_500 });
  });

  it('stops with exit 2 on a bad config file, naming the file and field', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'usage-cwd-'));
    writeFileSync(join(cwd, 'usage.config.json'), JSON.stringify({ tz: 'Nowhere/Land' }));
    const result = await runCli(['daily', LOG], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(cwd, 'usage.config.json'));
    expect(result.stderr).toContain('field tz');
  });
});
