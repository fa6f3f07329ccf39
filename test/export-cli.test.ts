/**
 * `usage export` and `--engine duckdb` through the command line: two
 * machines export into one folder, every command reads the folder back, and
 * the DuckDB engine prints the same bytes as the built-in reader.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { createTwoMachines } from './helpers/two-machines.js';

const duckdbAvailable = await import('@duckdb/node-api').then(
  () => true,
  () => false,
);
if (!duckdbAvailable) console.warn('test/export-cli.test.ts: --engine duckdb cases skipped, the optional dependency @duckdb/node-api is not installed');

/** Both machines exported (incrementally, as cron would) into `team`, with a price file the tests can check by hand. */
async function exportBoth() {
  const machines = createTwoMachines();
  const team = join(machines.root, 'team');
  const prices = join(machines.root, 'prices.json');
  // $1,000 / $2,000 per million: $0.001 per input and $0.002 per output token, as in the helpers.
  writeFileSync(prices, JSON.stringify({ models: { 'claude-sonnet-4-5': { input: 1000, output: 2000 } } }));
  for (const [machine, folder] of [['laptop', machines.laptop], ['desktop', machines.desktop]] as const) {
    const run = await runCli(['export', folder, '--out', team, '--machine', machine, '--incremental', '--pricing', prices, '--no-cache']);
    expect(run.code, run.stderr).toBe(0);
  }
  return { ...machines, team, prices };
}

describe('usage export (CLI)', () => {
  it('exports each machine, reads the folder back as the exact union', async () => {
    const { team, prices } = await exportBoth();
    expect(readdirSync(team).sort()).toEqual(['.usage-export', 'machine=desktop', 'machine=laptop']);
    const run = await runCli(['cost', team, '--by', 'machine', '--json', '--pricing', prices, '--cost-mode', 'calculate', '--no-cache']);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    // a1, shared, a2, b1, b2: input 100 + 1000 + 7 + 20 + 50 = 1177, output 10 + 100 + 3 + 5 + 50 = 168.
    expect(json.totals).toMatchObject({ records: 5, input_tokens: 1177, output_tokens: 168 });
    expect(json.rows.map((row: { machine: string; records: number }) => [row.machine, row.records])).toEqual([
      ['desktop', 3],
      ['laptop', 2],
    ]);
    // b2's model has no price: never $0.
    expect(json.unpriced_models).toEqual([{ model: 'mystery', records: 1, total_tokens: 100 }]);
  });

  it('filters by machine and project', async () => {
    const { team } = await exportBoth();
    const run = await runCli(['cost', team, '--by', 'project', '--machine', 'laptop', '--json', '--no-cache']);
    expect(run.code, run.stderr).toBe(0);
    // laptop: a1 (alpha, 110 tokens) and a2 (alpha, 10 tokens).
    expect(JSON.parse(run.stdout).totals).toMatchObject({ records: 2, total_tokens: 120 });
  });

  it('writes NDJSON and CSV to stdout, and refuses Parquet there', async () => {
    const { laptop } = createTwoMachines();
    const ndjson = await runCli(['export', laptop, '--format', 'ndjson', '--out', '-', '--machine', 'm', '--no-cache']);
    expect(ndjson.code, ndjson.stderr).toBe(0);
    expect(ndjson.stdout.trim().split('\n').map((line) => JSON.parse(line).machine)).toEqual(['m', 'm', 'm']);
    const csv = await runCli(['export', laptop, '--format', 'csv', '--out', '-', '--machine', 'm', '--no-cache']);
    expect(csv.stdout.split('\r\n')[0]).toMatch(/^record_id,export_schema,dialect,agent,timestamp,day,/);
    const parquet = await runCli(['export', laptop, '--out', '-', '--no-cache']);
    expect(parquet.code).toBe(2);
    expect(parquet.stderr).toMatch(/Parquet is written to a folder/);
    const missing = await runCli(['export', laptop, '--no-cache']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/needs --out DIR/);
  });

  it('an incremental run with nothing new writes nothing', async () => {
    const { team, laptop } = await exportBoth();
    const run = await runCli(['export', laptop, '--out', team, '--machine', 'laptop', '--incremental', '--no-cache']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/export: 0 records into 0 files .*\(3 exported before\)/);
    expect(existsSync(join(team, '.usage-export', 'laptop.ids'))).toBe(true);
  });
});

describe.skipIf(!duckdbAvailable)('--engine duckdb (CLI)', () => {
  const commands: string[][] = [
    ['cost', '--by', 'project,model'],
    ['cost', '--by', 'machine,day', '--tz', 'Asia/Kolkata', '--cost-mode', 'calculate'],
    ['daily', '--breakdown'],
    ['weekly', '--start-of-week', 'sunday', '--since', '2026-03-01', '--until', '2026-03-02'],
    ['monthly', '--agent', 'provider'],
    ['budget', '--max-cost', '1', '--period', 'day', '--by', 'project'],
  ];
  for (const command of commands) {
    it(`usage ${command.join(' ')} prints the same JSON`, async () => {
      const { team, prices } = await exportBoth();
      const args = [...command, team, '--json', '--pricing', prices, '--no-cache'];
      const builtIn = await runCli(args);
      const duckdb = await runCli([...args, '--engine', 'duckdb']);
      expect(duckdb.stdout).toBe(builtIn.stdout);
      expect(duckdb.code).toBe(builtIn.code);
      expect(JSON.parse(duckdb.stdout).schema).toBe(1);
    });
  }

  it('says in one sentence when a folder holds no Parquet files', async () => {
    const { laptop } = createTwoMachines();
    const run = await runCli(['cost', laptop, '--engine', 'duckdb', '--no-cache']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: --engine duckdb found no Parquet files there: write them with usage export --format parquet.\n');
  });
});

describe.skipIf(!duckdbAvailable)('--engine duckdb over a broken file', () => {
  it('exits 1 with one sentence, no stack trace', async () => {
    const { team } = await exportBoth();
    writeFileSync(join(team, 'machine=laptop', 'broken.parquet'), 'not parquet at all');
    const run = await runCli(['cost', team, '--engine', 'duckdb', '--no-cache']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: DuckDB could not read the exports: .*broken\.parquet/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
