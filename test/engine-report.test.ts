/**
 * `usage report --engine duckdb` (src/engine): the same JSON as the built-in
 * report on the same records, and projects grouped and filtered by path as
 * the built-in reducers do. The lake is written straight from generated
 * canonical records (the export's own writer), so that every field the
 * report reads is exercised: project paths sharing a folder name, cache
 * counts, call sources, context snapshots, undated records, copies of one
 * request with a larger total on another machine.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, type TimeRange } from '../src/core/analyze.js';
import { createRecordFilter, type RecordFilterSpec } from '../src/core/filter.js';
import { type ContextSnapshot, createRecord, type UsageRecord } from '../src/core/record.js';
import { queryLake, toAnalysis } from '../src/engine/duckdb.js';
import { foldBudget, foldCost, foldReport, listBudgetColumns, listCostColumns, REPORT_COLUMNS, REPORT_SHARE_COLUMNS } from '../src/engine/fold.js';
import { createExporter } from '../src/export/export.js';
import type { CostMode } from '../src/pricing/types.js';
import { type BudgetLimits, buildBudgetReport, checkBudget, createBudgetReducer } from '../src/reports/budget.js';
import { buildCostReport, type CostKey, createCostReducer, createKeyReader } from '../src/reports/cost.js';
import { buildReport, createReportReducer } from '../src/reports/report.js';
import { parseDayKey } from '../src/time/zone.js';
import { createHome, fixture, runCli } from './helpers/cli.js';
import { priceByHandIn, sourcesOf } from './helpers/two-machines.js';

const available = await import('@duckdb/node-api').then(
  () => true,
  () => false,
);
if (!available) console.warn('test/engine-report.test.ts skipped: the optional dependency @duckdb/node-api is not installed');

/** A seeded generator, so a failing case can be run again. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const AGENTS = [
  { dialect: 'claude', agent: 'claude-code', cache: true },
  { dialect: 'codex', agent: 'codex', cache: true },
  { dialect: 'bamboo', agent: 'bamboo', cache: false },
] as const;
// Two paths share the folder name `app`; `legacy` is known by name only.
const PROJECTS: ReadonlyArray<{ project: string | null; projectPath: string | null }> = [
  { project: 'app', projectPath: '/home/ana/work/app' },
  { project: 'app', projectPath: '/home/ana/play/app' },
  { project: 'api', projectPath: '/srv/api' },
  { project: 'legacy', projectPath: null },
  { project: null, projectPath: null },
];
const MODELS = ['claude-sonnet-4-5', 'gpt-5', 'mystery', 'ollama/llama3', 'gemini-2.5-pro'];
const SOURCES = ['turn', 'sub-agent', null];

function createContext(random: () => number): ContextSnapshot {
  const maxContextTokens = random() < 0.2 ? 0 : 100_000 + Math.floor(random() * 100_000);
  return {
    systemTokens: 500,
    summaryTokens: 0,
    windowTokens: 1000,
    promptTokens: Math.floor(random() * 180_000),
    maxContextTokens,
    budgetLimit: 0,
    cachedToolOutputs: 0,
    cachedToolTokensSaved: 0,
    truncationOccurred: random() < 0.3,
    segmentsRemoved: Math.floor(random() * 4),
    messageCount: 12,
  };
}

/** `count` records, over 40 days from 2026-02-20 (one in 50 undated). */
function generateRecords(count: number, seed: number, prefix: string): UsageRecord[] {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const records: UsageRecord[] = [];
  for (let index = 0; index < count; index++) {
    const kind = pick(AGENTS);
    const where = pick(PROJECTS);
    const cacheRead = kind.cache ? Math.floor(random() * 20_000) : 0;
    const cacheWrite = kind.cache ? Math.floor(random() * 3000) : 0;
    records.push(
      createRecord(
        {
          dialect: kind.dialect,
          agent: kind.agent,
          timestamp: random() < 0.02 ? null : Date.UTC(2026, 1, 20) + Math.floor(random() * 40 * 24 * 60) * 60_000,
          model: pick(MODELS),
          session: `${prefix}-s${Math.floor(random() * 15)}`,
          project: where.project,
          projectPath: where.projectPath,
          requestId: random() < 0.5 ? `req_${prefix}_${index}` : null,
          source: pick(SOURCES),
          cacheReported: kind.cache,
          recordedCostUsd: random() < 0.2 ? Math.floor(random() * 10_000) / 10_000 : null,
          context: kind.dialect === 'bamboo' && random() < 0.8 ? createContext(random) : null,
        },
        {
          inputTokens: Math.floor(random() * 5000),
          outputTokens: Math.floor(random() * 800),
          cacheReadTokens: cacheRead,
          cacheWrite5mTokens: cacheWrite,
        },
      ),
    );
  }
  return records;
}

