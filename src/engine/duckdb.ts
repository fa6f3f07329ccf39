/**
 * `--engine duckdb`: reports over a lake of exported Parquet files, computed
 * by SQL (./sql/*.sql) in DuckDB, the optional dependency `@duckdb/node-api`.
 * The SQL de-duplicates, selects and sums; this module folds its rows (one per
 * group and quarter hour) into the same states the built-in reducers build,
 * so the report builders, and therefore the JSON, are the same code.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Analysis, Exclusions, TimeRange } from '../core/analyze.js';
import { DataError, UsageError } from '../core/errors.js';
import { describeMissing, FILTER_FIELDS, type RecordFilterSpec } from '../core/filter.js';
import { RECORD_FIELDS } from '../core/fields.js';
import type { PricedRecord } from '../core/record.js';
import type { IngestSummary } from '../ingest/ingest.js';
import type { CostMode } from '../pricing/types.js';
import type { TokenTotals } from '../reducers/totals.js';
import { discoverFiles } from '../sources/discover.js';
import { fillSlots, quoteSqlString, readCostExpression, readSqlFile } from './sql.js';

/** The columns a report may group by: record columns of the export schema. */
export const GROUP_COLUMNS = [
  'model',
  'provider',
  'upstream_model',
  'resource',
  'role',
  'task',
  'source',
  'session',
  'project',
  'sender',
  'agent',
  'machine',
  // Never asked for on its own: grouping by project groups by path too (readProject, src/reducers/shares.ts).
  'project_path',
] as const;
export type GroupColumn = (typeof GROUP_COLUMNS)[number];

export interface LakeQuery {
  /** Folders (walked for *.parquet), Parquet files, or globs (`lake/**\/*.parquet`). */
  paths: readonly string[];
  range?: TimeRange | undefined;
  filter?: RecordFilterSpec | undefined;
  costMode: CostMode;
  /** Sum per quarter hour as well: needed for days, weeks and months, costly otherwise. */
  byTime?: boolean | undefined;
  /** Find the median context ratio too (usage report): a second query, run only when the lake has context snapshots. */
  contextMedian?: boolean | undefined;
  /**
   * Further sums over the same staged rows, without time (`more` of the
   * result, selected groups only): usage report's shares by project, provider
   * and source need no quarter hours, and crossing them with quarter hours
   * would make about as many groups as records on a large lake.
   */
  alsoGroupBy?: ReadonlyArray<readonly GroupColumn[]> | undefined;
  /** DuckDB's resources; defaults in `chooseSettings`. */
  settings?: Partial<EngineSettings> | undefined;
}

/**
 * What DuckDB may use. The de-duplication groups every record identity of
 * the lake; past `memoryLimit` DuckDB spills those groups to `tempDirectory`
 * instead of growing (its default limit is 80% of the RAM, which a shared
 * machine does not have to spare).
 */
export interface EngineSettings {
  /** DuckDB's `memory_limit`, e.g. `4GB`. */
  memoryLimit: string;
  /** Where DuckDB spills; a fresh folder under the system's temp folder by default, removed afterwards. */
  tempDirectory: string;
  threads: number;
}

/** A quarter of the RAM (at least 1 GB), every core, a temp folder of its own. */
export function chooseSettings(settings: Partial<EngineSettings> = {}): EngineSettings {
  const gigabytes = Math.max(1, Math.floor(totalmem() / 4 / 2 ** 30));
  return {
    memoryLimit: settings.memoryLimit ?? `${gigabytes}GB`,
    tempDirectory: settings.tempDirectory ?? mkdtempSync(join(tmpdir(), 'usage-duckdb-')),
    threads: settings.threads ?? availableParallelism(),
  };
}

