/**
 * `--engine duckdb` (src/engine): the same JSON as the built-in reducers on
 * the same records. Two generated machines' logs (with overlap) are exported
 * to Parquet; every report is computed by reading the exports back (built-in)
 * and by SQL over the same files (DuckDB), and the JSON must be equal.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Analysis, analyze, type TimeRange } from '../src/core/analyze.js';
import { createRecordFilter, type RecordFilterSpec } from '../src/core/filter.js';
import { foldBudget, foldCost, foldPeriods, listBudgetColumns, listCostColumns } from '../src/engine/fold.js';
import { queryLake, toAnalysis } from '../src/engine/duckdb.js';
import { exportSources } from '../src/export/export.js';
import type { CostMode } from '../src/pricing/types.js';
import { type BudgetLimits, buildBudgetReport, checkBudget, createBudgetReducer } from '../src/reports/budget.js';
import { buildCostReport, type CostKey, createCostReducer, createKeyReader } from '../src/reports/cost.js';
import { buildPeriodsReport, createPeriodsReducer } from '../src/reports/periods.js';
import type { PeriodUnit } from '../src/reducers/periods.js';
import type { Reducer } from '../src/reducers/reducer.js';
import { createTwoMachines, exportTwoMachines, generateMachines, priceByHandIn, sourcesOf } from './helpers/two-machines.js';

const available = await import('@duckdb/node-api').then(
  () => true,
  () => false,
);
if (!available) console.warn('test/engine.test.ts skipped: the optional dependency @duckdb/node-api is not installed');

/** Two machines of 600 generated records each, 150 of the first also in the second's log, exported to Parquet. */
async function createLake(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'usage-engine-'));
  const folders = generateMachines(root, ['laptop', 'ci-runner'], 600, 150);
  const lake = join(root, 'lake');
  for (const [machine, folder] of Object.entries(folders)) {
    await exportSources(await sourcesOf(folder), { format: 'parquet', out: lake, machine, incremental: true }, { priceRecord: priceByHandIn('calculate') });
  }
  return lake;
}

const lake = available ? await createLake() : '';

interface Selection {
  mode: CostMode;
  range?: TimeRange;
  filter?: RecordFilterSpec;
}

async function builtIn<State>(reducer: Reducer<State>, selection: Selection): Promise<Analysis<State>> {
  return analyze(await sourcesOf(lake), reducer, {
    priceRecord: priceByHandIn(selection.mode),
    range: selection.range,
    filter: selection.filter ? createRecordFilter(selection.filter) : undefined,
  });
}

function lakeQuery(selection: Selection) {
  return { paths: [lake], costMode: selection.mode, range: selection.range, filter: selection.filter };
}

function roundFigures(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, item) => (typeof item === 'number' ? Number(item.toPrecision(12)) : item)));
}

const MARCH = { start: Date.UTC(2026, 2, 1), end: Date.UTC(2026, 2, 15) };