/**
 * Three machines: laptop and desktop share 120 records (a synced folder);
 * the desktop also has a larger copy of 30 of the laptop's requests (a
 * streamed response logged again), which must win; ci has its own.
 */
function createLake(): string {
  const lake = join(mkdtempSync(join(tmpdir(), 'usage-engine-report-')), 'lake');
  const laptop = generateRecords(500, 11, 'laptop');
  const desktop = generateRecords(400, 12, 'desktop');
  const ci = generateRecords(300, 13, 'ci');
  const shared = laptop.slice(0, 120);
  const grown = laptop
    .slice(120)
    .filter((record) => record.requestId !== null)
    .slice(0, 30)
    .map((record) => createRecord({ ...record }, { ...record, outputTokens: record.outputTokens + 500 }));
  const price = priceByHandIn('calculate');
  for (const [machine, records] of [
    ['laptop', laptop],
    ['desktop', [...desktop, ...shared, ...grown]],
    ['ci', ci],
  ] as const) {
    const exporter = createExporter({ format: 'parquet', out: lake, machine, runId: `run-${machine}` });
    for (const record of records) exporter.add(price({ ...record, machine: null }));
    exporter.finish();
  }
  return lake;
}

const lake = available ? createLake() : '';

interface Selection {
  mode: CostMode;
  range?: TimeRange | undefined;
  filter?: RecordFilterSpec | undefined;
}

async function builtIn<State>(reducer: Parameters<typeof analyze<State>>[1], selection: Selection) {
  return analyze(await sourcesOf(lake), reducer, {
    priceRecord: priceByHandIn(selection.mode),
    range: selection.range,
    filter: selection.filter ? createRecordFilter(selection.filter) : undefined,
  });
}

function lakeQuery(selection: Selection) {
  return { paths: [lake], costMode: selection.mode, range: selection.range, filter: selection.filter };
}

const MARCH = { start: Date.UTC(2026, 2, 1), end: Date.UTC(2026, 2, 15) };

describe.skipIf(!available)('usage report --engine duckdb gives the JSON of the built-in report', () => {
  const cases: Array<[string, Selection]> = [
    ['UTC', { mode: 'calculate' }],
    ['Asia/Kathmandu', { mode: 'auto', range: MARCH }],
    ['America/New_York', { mode: 'recorded', filter: { agent: ['bamboo', 'codex'] } }],
    ['Europe/Berlin', { mode: 'auto', filter: { project: ['work/app', 'legacy'], machine: ['desktop', 'ci'] } }],
  ];
  for (const [zone, selection] of cases) {
    it(`report (${zone}, ${JSON.stringify(selection)})`, async () => {
      const options = { since: null, until: null, zone, today: parseDayKey('2026-03-20'), trendDays: 10, prices: { builtIn: 'test', overrideFile: null } };
      const expected = buildReport(await builtIn(createReportReducer(zone), selection), options);
      const result = await queryLake({ ...lakeQuery(selection), byTime: true, contextMedian: true, alsoGroupBy: [REPORT_SHARE_COLUMNS] }, REPORT_COLUMNS);
      const actual = buildReport(
        toAnalysis(result, (bundles, lakeResult) => foldReport(bundles, lakeResult.more[0] ?? [], zone, lakeResult.contextMiddle)),
        options,
      );
      const json = expected.json as Record<string, unknown>;
      if (selection.filter === undefined) {
        // The data must exercise what is compared: copies, paths sharing a name, cache, context, undated records.
        expect(json['duplicate_lines']).toBe(150);
        expect((json['projects'] as Array<{ project: string }>).map((row) => row.project).sort()).toEqual(['(no project)', 'api', 'legacy', 'play/app', 'work/app']);
        expect((json['cache'] as { cache_reported: boolean }).cache_reported).toBe(true);
        expect((json['context_pressure'] as { snapshots: number } | null)?.snapshots).toBeGreaterThan(selection.range ? 20 : 100);
        if (selection.range === undefined) expect(json['undated_records']).toBeGreaterThan(0);
      }
      // The same text, key order included.
      expect(JSON.stringify(actual.json, null, 2)).toBe(JSON.stringify(expected.json, null, 2));
    });
  }
});

