#!/usr/bin/env node
/**
 * Checks that the engine's SQL (src/engine/sql/*.sql) runs on ClickHouse with
 * only the documented differences (docs/engine.md), and gives the same sums
 * as DuckDB: `node bench/clickhouse-check.mjs [--chdb PATH] [--lake DIR]`.
 *
 * chDB (ClickHouse in-process, npm package `chdb`, a ~540 MB native library)
 * is not a dependency of this project; install it anywhere and pass the
 * package folder with --chdb (default: resolve `chdb` from here). Without
 * --lake, a small lake is made from two generated machines with overlap.
 * Run `npm run build` first. Exit 0 when every aggregate row agrees.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
};
const root = new URL('..', import.meta.url);
const load = (path) => import(new URL(path, root).href);
const { buildLakeQuery, listQueryColumns, loadDuckDb } = await load('dist/engine/duckdb.js');
const chdbPath = option('chdb');
const chdb = chdbPath ? createRequire(pathToFileURL(join(chdbPath, 'index.js')))(chdbPath) : createRequire(import.meta.url)('chdb');

let lake = option('lake');
if (lake === undefined) {
  const { createExporter } = await load('dist/export/export.js');
  const { createRecord } = await load('dist/core/record.js');
  lake = join(mkdtempSync(join(tmpdir(), 'usage-clickhouse-')), 'lake');
  // Small and deterministic, with what every part of the query reads: three
  // models (one unpriced), projects with paths (two share the folder name
  // `app`) or a name only, call sources, cache counts, context snapshots,
  // undated records, recorded costs, and copies across the two machines (the
  // same record, and one request logged again with a larger total).
  const places = [
    { project: 'app', projectPath: '/home/ana/work/app' },
    { project: 'app', projectPath: '/home/ana/play/app' },
    { project: 'legacy', projectPath: null },
    { project: null, projectPath: null },
  ];
  const recordOf = (n, grown = 0) =>
    createRecord(
      {
        dialect: n % 5 === 0 ? 'bamboo' : 'claude',
        agent: n % 5 === 0 ? 'bamboo' : 'claude-code',
        timestamp: n % 23 === 0 ? null : Date.UTC(2026, 2, 1) + n * 3_600_000,
        model: ['claude-sonnet-4-5', 'gpt-5', 'mystery'][n % 3],
        session: `s${n % 5}`,
        ...places[n % 4],
        requestId: n % 3 === 0 ? `req_${n}` : null,
        source: ['turn', 'sub-agent', null][n % 3],
        cacheReported: n % 5 !== 0,
        recordedCostUsd: n % 7 === 0 ? 0.25 : null,
        context:
          n % 5 === 0
            ? { systemTokens: 1, summaryTokens: 0, windowTokens: 2, promptTokens: (n * 997) % 50_000, maxContextTokens: n % 10 === 0 ? 0 : 64_000, budgetLimit: 0, cachedToolOutputs: 0, cachedToolTokensSaved: 0, truncationOccurred: n % 15 === 0, segmentsRemoved: n % 4, messageCount: 3 }
            : null,
      },
      { inputTokens: (n * 37) % 1000, outputTokens: ((n * 11) % 300) + grown, cacheReadTokens: n % 5 === 0 ? 0 : (n * 53) % 4000, cacheWrite5mTokens: n % 5 === 0 ? 0 : (n * 7) % 500 },
    );
  const price = (record) => {
    const cost = record.model === 'mystery' ? null : record.inputTokens * 0.001 + record.outputTokens * 0.002;
    return { ...record, costUsd: cost, calculatedCostUsd: cost, costSource: cost === null ? 'unknown' : 'calculated' };
  };
  const range = (from, to) => Array.from({ length: to - from }, (_, index) => from + index);
  for (const [machine, records] of [
    ['laptop', range(0, 300).map((n) => recordOf(n))],
    // 150 shared with the laptop, 20 of its requests again with 100 more output tokens.
    ['desktop', [...range(150, 450).map((n) => recordOf(n)), ...range(0, 60).filter((n) => n % 3 === 0).map((n) => recordOf(n, 100))]],
  ]) {
    const exporter = createExporter({ format: 'parquet', out: lake, machine, runId: 'check' });
    for (const record of records) exporter.add(price(record));
    exporter.finish();
  }
}

const files = readdirSync(lake, { recursive: true })
  .filter((name) => String(name).endsWith('.parquet'))
  .map((name) => join(lake, String(name)))
  .sort();
const cases = [
  { columns: ['project', 'machine'], query: { paths: [lake], costMode: 'calculate', byTime: true } },
  { columns: ['agent'], query: { paths: [lake], costMode: 'auto', range: { start: Date.UTC(2026, 2, 3), end: Date.UTC(2026, 2, 10) } } },
  { columns: ['machine'], query: { paths: [lake], costMode: 'recorded', filter: { project: ['work/app', 'legacy', '(no project)'] } } },
  // usage report's columns, and its median context ratio.
  { columns: ['provider', 'agent', 'source', 'project'], query: { paths: [lake], costMode: 'auto', byTime: true } },
  { columns: [], part: 'context-median', query: { paths: [lake], costMode: 'auto', filter: { machine: ['desktop'] } } },
];

const keyOf = (row) =>
  JSON.stringify(
    ['selection', 'dialect', 'model', 'provider', 'project', 'project_path', 'machine', 'agent', 'source', 'time_bucket'].map((key) =>
      row[key] === undefined || row[key] === null ? null : String(row[key]),
    ),
  );
const normalize = (rows) =>
  new Map(
    rows.map((row) => [
      keyOf(row),
      Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value === null ? null : typeof value === 'string' && !/^-?[\d.e+-]+$/.test(value) ? value : Number(Number(value).toPrecision(10))])),
    ]),
  );

const duckdb = await loadDuckDb();
const instance = await duckdb.DuckDBInstance.create(':memory:');
const connection = await instance.connect();
let failures = 0;
for (const { columns, query, part = 'aggregate' } of cases) {
  const all = listQueryColumns(columns);
  const duck = buildLakeQuery(files, query, all, 'duckdb', part);
  const expected = normalize((await connection.runAndReadAll(duck.sql, duck.values)).getRowObjects());
  const click = buildLakeQuery(files, query, all, 'clickhouse', part);
  const text = chdb.query(click.sql, 'JSONEachRow');
  const actual = normalize(text.trim() === '' ? [] : text.trim().split('\n').map((line) => JSON.parse(line)));
  let same = actual.size === expected.size;
  for (const [key, row] of expected) {
    if (JSON.stringify(row) !== JSON.stringify(actual.get(key))) {
      if (same) console.error(`first difference at ${key}:\n  duckdb     ${JSON.stringify(row)}\n  clickhouse ${JSON.stringify(actual.get(key))}`);
      same = false;
    }
  }
  if (part !== 'aggregate') console.log(`  ${JSON.stringify([...expected.values()])}`);
  console.log(`${same ? 'same' : 'DIFFERENT'}: ${part}, ${expected.size} rows, group by ${all.join(', ')}, ${JSON.stringify(query.filter ?? query.range ?? query.costMode)}`);
  if (!same) failures++;
}
process.exit(failures === 0 ? 0 : 1);
