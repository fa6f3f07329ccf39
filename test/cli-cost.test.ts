/**
 * `usage cost` through the real binary, on fixtures/cases/pricing/logs:
 *
 * thane.jsonl
 *   t1 claude-sonnet-4-5-20250929, 2025-10-01: in 1,000, out 2,000, read 10,000, writes 7,500 (5m 3,000, 1h 4,000, 500 untagged)
 *      1,000×3 + 2,000×15 + 10,000×0.3 + 3,500×3.75 + 4,000×6 = 73,125 → $0.073125
 *   t2 same model, 2025-10-02: in 5,000, out 1,000, read 190,000, 5m writes 10,000; prompt 205,000 > 200k → long-context rates
 *      5,000×6 + 1,000×22.5 + 190,000×0.6 + 10,000×7.5 = 241,500 → $0.2415
 *   t3 eastus/prod-chat (upstream gpt-4o-2024-08-06), in 1,000, out 100, recorded $0.01
 *      calculated 1,000×2.5 + 100×10 = 3,500 → $0.0035
 *   t4 mystery-model-x, in 1,000, out 1,000: no price → unknown
 *   t5 llama3.1:8b on ollama, in 5,000, out 500: free → $0
 * openai.jsonl
 *   gpt-4o chat, 2025-04-30: prompt 10,000 of which cached 8,000, out 500
 *      2,000×2.5 + 8,000×1.25 + 500×10 = 20,000 → $0.02
 *   o3 2025-05-15: in 1,000, out 1,000 (800 reasoning) at $10/$40 → 50,000 → $0.05
 *   o3 2025-07-15: same tokens at $2/$8 → 10,000 → $0.01
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, runCli } from './helpers/cli.js';

const LOGS = fixture('cases', 'pricing', 'logs');
const OVERRIDES = fixture('cases', 'pricing', 'overrides.json');

interface CostRow extends Record<string, unknown> {
  rows?: CostRow[];
}

async function runJson(args: string[]) {
  const result = await runCli(['cost', LOGS, '--json', ...args]);
  expect(result.stderr).not.toMatch(/^error/m);
  expect(result.code).toBe(0);
  return { json: JSON.parse(result.stdout) as { rows: CostRow[]; totals: CostRow; [key: string]: unknown }, stderr: result.stderr };
}

// Known cost of the whole input: 0.073125 + 0.2415 + 0.02 + 0.05 + 0.01 + 0.01 (recorded) + 0 = 0.404625
const TOTAL_COST = 0.073125 + 0.2415 + 0.02 + 0.05 + 0.01 + 0.01;

describe('usage cost --by model --json', () => {
  let json: { rows: CostRow[]; totals: CostRow; [key: string]: unknown };
  let stderr: string;

  beforeAll(async () => {
    ({ json, stderr } = await runJson(['--by', 'model']));
  });

  it('describes the run', () => {
    expect(json['schema']).toBe(1);
    expect(json['kind']).toBe('cost');
    expect(json['by']).toEqual(['model']);
    expect(json['cost_mode']).toBe('auto');
    expect(json['prices']).toEqual({ built_in: '@pydantic/genai-prices 0.1.8', override_file: null });
  });

  it('orders rows by cost, highest first, ties by tokens', () => {
    expect(json.rows.map((row) => row['model'])).toEqual([
      'claude-sonnet-4-5-20250929', // $0.314625
      'o3', // $0.06
      'gpt-4o', // $0.02
      'eastus/prod-chat', // $0.01
      'llama3.1:8b', // $0, 5,500 tokens
      'mystery-model-x', // unknown, 2,000 tokens
    ]);
  });

  it('adds up each model field by field', () => {
    const [sonnet, o3, gpt4o, deployment, llama, mystery] = json.rows;
    expect(sonnet).toEqual({
      model: 'claude-sonnet-4-5-20250929',
      records: 2,
      calls: 2,
      input_tokens: 6000, // 1,000 + 5,000
      output_tokens: 3000, // 2,000 + 1,000
      reasoning_tokens: 0,
      cache_read_tokens: 200000, // 10,000 + 190,000
      cache_write_tokens: 17500, // 7,500 + 10,000
      cache_write_5m_tokens: 13000, // 3,000 + 10,000
      cache_write_1h_tokens: 4000,
      unattributed_tokens: 0,
      total_tokens: 226500, // 6,000 + 3,000 + 200,000 + 17,500
      cost_usd: 0.314625, // 0.073125 + 0.2415
      unpriced_tokens: 0,
      calculated_cost_usd: 0.314625,
      recorded_cost_usd: null,
      recorded_records: 0,
      cost_share: Math.round((0.314625 / TOTAL_COST) * 1e6) / 1e6,
    });
    expect(o3).toMatchObject({ records: 2, input_tokens: 2000, output_tokens: 2000, reasoning_tokens: 1600, total_tokens: 4000, cost_usd: 0.06 });
    expect(gpt4o).toMatchObject({ input_tokens: 2000, cache_read_tokens: 8000, output_tokens: 500, total_tokens: 10500, cost_usd: 0.02 });
    expect(deployment).toMatchObject({
      total_tokens: 1100,
      cost_usd: 0.01,
      calculated_cost_usd: 0.0035,
      recorded_cost_usd: 0.01,
      recorded_records: 1,
    });
    expect(llama).toMatchObject({ total_tokens: 5500, cost_usd: 0, calculated_cost_usd: 0, cost_share: 0 });
    expect(mystery).toMatchObject({
      total_tokens: 2000,
      cost_usd: null,
      calculated_cost_usd: null,
      unpriced_tokens: 2000,
      cost_share: null,
    });
  });

  it('totals every record, with the unknown cost kept apart', () => {
    expect(json.totals).toMatchObject({
      records: 8,
      input_tokens: 17000, // 6,000 + 2,000 + 2,000 + 1,000 + 1,000 + 5,000
      output_tokens: 7100, // 3,000 + 2,000 + 500 + 100 + 1,000 + 500
      cache_read_tokens: 208000,
      cache_write_tokens: 17500,
      total_tokens: 249600, // 226,500 + 4,000 + 10,500 + 1,100 + 2,000 + 5,500
      cost_usd: 0.404625,
      unpriced_tokens: 2000,
      calculated_cost_usd: 0.398125, // 0.314625 + 0.06 + 0.02 + 0.0035 + 0
      recorded_cost_usd: 0.01,
      recorded_records: 1,
      cost_share: 1,
    });
    expect(json['unpriced_models']).toEqual([{ model: 'mystery-model-x', records: 1, total_tokens: 2000 }]);
  });

  it('warns about the unknown model in one line on stderr', () => {
    const warnings = stderr.split('\n').filter((line) => line.startsWith('warning:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/mystery-model-x/);
  });
});

describe('usage cost options', () => {
  it('prices with an override file', async () => {
    const { json, stderr } = await runJson(['--pricing', OVERRIDES]);
    const byModel = new Map(json.rows.map((row) => [row['model'], row]));
    // mystery-model-x at $1/$2: 1,000 + 2,000 = 3,000 → $0.003
    expect(byModel.get('mystery-model-x')?.['cost_usd']).toBe(0.003);
    // t1 (2025-10-01) keeps the built-in $0.073125. t2 (2025-10-02) takes the override's long-context tier:
    // input $4.80, output $18, read 0.1×4.8 = $0.48, write 5m 1.25×4.8 = $6 (Anthropic defaults):
    // 5,000×4.8 + 1,000×18 + 190,000×0.48 + 10,000×6 = 24,000 + 18,000 + 91,200 + 60,000 = 193,200 → $0.1932
    expect(byModel.get('claude-sonnet-4-5-20250929')?.['cost_usd']).toBe(0.266325); // 0.073125 + 0.1932
    expect(json['unpriced_models']).toEqual([]);
    expect(stderr).not.toMatch(/warning/);
  });

  it('calculates instead of using recorded costs with --cost-mode calculate', async () => {
    const { json } = await runJson(['--cost-mode', 'calculate']);
    const deployment = json.rows.find((row) => row['model'] === 'eastus/prod-chat');
    expect(deployment).toMatchObject({ cost_usd: 0.0035, calculated_cost_usd: 0.0035, recorded_cost_usd: 0.01 });
  });

  it('uses only recorded costs with --cost-mode recorded', async () => {
    const { json } = await runJson(['--cost-mode', 'recorded']);
    // Only t3 recorded a cost; llama is free by rule; everything else is unknown.
    expect(json.totals).toMatchObject({ cost_usd: 0.01, recorded_cost_usd: 0.01 });
    expect(json.rows.find((row) => row['model'] === 'gpt-4o')?.['cost_usd']).toBeNull();
  });

  it('nests several keys', async () => {
    const { json } = await runJson(['--by', 'role,model']);
    expect(json['by']).toEqual(['role', 'model']);
    // interactive: $0.314625; (none) = the OpenAI lines: 0.02 + 0.06 = $0.08; delegate: $0.01 + unknown; scheduled: $0
    expect(json.rows.map((row) => [row['role'], row['cost_usd']])).toEqual([
      ['interactive', 0.314625],
      ['(none)', 0.08],
      ['delegate', 0.01],
      ['scheduled', 0],
    ]);
    const delegate = json.rows[2]!;
    expect(delegate.rows?.map((row) => [row['model'], row['cost_usd']])).toEqual([
      ['eastus/prod-chat', 0.01],
      ['mystery-model-x', null],
    ]);
  });

  it('groups by ISO week, keyed by the Monday', async () => {
    const { json } = await runJson(['--by', 'week']);
    // 2025-10-01..03 fall in the week of Monday 2025-09-29: 0.073125 + 0.2415 + 0.01 + 0 = 0.324625 (plus one unknown)
    // 2025-04-30 → 2025-04-28 ($0.02), 2025-05-15 → 2025-05-12 ($0.05), 2025-07-15 → 2025-07-14 ($0.01)
    expect(json.rows.map((row) => [row['week'], row['cost_usd']])).toEqual([
      ['2025-09-29', 0.324625],
      ['2025-05-12', 0.05],
      ['2025-04-28', 0.02],
      ['2025-07-14', 0.01],
    ]);
  });

  it('shows an unknown cost as ? in the table, and a total that leaves it out as a lower bound', async () => {
    const result = await runCli(['cost', LOGS]);
    expect(result.code).toBe(0);
    const mystery = result.stdout.split('\n').find((line) => line.includes('mystery-model-x'));
    expect(mystery).toMatch(/ \? │/);
    expect(result.stdout).toMatch(/total .* ≥\$0\.4046 │/);
  });

  it('rejects a bad --by, --cost-mode or pricing file with exit 2', async () => {
    const badKey = await runCli(['cost', LOGS, '--by', 'colour']);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/--by "colour" is not a grouping key/);
    const badMode = await runCli(['cost', LOGS, '--cost-mode', 'guess']);
    expect(badMode.code).toBe(2);
    const badFile = await runCli(['cost', LOGS, '--pricing', fixture('cases', 'pricing', 'bad-field.json')]);
    expect(badFile.code).toBe(2);
    expect(badFile.stderr.trim().split('\n')).toHaveLength(1);
    expect(badFile.stderr).toMatch(/bad-field\.json: models\.my-model: unknown field "outptu"/);
  });
});

describe('usage cost with partly priced groups', () => {
  // house-model has no price: two records carry a recorded cost ($0.10 + $0.20, which in floating point
  // is 0.30000000000000004) and one does not (1,000 + 500 = 1,500 tokens unpriced). mystery-model-x has
  // neither a price nor a recorded cost (1,500 + 500 = 2,000 tokens).
  let folder: string;
  let logs: string;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'usage-partial-'));
    logs = join(folder, 'thane.jsonl');
    const line = (id: string, model: string, input: number, output: number, cost?: number) =>
      JSON.stringify({ id, timestamp: '2026-03-02T10:00:00Z', session_id: 's1', model, role: 'interactive', input_tokens: input, output_tokens: output, ...(cost === undefined ? {} : { cost_usd: cost }) });
    writeFileSync(
      logs,
      `${[line('n1', 'house-model', 1000, 100, 0.1), line('n2', 'house-model', 1000, 100, 0.2), line('n3', 'house-model', 1000, 500), line('n4', 'mystery-model-x', 1500, 500)].join('\n')}\n`,
    );
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const costCell = (stdout: string, label: string): string | undefined =>
    stdout
      .split('\n')
      .find((row) => row.startsWith(`│ ${label} `))
      ?.split('│')
      .map((cell) => cell.trim())[8];

  it('marks a partial cost as a lower bound and an unknown one as ? in tables, totals included', async () => {
    const result = await runCli(['cost', logs, '--by', 'model']);
    expect(result.code).toBe(0);
    expect(costCell(result.stdout, 'house-model')).toBe('≥$0.3000');
    expect(costCell(result.stdout, 'mystery-model-x')).toBe('?');
    expect(costCell(result.stdout, 'total')).toBe('≥$0.3000');
  });

  it('marks them the same way in Markdown', async () => {
    const result = await runCli(['cost', logs, '--by', 'model', '--markdown']);
    expect(result.stdout).toContain('| house-model | 3 | 3,000 | 700 | 0 | 0 | 3,700 | ≥$0.3000 | 100.0% |');
    expect(result.stdout).toContain('| mystery-model-x | 1 | 1,500 | 500 | 0 | 0 | 2,000 | ? | n/a |');
    expect(result.stdout).toContain('| **total** | **4** | **4,500** | **1,200** | **0** | **0** | **5,700** | **≥$0.3000** | **100.0%** |');
  });

  it('writes CSV with costs rounded to 6 decimals and the unpriced tokens beside them', async () => {
    const result = await runCli(['cost', logs, '--by', 'model', '--csv']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('0.30000000000000004');
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((row) => [row['model'], row['cost_usd'], row['unpriced_tokens']])).toEqual([
      ['house-model', '0.3', '1500'],
      ['mystery-model-x', '', '2000'],
      ['total', '0.3', '3500'],
    ]);
  });

  it('writes NDJSON with the same rounding and unpriced tokens', async () => {
    const result = await runCli(['cost', logs, '--by', 'model', '--ndjson']);
    const rows = result.stdout.trimEnd().split('\n').map((row) => JSON.parse(row) as Record<string, unknown>);
    expect(rows.map((row) => [row['model'], row['cost_usd'], row['unpriced_tokens']])).toEqual([
      ['house-model', 0.3, 1500],
      ['mystery-model-x', null, 2000],
    ]);
  });
});

describe('usage cost --by hour', () => {
  it('groups by the hour of the local day in --tz', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-hour-'));
    const path = join(folder, 'events.jsonl');
    const line = (timestamp: string, input: number) => JSON.stringify({ model: 'test-alpha', timestamp, usage: { input_tokens: input, output_tokens: 0 } });
    // 23:10 and 23:50 UTC on Nov 1 are 00:10 and 00:50 on Nov 2 in Berlin (UTC+1); 00:20 UTC is 01:20.
    writeFileSync(path, `${[line('2026-11-01T23:10:00Z', 1), line('2026-11-01T23:50:00Z', 2), line('2026-11-02T00:20:00Z', 4)].join('\n')}\n`);
    const result = await runCli(['cost', path, '--by', 'hour', '--tz', 'Europe/Berlin', '--json', '--no-cache']);
    const rows = (JSON.parse(result.stdout) as { rows: Array<{ hour: string; total_tokens: number }> }).rows;
    expect(Object.fromEntries(rows.map((row) => [row.hour, row.total_tokens]))).toEqual({ '2026-11-02 00:00': 3, '2026-11-02 01:00': 4 });
  });
});