describe.skipIf(!available)('projects under --engine duckdb group and filter by path, as the built-in does', () => {
  const meta = (by: CostKey[], mode: CostMode) => ({ by, since: null, until: null, zone: 'UTC', costMode: mode, priceSource: 'test', pricingFile: null });

  for (const filter of [undefined, ['app'], ['work/app'], ['/home/ana/play/app'], ['legacy', '(no project)'], ['ana/play/app', 'api']]) {
    it(`cost --by project${filter ? ` --project ${filter.join(',')}` : ''}`, async () => {
      const selection: Selection = { mode: 'calculate', filter: filter ? { project: filter } : undefined };
      const by: CostKey[] = ['project'];
      const expected = buildCostReport(await builtIn(createCostReducer(by.map((key) => createKeyReader(key, 'UTC'))), selection), meta(by, 'calculate'));
      const result = await queryLake(lakeQuery(selection), listCostColumns(by));
      const actual = buildCostReport(toAnalysis(result, (bundles) => foldCost(bundles, by, 'UTC')), meta(by, 'calculate'));
      expect(JSON.stringify(actual.json, null, 2)).toBe(JSON.stringify(expected.json, null, 2));
    });
  }

  it('shows two paths that share a folder name apart, and --project app selects both', async () => {
    const by: CostKey[] = ['project'];
    const rowsOf = async (filter?: string[]) => {
      const result = await queryLake(lakeQuery({ mode: 'calculate', filter: filter ? { project: filter } : undefined }), listCostColumns(by));
      const json = buildCostReport(toAnalysis(result, (bundles) => foldCost(bundles, by, 'UTC')), meta(by, 'calculate')).json as {
        rows: Array<{ project: string; project_path: string | null }>;
      };
      return json.rows.map((row) => [row.project, row.project_path]).sort();
    };
    expect(await rowsOf()).toEqual([
      ['(no project)', null],
      ['api', '/srv/api'],
      ['legacy', null],
      ['play/app', '/home/ana/play/app'],
      ['work/app', '/home/ana/work/app'],
    ]);
    // The short name shared by two paths selects both; a widened name or a full path selects one.
    expect(await rowsOf(['app'])).toEqual([
      ['play/app', '/home/ana/play/app'],
      ['work/app', '/home/ana/work/app'],
    ]);
    expect(await rowsOf(['work/app'])).toEqual([['app', '/home/ana/work/app']]);
    expect(await rowsOf(['/srv/api', '(no project)'])).toEqual([
      ['(no project)', null],
      ['api', '/srv/api'],
    ]);
    // A part of a segment is not a name: `pp` names no project.
    expect(await rowsOf(['pp'])).toEqual([]);
  });

  it('budget --by project splits by path', async () => {
    const limits: BudgetLimits = { maxCost: 5, maxTokens: null, period: 'month', by: 'project', warnAt: null };
    const now = new Date(Date.UTC(2026, 2, 20));
    const metaBudget = { since: null, until: null, zone: 'UTC' };
    const expectedAnalysis = await builtIn(createBudgetReducer(limits, 'UTC'), { mode: 'auto' });
    const expected = buildBudgetReport(checkBudget(expectedAnalysis.state, limits, 'UTC', now), expectedAnalysis, metaBudget);
    const result = await queryLake({ ...lakeQuery({ mode: 'auto' }), byTime: true }, listBudgetColumns(limits));
    const actualAnalysis = toAnalysis(result, (bundles) => foldBudget(bundles, limits, 'UTC'));
    const actual = buildBudgetReport(checkBudget(actualAnalysis.state, limits, 'UTC', now), actualAnalysis, metaBudget);
    expect(JSON.stringify(actual.json, null, 2)).toBe(JSON.stringify(expected.json, null, 2));
    expect(JSON.stringify(expected.json)).toContain('work/app');
  });
});