/** Records that share their group columns and quarter hour, summed. */
export interface Bundle extends TokenTotals {
  /** The shared fields; `timestamp` is the quarter hour's start (null for undated records). */
  record: PricedRecord;
  recordedCostUsd: number;
  recordedRecords: number;
  calculatedCostUsd: number;
  uncalculatedRecords: number;
  /** Input and cache tokens of the records that report cache counts (cache health counts only those). */
  reportedInputTokens: number;
  reportedCacheReadTokens: number;
  reportedCacheWriteTokens: number;
  /** Records with a context snapshot; those with a known window (a ratio); the largest ratio. */
  contextSnapshots: number;
  contextRatios: number;
  peakContextRatio: number | null;
  contextTruncations: number;
  contextSegmentsRemoved: number;
}

export interface LakeResult {
  bundles: Bundle[];
  summary: IngestSummary;
  excluded: Exclusions;
  /** The middle one or two context ratios of the selected records, in order (asked with `contextMedian`; null without ratios). */
  contextMiddle: [number, number] | null;
  /** The selected groups of each `alsoGroupBy`, in its order. */
  more: Bundle[][];
}

/** What the engine needs of @duckdb/node-api (kept local: the dependency is optional). */
interface DuckDbModule {
  DuckDBInstance: { create(path: string, options?: Record<string, string>): Promise<DuckDbInstance> };
}
interface DuckDbInstance {
  connect(): Promise<DuckDbConnection>;
  closeSync?(): void;
}
interface DuckDbConnection {
  runAndReadAll(sql: string, values?: unknown[]): Promise<{ getRowObjects(): Array<Record<string, unknown>> }>;
  closeSync?(): void;
}

const DUCKDB_PACKAGE = '@duckdb/node-api';

/** Loads DuckDB, or says in one sentence how to get it. */
export async function loadDuckDb(): Promise<DuckDbModule> {
  try {
    return (await import(DUCKDB_PACKAGE)) as DuckDbModule;
  } catch {
    throw new UsageError(`--engine duckdb needs the optional package ${DUCKDB_PACKAGE}: install it with npm install ${DUCKDB_PACKAGE}.`);
  }
}