describe.skipIf(!available)('--engine duckdb gives the JSON of the built-in reducers', () => {
  const costCases: Array<[CostKey[], string, Selection]> = [
    [['project', 'model'], 'UTC', { mode: 'calculate' }],
    [['machine'], 'UTC', { mode: 'auto' }],
    [['agent', 'project'], 'UTC', { mode: 'recorded' }],
    [['day'], 'Asia/Kathmandu', { mode: 'calculate', range: MARCH }],
    [['week', 'machine'], 'America/New_York', { mode: 'auto', filter: { project: ['alpha', '(no project)'] } }],
    [['month', 'provider'], 'Europe/Berlin', { mode: 'calculate', filter: { machine: ['ci-runner'], model: ['gpt-5', 'mystery'] } }],
  ];
  for (const [by, zone, selection] of costCases) {
    it(`cost --by ${by.join(',')} (${zone}, ${JSON.stringify(selection)})`, async () => {
      const meta = { by, since: null, until: null, zone, costMode: selection.mode, priceSource: 'test', pricingFile: null };
      const expected = buildCostReport(await builtIn(createCostReducer(by.map((key) => createKeyReader(key, zone))), selection), meta);
      const result = await queryLake({ ...lakeQuery(selection), byTime: listCostColumns(by).length < by.length }, listCostColumns(by));
      const actual = buildCostReport(toAnalysis(result, (bundles) => foldCost(bundles, by, zone)), meta);
      // The generated data must exercise the overlap: 150 shared lines read twice.
      expect((expected.json as { duplicate_lines: number }).duplicate_lines).toBeGreaterThanOrEqual(150);
      // The same text, key order included.
      expect(JSON.stringify(actual.json, null, 2)).toBe(JSON.stringify(expected.json, null, 2));
      // Tables carry unrounded sums (renderers round them); sums in another order differ past the 12th digit.
      expect(roundFigures(actual.datasets)).toEqual(roundFigures(expected.datasets));
    });
  }

  const periodCases: Array<[PeriodUnit, boolean, string, Selection]> = [
    ['day', true, 'UTC', { mode: 'calculate' }],
    ['week', false, 'Australia/Adelaide', { mode: 'auto', range: MARCH }],
    ['month', true, 'America/Los_Angeles', { mode: 'recorded', filter: { agent: ['provider'] } }],
  ];
  for (const [unit, breakdown, zone, selection] of periodCases) {
    it(`${unit} periods (breakdown ${breakdown}, ${zone}, ${JSON.stringify(selection)})`, async () => {
      const options = { unit, zone, breakdown, startOfWeek: 'monday' as const };
      const meta = { since: null, until: null, zone, unit, breakdown, startOfWeek: 'monday' as const };
      const expected = buildPeriodsReport(await builtIn(createPeriodsReducer(options), selection), meta);
      const result = await queryLake({ ...lakeQuery(selection), byTime: true }, []);
      const actual = buildPeriodsReport(toAnalysis(result, (bundles) => foldPeriods(bundles, options)), meta);
      // The same text, key order included.
      expect(JSON.stringify(actual.json, null, 2)).toBe(JSON.stringify(expected.json, null, 2));
    });
  }

  for (const by of ['model', 'project', 'agent', undefined] as const) {
    it(`budget --period week --by ${by ?? '(none)'}`, async () => {
      const limits: BudgetLimits = { maxCost: 50, maxTokens: null, period: 'week', by: by ?? null, warnAt: 0.8 };
      const zone = 'UTC';
      const now = new Date(Date.UTC(2026, 2, 4, 12));
      const selection: Selection = { mode: 'auto' };
      const meta = { since: null, until: null, zone };
      const expectedAnalysis = await builtIn(createBudgetReducer(limits, zone), selection);
      const expected = buildBudgetReport(checkBudget(expectedAnalysis.state, limits, zone, now), expectedAnalysis, meta);
      const result = await queryLake({ ...lakeQuery(selection), byTime: true }, listBudgetColumns(limits));
      const actualAnalysis = toAnalysis(result, (bundles) => foldBudget(bundles, limits, zone));
      const actual = buildBudgetReport(checkBudget(actualAnalysis.state, limits, zone, now), actualAnalysis, meta);
      // The same text, key order included.
      expect(JSON.stringify(actual.json, null, 2)).toBe(JSON.stringify(expected.json, null, 2));
    });
  }
});

describe.skipIf(!available)('--engine duckdb over two machines', () => {
  it('gives the exact, hand-checked union', async () => {
    const machines = createTwoMachines();
    const out = join(machines.root, 'team-exports');
    await exportTwoMachines('parquet', out, machines);
    const result = await queryLake({ paths: [join(out, '**', '*.parquet')], costMode: 'calculate' }, ['machine']);
    const json = buildCostReport(toAnalysis(result, (bundles) => foldCost(bundles, ['machine'], 'UTC')), {
      by: ['machine'],
      since: null,
      until: null,
      zone: 'UTC',
      costMode: 'calculate',
      priceSource: 'test',
      pricingFile: null,
    }).json as { totals: Record<string, unknown>; rows: Array<Record<string, unknown>>; duplicate_lines: number };
    // a1, shared, a2, b1, b2: input 100 + 1000 + 7 + 20 + 50 = 1177, output 10 + 100 + 3 + 5 + 50 = 168.
    expect(json.totals).toMatchObject({ records: 5, input_tokens: 1177, output_tokens: 168, calculated_cost_usd: 1.363 });
    // Six rows read (three per machine), the shared one twice.
    expect(json.duplicate_lines).toBe(1);
    expect(json.rows.map((row) => [row['machine'], row['records']])).toEqual([['desktop', 3], ['laptop', 2]]);
  });
});