/**
 * The same JSON text, except that a money figure or a cost share may differ
 * by one in its sixth decimal: with the real price list a cost is often a
 * multiple of $0.000000375, so a sum can fall on a half-millionth, and the
 * two engines add the same doubles in another order (docs/engine.md).
 */
function expectSameUpToMoneyRounding(actual: string, expected: string): void {
  const actualLines = actual.split('\n');
  const expectedLines = expected.split('\n');
  expect(actualLines.length).toBe(expectedLines.length);
  const money = /^(\s*"(?:cost_usd|calculated_cost_usd|recorded_cost_usd|cost_share)": )(-?[0-9.e-]+)(,?)$/;
  let rounded = 0;
  expectedLines.forEach((line, index) => {
    const other = actualLines[index] as string;
    if (other === line) return;
    const [left, right] = [money.exec(line), money.exec(other)];
    expect(left && right && left[1] === right[1] && left[3] === right[3], `line ${index + 1}: ${other} for ${line}`).toBe(true);
    expect(Math.abs(Number(left?.[2]) - Number(right?.[2]))).toBeLessThan(1.5e-6);
    rounded++;
  });
  // A handful of rounding flips, not a different sum.
  expect(rounded).toBeLessThan(expectedLines.length / 200);
}

describe.skipIf(!available)('usage report --engine duckdb (CLI)', () => {
  // Exported again through the CLI, so that the lake's calculated costs come from the price list the CLI reads back with.
  const relake = join(mkdtempSync(join(tmpdir(), 'usage-engine-cli-')), 'lake');
  it('re-exports the generated lake', async () => {
    const run = await runCli(['export', lake, '--format', 'parquet', '--out', relake, '--machine', 'unused', '--no-cache']);
    expect(run.code, run.stderr).toBe(0);
  });
  for (const extra of [['--until', '2026-03-31'], ['--since', '2026-03-01', '--until', '2026-03-10', '--tz', 'Asia/Tokyo', '--project', 'app']]) {
    it(`prints the JSON of the built-in report (${extra.join(' ')})`, async () => {
      const args = ['report', relake, '--json', '--no-cache', ...extra];
      const builtInRun = await runCli(args);
      const duckdbRun = await runCli([...args, '--engine', 'duckdb']);
      expect(builtInRun.code, builtInRun.stderr).toBe(0);
      expectSameUpToMoneyRounding(duckdbRun.stdout, builtInRun.stdout);
      expect(duckdbRun.code).toBe(builtInRun.code);
    });
  }
});

describe('--engine duckdb without paths', () => {
  it.each([['report'], ['cost'], ['daily'], ['budget', '--max-cost', '1']])(
    'is refused before anything is read (%s): no default logs listed, no cache folder made',
    async (...command) => {
      const home = createHome();
      // Default logs exist: the builtin engine would read them, the DuckDB engine must not go looking.
      mkdirSync(join(home, '.claude', 'projects', 'demo'), { recursive: true });
      copyFileSync(
        fixture('logs', 'claude', 'projects', '-home-dev-api', '9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e.jsonl'),
        join(home, '.claude', 'projects', 'demo', 'session.jsonl'),
      );
      const cacheDirectory = join(home, 'never-made');
      const result = await runCli([...command, '--engine', 'duckdb', '--cache-dir', cacheDirectory], { home });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: --engine duckdb reads the Parquet files of usage export: name their folder/);
      expect(existsSync(cacheDirectory)).toBe(false);
    },
  );
});