const GLOB = /[*?[]/;

/** The Parquet files named by the paths, in the order the built-in reader takes them. */
async function listLakeFiles(connection: DuckDbConnection, paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const plain: string[] = [];
  for (const path of paths) {
    if (!GLOB.test(path)) {
      plain.push(path);
      continue;
    }
    const rows = (await connection.runAndReadAll('SELECT file FROM glob(?) ORDER BY file', [path])).getRowObjects();
    files.push(...rows.map((row) => String(row['file'])));
  }
  const discovered = await discoverFiles(plain);
  if (discovered.problems.length > 0) {
    const problem = discovered.problems[0] as { path: string; message: string };
    throw new UsageError(`cannot read ${problem.path}: ${problem.message}.`);
  }
  for (const source of discovered.sources) {
    if (source.kind === 'file' && /\.parquet$/i.test(source.path)) files.push(source.path);
  }
  return files;
}

function buildFilter(filter: RecordFilterSpec | undefined, engine: SqlEngine): { sql: string; values: string[] } {
  const tests: string[] = [];
  const values: string[] = [];
  for (const field of FILTER_FIELDS) {
    const accepted = filter?.[field];
    if (!accepted || accepted.length === 0) continue;
    const marks = accepted.map(() => '?').join(', ');
    if (field === 'project') {
      // As matchesProject (src/core/filter.ts): the short name, the full path,
      // or the path's last segments; `(no project)` for a record with neither.
      // COALESCE: a test on a missing column is NULL, which must not select.
      const parts = [`NULLIF(project, '') IN (${marks})`, `NULLIF(project_path, '') IN (${marks})`];
      values.push(...accepted, ...accepted);
      for (const value of accepted) {
        parts.push(`${ENDS_WITH[engine]}(project_path, ?)`);
        values.push(`/${value}`);
      }
      if (accepted.includes(describeMissing('project'))) parts.push(`(NULLIF(project, '') IS NULL AND NULLIF(project_path, '') IS NULL)`);
      tests.push(`COALESCE(${parts.join(' OR ')}, FALSE)`);
      continue;
    }
    // As src/core/filter.ts names a missing value; the label is fixed text, quoted.
    tests.push(`COALESCE(NULLIF(${field}, ''), ${quoteSqlString(describeMissing(field))}) IN (${marks})`);
    values.push(...accepted);
  }
  return { sql: tests.length === 0 ? 'TRUE' : tests.join(' AND '), values };
}

/** Far outside any real instant: an open end of the range. */
const OPEN_END = 8.64e15;

/** The SQL dialects the query is assembled for: DuckDB runs it; ClickHouse (chDB) is checked by bench/clickhouse-check.mjs. */
export type SqlEngine = 'duckdb' | 'clickhouse';

const SOURCES: Record<SqlEngine, (files: readonly string[]) => string> = {
  // Columns are matched by name, and the query reads only columns every export has (schema 1), so a lake
  // may mix schema versions. Not union_by_name: it opens every file when the query is planned and keeps
  // its metadata (~65 KB a file, for each of the three scans: 20 GB for a lake of 98,000 files).
  duckdb: (files) =>
    `(SELECT *, filename AS source_file FROM read_parquet([${files.map(quoteSqlString).join(', ')}], filename = true, hive_partitioning = false))`,
  clickhouse: (files) => `(${files.map((file) => `SELECT *, _path AS source_file FROM file(${quoteSqlString(file)}, Parquet)`).join(' UNION ALL ')})`,
};

const EPOCH_MS: Record<SqlEngine, string> = { duckdb: 'epoch_ms', clickhouse: 'toUnixTimestamp64Milli' };

/** "Text ends with": the function's name differs. */
const ENDS_WITH: Record<SqlEngine, string> = { duckdb: 'ends_with', clickhouse: 'endsWith' };

/** One field of the context snapshot (JSON text) as text: `12`, `true`. */
const JSON_TEXT: Record<SqlEngine, (field: string) => string> = {
  duckdb: (field) => `json_extract_string(context, ${quoteSqlString(`$.${field}`)})`,
  clickhouse: (field) => `NULLIF(JSONExtractRaw(context, ${quoteSqlString(field)}), '')`,
};

/** The query's last part: sums per group (every report), or the median context ratio (usage report). */
export type LakeQueryPart = 'aggregate' | 'context-median';

/**
 * The aggregate query over `files` and its parameters. DuckDB binds `?`;
 * for ClickHouse the values are written in as literals (numbers, and text
 * quoted as SQL strings).
 */
export function buildLakeQuery(
  files: readonly string[],
  query: LakeQuery,
  columns: readonly GroupColumn[],
  engine: SqlEngine,
  part: LakeQueryPart = 'aggregate',
  /** A table already holding the files' rows (with source_file), instead of reading the files. */
  table?: string,
): { sql: string; values: unknown[] } {
  const filter = buildFilter(query.filter, engine);
  const bounded = query.range !== undefined && (query.range.start !== null || query.range.end !== null);
  // Comments go first: they may mention `?`, which would shift the literals below.
  const template = `${readSqlFile('records.sql')}\n${readSqlFile(`${part}.sql`)}`.replace(/^\s*--.*$/gm, '');
  const filled = fillSlots(template, {
    // Filled last, so that a `?` in a file name is never taken for a parameter.
    source: '{{source}}',
    epoch_ms: EPOCH_MS[engine],
    bounded: bounded ? 'TRUE' : 'FALSE',
    filter: filter.sql,
    cost_usd: readCostExpression(query.costMode),
    group_columns: columns.join(', '),
    time_bucket: query.byTime ? 'CASE WHEN timestamp_ms IS NULL THEN NULL ELSE FLOOR(timestamp_ms / 900000) END' : 'CAST(NULL AS BIGINT)',
    context_prompt_tokens: JSON_TEXT[engine]('prompt_tokens'),
    context_max_context_tokens: JSON_TEXT[engine]('max_context_tokens'),
    context_truncation_occurred: JSON_TEXT[engine]('truncation_occurred'),
    context_segments_removed: JSON_TEXT[engine]('segments_removed'),
  });
  const values: unknown[] = [query.range?.start ?? -OPEN_END, query.range?.end ?? OPEN_END, ...filter.values];
  const source = { source: table ?? SOURCES[engine](files) };
  if (engine === 'duckdb') return { sql: fillSlots(filled, source), values };
  // Standard SQL behaviour, which ClickHouse has behind two settings: the
  // missing side of a LEFT JOIN is NULL (not 0 or ''), and CAST of a NULL is NULL (not an error).
  const standardJoins = `${filled.trimEnd()}\nSETTINGS join_use_nulls = 1, cast_keep_nullable = 1`;
  let next = 0;
  const inlined = standardJoins.replace(/\?/g, () => {
    const value = values[next++];
    return typeof value === 'number' ? String(value) : quoteSqlString(String(value));
  });
  return { sql: fillSlots(inlined, source), values: [] };
}

const toNumber = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

const NAME_OF_COLUMN = new Map<string, string>(RECORD_FIELDS.map((field) => [field.json, field.name]));

/** The export columns the SQL reads (docs/export.md, schema 1): what the staging table keeps. */
const STAGED_COLUMNS = [
  'record_id',
  'dialect',
  'timestamp',
  ...GROUP_COLUMNS,
  'input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_5m_tokens',
  'cache_write_1h_tokens',
  'unattributed_tokens',
  'total_tokens',
  'calls',
  'cache_reported',
  'recorded_cost_usd',
  'context',
  'calculated_cost_usd',
  'free_model',
] as const;

/** Files per INSERT while staging: a scan keeps every file's metadata until it ends (~25 KB a file). */
const STAGING_BATCH = 2000;

/**
 * Copies the lake's rows into a DuckDB table, a batch of files at a time.
 * Why not read the files in the query: DuckDB keeps the metadata of every
 * file a scan has opened until the scan ends, ~25 KB a file, and the query
 * scans the lake three times; a lake written hourly by many machines has
 * small files, and 98,000 of them grew the process past 20 GB. The table
 * lives in a database file in the temp folder, so DuckDB's memory limit
 * holds for it as for everything else.
 */
async function stageLake(connection: DuckDbConnection, files: readonly string[], table: string): Promise<void> {
  const columns = STAGED_COLUMNS.join(', ');
  for (let start = 0; start < files.length; start += STAGING_BATCH) {
    const batch = files.slice(start, start + STAGING_BATCH).map(quoteSqlString).join(', ');
    const select = `SELECT ${columns}, filename AS source_file FROM read_parquet([${batch}], filename = true, hive_partitioning = false)`;
    await connection.runAndReadAll(start === 0 ? `CREATE TABLE ${table} AS ${select}` : `INSERT INTO ${table} ${select}`);
  }
}

function sortRows(rows: Array<Record<string, unknown>>, columns: readonly GroupColumn[]): Array<Record<string, unknown>> {
  const keyOf = (row: Record<string, unknown>): string =>
    ['selection', 'dialect', ...columns, 'time_bucket'].map((column) => (row[column] === null || row[column] === undefined ? '\u0000' : String(row[column]))).join('\u0001');
  const keyed = rows.map((row) => [keyOf(row), row] as const);
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return keyed.map(([, row]) => row);
}

/** The columns the query groups by: always the model; the project's path with its name (projects group by path). */
export function listQueryColumns(groupColumns: readonly GroupColumn[]): GroupColumn[] {
  return [...new Set<GroupColumn>(['model', ...groupColumns, ...(groupColumns.includes('project') ? (['project_path'] as const) : [])])];
}

/** Runs the aggregate query over a lake and returns its bundles and the input summary. */
export async function queryLake(query: LakeQuery, groupColumns: readonly GroupColumn[]): Promise<LakeResult> {
  const columns = listQueryColumns(groupColumns);
  const duckdb = await loadDuckDb();
  const settings = chooseSettings(query.settings);
  // A database file, not :memory:, so that the staged rows can leave memory (stageLake).
  const database = join(settings.tempDirectory, `lake-${randomUUID()}.duckdb`);
  const instance = await duckdb.DuckDBInstance.create(database, {
    memory_limit: settings.memoryLimit,
    temp_directory: settings.tempDirectory,
    threads: String(settings.threads),
    // Rows may come in any order: every result is a sum, sorted afterwards.
    preserve_insertion_order: 'false',
  });
  const connection = await instance.connect();
  try {
    // DuckDB keeps the bytes of the files it reads in a cache of its own; staging reads each file once, so
    // the cache only costs memory (on 20,000 files of the bench lake, at a 1 GB limit: peak 1.7 GB with it, 0.9 GB without).
    await connection.runAndReadAll('SET enable_external_file_cache = false');
    const files = await listLakeFiles(connection, query.paths);
    const summary: IngestSummary = {
      files: files.length,
      bytes: files.reduce((sum, file) => sum + statSync(file).size, 0),
      lines: 0,
      records: 0,
      recordsByDialect: {},
      skipped: { lines: 0, reasons: {} },
      skippedByDialect: {},
      noUsageLines: 0,
      duplicateLines: 0,
      partialLines: 0,
      problems: [],
      unreadable: [],
    };
    const excluded: Exclusions = { outOfRange: 0, undated: 0 };
    if (files.length === 0) return { bundles: [], summary, excluded, contextMiddle: null, more: (query.alsoGroupBy ?? []).map(() => []) };
    const table = 'lake_rows';
    const run = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        // A broken or foreign file in the lake: one sentence, exit 1 (the built-in reader would list it as unreadable).
        throw new DataError(`DuckDB could not read the exports: ${(error as Error).message.split('\n')[0]}`);
      }
    };
    const runPart = (part: LakeQueryPart, partColumns = columns, byTime = query.byTime) =>
      run(async () => {
        const { sql, values } = buildLakeQuery(files, { ...query, byTime }, partColumns, 'duckdb', part, table);
        return (await connection.runAndReadAll(sql, values)).getRowObjects();
      });
    await run(() => stageLake(connection, files, table));
    // In a fixed order (the engine returns groups in any order): the money sums below then come out the same every run.
    const rows = sortRows(await runPart('aggregate'), columns);
    const bundles: Bundle[] = [];
    // Dialects in the order the built-in reader first meets them: by file, then by name.
    const firstFile = new Map<string, string>();
    for (const row of rows) {
      const dialect = String(row['dialect']);
      const file = String(row['first_file']);
      const known = firstFile.get(dialect);
      if (known === undefined || file < known) firstFile.set(dialect, file);
    }
    const dialectOrder = [...firstFile].sort(([nameA, fileA], [nameB, fileB]) => (fileA < fileB ? -1 : fileA > fileB ? 1 : nameA < nameB ? -1 : 1));
    for (const [dialect] of dialectOrder) summary.recordsByDialect[dialect as keyof IngestSummary['recordsByDialect']] = 0;
    for (const row of rows) {
      const records = toNumber(row['records']);
      const dialect = String(row['dialect']);
      summary.lines += toNumber(row['rows_read']);
      summary.records += records;
      summary.recordsByDialect[dialect as keyof IngestSummary['recordsByDialect']] =
        (summary.recordsByDialect[dialect as keyof IngestSummary['recordsByDialect']] ?? 0) + records;
      const selection = row['selection'];
      if (selection === 'undated') excluded.undated += records;
      else if (selection === 'out_of_range') excluded.outOfRange += records;
      else if (selection === 'filtered') excluded.filtered = (excluded.filtered ?? 0) + records;
      else bundles.push(readBundle(row, columns, dialect));
    }
    summary.duplicateLines = summary.lines - summary.records;
    let contextMiddle: [number, number] | null = null;
    if (query.contextMedian && bundles.some((bundle) => bundle.contextRatios > 0)) {
      const [middle] = await runPart('context-median');
      if (middle && middle['low_middle'] !== null && middle['low_middle'] !== undefined) {
        contextMiddle = [Number(middle['low_middle']), Number(middle['high_middle'])];
      }
    }
    const more: Bundle[][] = [];
    for (const groupColumns of query.alsoGroupBy ?? []) {
      const moreColumns = listQueryColumns(groupColumns);
      const moreRows = sortRows(await runPart('aggregate', moreColumns, false), moreColumns);
      more.push(moreRows.filter((row) => row['selection'] === 'selected').map((row) => readBundle(row, moreColumns, String(row['dialect']))));
    }
    return { bundles, summary, excluded, contextMiddle, more };
  } finally {
    connection.closeSync?.();
    instance.closeSync?.();
    // DuckDB removes its spill files on close; the staging database and the folder made for them go too.
    rmSync(database, { force: true });
    rmSync(`${database}.wal`, { force: true });
    if (query.settings?.tempDirectory === undefined) rmSync(settings.tempDirectory, { recursive: true, force: true });
  }
}

