#!/usr/bin/env node
/**
 * The team-scale benchmark: `node bench/lake.mjs [--records 50000000] [--dir DIR] [--keep]`.
 *
 * Generates a lake of exported Parquet files in the export schema
 * (docs/export.md), laid out as `usage export` lays them out
 * (machine=…/day=…/part-….parquet), with DuckDB itself — generating tens of
 * millions of rows through the JavaScript writer would time the generator,
 * not the engine — then times `usage cost --by project,model --engine duckdb
 * --json` over it and checks the record count the command reports. One run
 * in eight is a second copy of a record (the same record exported by two
 * machines), so the de-duplication is part of what is timed.
 *
 * Not part of `npm test`: it needs the optional @duckdb/node-api, minutes of
 * CPU and several GB of disk. Run `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
};
const records = Number(option('records', '50000000'));
const lake = option('dir', join(tmpdir(), `usage-lake-${records}`));
const keep = args.includes('--keep');
/** Only write the lake (kept), for timing the command separately. */
const generateOnly = args.includes('--generate-only');
if (!Number.isSafeInteger(records) || records <= 0) {
  console.error('--records must be a positive whole number');
  process.exit(2);
}

const { DuckDBInstance } = await import('@duckdb/node-api');

/** One row in eight is a copy, from another machine, of every seventh record. */
const copies = Math.floor(records / 8);
const unique = records - copies;

function formatSeconds(milliseconds) {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

function folderSize(folder) {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
    files++;
  }
  return { bytes, files };
}

if (!existsSync(join(lake, 'DONE'))) {
  rmSync(lake, { recursive: true, force: true });
  mkdirSync(lake, { recursive: true });
  const started = performance.now();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  // Row i of the unique records; the copies repeat rows 0, 7, 14, … from another machine.
  const rowsOf = (from, machine) => `
    SELECT md5(CAST(i AS VARCHAR)) AS record_id,
           CAST(1 AS BIGINT) AS export_schema,
           'claude' AS dialect,
           'claude-code' AS agent,
           TIMESTAMP '2026-01-01 00:00:00' + to_milliseconds(CAST((i * 7919) % CAST(7776000000 AS BIGINT) AS BIGINT)) AS timestamp,
           ['claude-sonnet-4-5', 'claude-opus-4-5', 'claude-haiku-4-5', 'gpt-5', 'gpt-5-mini', 'gemini-2.5-pro', 'mystery-model'][1 + i % 7] AS model,
           ['anthropic', 'anthropic', 'anthropic', 'openai', 'openai', 'google', 'unknown'][1 + i % 7] AS provider,
           CAST(NULL AS VARCHAR) AS upstream_model, CAST(NULL AS VARCHAR) AS resource,
           'session-' || CAST(i % 100000 AS VARCHAR) AS session,
           'project-' || CAST((i * 31) % 200 AS VARCHAR) AS project,
           '/home/dev/project-' || CAST((i * 31) % 200 AS VARCHAR) AS project_path,
           CAST(NULL AS VARCHAR) AS conversation, 'req_' || CAST(i AS VARCHAR) AS request_id,
           CAST(NULL AS VARCHAR) AS role, CAST(NULL AS VARCHAR) AS task, CAST(NULL AS VARCHAR) AS source,
           CAST(NULL AS VARCHAR) AS sender,
           ${machine} AS machine,
           CAST(NULL AS VARCHAR) AS speed, CAST(NULL AS VARCHAR) AS service_tier, CAST(NULL AS VARCHAR) AS inference_geo,
           CAST(i % 5000 AS BIGINT) AS input_tokens,
           CAST(i % 900 AS BIGINT) AS output_tokens,
           CAST(0 AS BIGINT) AS reasoning_tokens,
           CAST((i * 13) % 40000 AS BIGINT) AS cache_read_tokens,
           CAST(i % 3000 AS BIGINT) AS cache_write_tokens,
           CAST(i % 3000 AS BIGINT) AS cache_write_5m_tokens,
           CAST(0 AS BIGINT) AS cache_write_1h_tokens,
           CAST(0 AS BIGINT) AS unattributed_tokens,
           CAST(i % 5000 + i % 900 + (i * 13) % 40000 + i % 3000 AS BIGINT) AS total_tokens,
           CAST(0 AS BIGINT) AS web_search_requests,
           CAST(1 AS BIGINT) AS calls,
           TRUE AS cache_reported,
           CAST(NULL AS DOUBLE) AS recorded_cost_usd,
           CAST(NULL AS VARCHAR) AS context,
           CASE WHEN i % 7 = 6 THEN NULL ELSE (i % 5000) * 3e-6 + (i % 900) * 15e-6 + ((i * 13) % 40000) * 3e-7 + (i % 3000) * 3.75e-6 END AS calculated_cost_usd,
           i % 7 = 6 AS unpriced,
           FALSE AS free_model
    FROM ${from}`;
  const unique_rows = rowsOf(`range(${unique}) AS t(i)`, `'machine-' || CAST(i % 20 AS VARCHAR)`);
  const copy_rows = rowsOf(`(SELECT i * 7 AS i FROM range(${copies}) AS t(i)) AS t`, `'machine-' || CAST((i + 1) % 20 AS VARCHAR)`);
  await connection.run(`SET preserve_insertion_order = false`);
  await connection.run(`
    COPY (
      SELECT *, strftime(timestamp, '%Y-%m-%d') AS day FROM (${unique_rows} UNION ALL ${copy_rows})
    ) TO '${lake.replace(/'/g, "''")}' (FORMAT PARQUET, PARTITION_BY (machine, day), WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'part-bench-{i}', ROW_GROUP_SIZE 65536)`);
  connection.closeSync();
  instance.closeSync();
  const { bytes, files } = folderSize(lake);
  console.log(`generated ${records.toLocaleString('en')} rows (${unique.toLocaleString('en')} records, ${copies.toLocaleString('en')} copies) in ${files} files, ${(bytes / 2 ** 30).toFixed(2)} GiB, in ${formatSeconds(performance.now() - started)}`);
  spawnSync('touch', [join(lake, 'DONE')]);
}

if (generateOnly) process.exit(0);

// CPU time and peak memory from GNU time where there is one (the machine may be shared: wall time alone says little).
const timer = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'time: %e s wall, %U s user, %S s system, %M KB peak RSS'] : [];
const command = [process.execPath, join(root, 'bin', 'usage.js'), 'cost', '--by', 'project,model', '--engine', 'duckdb', '--json', lake];
const started = performance.now();
const run = spawnSync(timer[0] ?? command[0], [...timer.slice(1), ...(timer.length > 0 ? command : command.slice(1))], {
  encoding: 'utf8',
  maxBuffer: 256 * 1024 * 1024,
  env: { ...process.env, NO_COLOR: '1' },
});
const elapsed = performance.now() - started;
if (run.status !== 0) {
  console.error(run.stderr);
  process.exit(1);
}
const measured = /time: .*/.exec(run.stderr);
if (measured) console.log(measured[0]);
const json = JSON.parse(run.stdout);
const ok = json.totals.records === unique && json.duplicate_lines === copies;
console.log(
  `usage cost --by project,model --engine duckdb over ${records.toLocaleString('en')} rows: ${formatSeconds(elapsed)} ` +
    `(${json.totals.records.toLocaleString('en')} records, ${json.duplicate_lines.toLocaleString('en')} copies dropped, ${json.rows.length} projects) ${ok ? 'ok' : 'WRONG COUNTS'}`,
);
if (!keep) rmSync(lake, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
