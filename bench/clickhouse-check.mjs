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
const { buildLakeQuery, loadDuckDb } = await load('dist/engine/duckdb.js');
const chdbPath = option('chdb');
const chdb = chdbPath ? createRequire(pathToFileURL(join(chdbPath, 'index.js')))(chdbPath) : createRequire(import.meta.url)('chdb');

let lake = option('lake');
if (lake === undefined) {
  const { exportSources } = await load('dist/export/export.js');
  const { discoverFiles } = await load('dist/sources/discover.js');
  const root = mkdtempSync(join(tmpdir(), 'usage-clickhouse-'));
  lake = join(root, 'lake');
  // The same generator as the tests, re-stated small: three models, overlap between the machines.
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const lines = (count, offset) =>
    Array.from({ length: count }, (_, index) => {
      const n = index + offset;
      return JSON.stringify({
        id: n % 3 === 0 ? `req_${n}` : undefined,
        model: ['claude-sonnet-4-5', 'gpt-5', 'mystery'][n % 3],
        timestamp: new Date(Date.UTC(2026, 2, 1) + n * 3_600_000).toISOString(),
        session_id: `s${n % 5}`,
        project: n % 4 === 0 ? undefined : `project-${n % 4}`,
        usage: { input_tokens: (n * 37) % 1000, output_tokens: (n * 11) % 300 },
        cost_usd: n % 5 === 0 ? 0.25 : undefined,
      });
    });
  const price = (record) => {
    const cost = record.model === 'mystery' ? null : record.inputTokens * 0.001 + record.outputTokens * 0.002;
    return { ...record, costUsd: cost, calculatedCostUsd: cost, costSource: cost === null ? 'unknown' : 'calculated' };
  };
  for (const [machine, offset] of [['laptop', 0], ['desktop', 150]]) {
    const folder = join(root, machine);
    mkdirSync(folder);
    writeFileSync(join(folder, 'usage.jsonl'), `${lines(300, offset).join('\n')}\n`);
    const { sources } = await discoverFiles([folder]);
    await exportSources(sources, { format: 'parquet', out: lake, machine }, { priceRecord: price });
  }
}

const files = readdirSync(lake, { recursive: true })
  .filter((name) => String(name).endsWith('.parquet'))
  .map((name) => join(lake, String(name)))
  .sort();
const cases = [
  { columns: ['project', 'machine'], query: { paths: [lake], costMode: 'calculate', byTime: true } },
  { columns: ['agent'], query: { paths: [lake], costMode: 'auto', range: { start: Date.UTC(2026, 2, 3), end: Date.UTC(2026, 2, 10) } } },
  { columns: ['machine'], query: { paths: [lake], costMode: 'recorded', filter: { project: ['project-1', '(no project)'] } } },
];

const keyOf = (row) => JSON.stringify(['selection', 'dialect', 'model', 'project', 'machine', 'agent', 'time_bucket'].map((key) => (row[key] === undefined ? null : String(row[key]))));
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
for (const { columns, query } of cases) {
  const all = ['model', ...columns];
  const duck = buildLakeQuery(files, query, all, 'duckdb');
  const expected = normalize((await connection.runAndReadAll(duck.sql, duck.values)).getRowObjects());
  const click = buildLakeQuery(files, query, all, 'clickhouse');
  const text = chdb.query(click.sql, 'JSONEachRow');
  const actual = normalize(text.trim() === '' ? [] : text.trim().split('\n').map((line) => JSON.parse(line)));
  let same = actual.size === expected.size;
  for (const [key, row] of expected) {
    if (JSON.stringify(row) !== JSON.stringify(actual.get(key))) {
      if (same) console.error(`first difference at ${key}:\n  duckdb     ${JSON.stringify(row)}\n  clickhouse ${JSON.stringify(actual.get(key))}`);
      same = false;
    }
  }
  console.log(`${same ? 'same' : 'DIFFERENT'}: ${expected.size} aggregate rows, group by ${all.join(', ')}, ${JSON.stringify(query.filter ?? query.range ?? query.costMode)}`);
  if (!same) failures++;
}
process.exit(failures === 0 ? 0 : 1);