function readBundle(row: Record<string, unknown>, columns: readonly GroupColumn[], dialect: string): Bundle {
  const record: Record<string, unknown> = { dialect };
  for (const column of columns) {
    const value = row[column];
    record[NAME_OF_COLUMN.get(column) as string] = typeof value === 'string' ? value : null;
  }
  const bucket = row['time_bucket'];
  record['timestamp'] = bucket === null || bucket === undefined ? null : Number(bucket) * 900_000;
  return {
    record: record as unknown as PricedRecord,
    records: toNumber(row['records']),
    calls: toNumber(row['sum_calls']),
    inputTokens: toNumber(row['sum_input_tokens']),
    outputTokens: toNumber(row['sum_output_tokens']),
    reasoningTokens: toNumber(row['sum_reasoning_tokens']),
    cacheReadTokens: toNumber(row['sum_cache_read_tokens']),
    cacheWriteTokens: toNumber(row['sum_cache_write_tokens']),
    cacheWrite5mTokens: toNumber(row['sum_cache_write_5m_tokens']),
    cacheWrite1hTokens: toNumber(row['sum_cache_write_1h_tokens']),
    unattributedTokens: toNumber(row['sum_unattributed_tokens']),
    totalTokens: toNumber(row['sum_total_tokens']),
    cacheReportedRecords: toNumber(row['cache_reported_records']),
    costUsd: toNumber(row['sum_cost_usd']),
    unpricedRecords: toNumber(row['unpriced_records']),
    unpricedTokens: toNumber(row['unpriced_tokens']),
    recordedCostUsd: toNumber(row['sum_recorded_cost_usd']),
    recordedRecords: toNumber(row['recorded_records']),
    calculatedCostUsd: toNumber(row['sum_calculated_cost_usd']),
    uncalculatedRecords: toNumber(row['uncalculated_records']),
    reportedInputTokens: toNumber(row['reported_input_tokens']),
    reportedCacheReadTokens: toNumber(row['reported_cache_read_tokens']),
    reportedCacheWriteTokens: toNumber(row['reported_cache_write_tokens']),
    contextSnapshots: toNumber(row['context_snapshots']),
    contextRatios: toNumber(row['context_ratios']),
    peakContextRatio: row['peak_context_ratio'] === null || row['peak_context_ratio'] === undefined ? null : Number(row['peak_context_ratio']),
    contextTruncations: toNumber(row['context_truncations']),
    contextSegmentsRemoved: toNumber(row['sum_context_segments_removed']),
  };
}

/** Builds an Analysis from a lake's bundles: the same shape the built-in pipeline returns. */
export function toAnalysis<State>(result: LakeResult, fold: (bundles: readonly Bundle[], result: LakeResult) => State): Analysis<State> {
  return { state: fold(result.bundles, result), summary: result.summary, excluded: result.excluded };
}
