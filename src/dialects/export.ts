/**
 * Exports read back (`usage export`, docs/export.md): one canonical record
 * per NDJSON line or Parquet row, in the export schema. A record keeps the
 * dialect, agent and machine it was exported with, so a folder of several
 * machines' exports reports like the original logs, and `--by machine`
 * tells them apart. The record identity is the de-duplication key: the same
 * record exported by two machines, or twice, counts once. Parquet files are
 * read by src/export/read-parquet.ts through the same `readExportRow`.
 */
import { CONTEXT_FIELDS, RECORD_FIELDS } from '../core/fields.js';
import { type ContextSnapshot, createRecord, type DialectName, type RecordIdentity } from '../core/record.js';
import { EXPORT_COLUMNS, EXPORT_SCHEMA_VERSION, type ExportColumn } from '../export/columns.js';
import { RECORD_ID_PATTERN } from '../export/identity.js';
import type { DialectModule } from './module.js';
import { boolean, costValue, number, object, optionalText, type Spec, string, timestampValue, tokenCount } from './schema.js';
import { invalid, type JsonObject, type ParseOutcome, requireTimestamp, validate } from './types.js';

function specOf(column: ExportColumn): Spec<unknown> {
  switch (column.type) {
    case 'string':
      return column.nullable ? optionalText : string;
    case 'int64':
      return tokenCount;
    case 'double':
      return column.nullable ? costValue : number;
    case 'boolean':
      return boolean;
    case 'timestamp':
      return timestampValue;
    case 'json':
      throw new Error('json columns are checked by readContext');
  }
}

/** The export schema as a line check, derived from EXPORT_COLUMNS (the context is checked field by field). */
export const exportRowSchema = object(
  Object.fromEntries(EXPORT_COLUMNS.filter((column) => column.type !== 'json').map((column) => [column.name, specOf(column)])),
);

function readContext(value: unknown): ContextSnapshot | null | undefined {
  const parsed = typeof value === 'string' ? safeParse(value) : value;
  if (parsed === null || parsed === undefined) return null;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const source = parsed as JsonObject;
  const context: Record<string, number | boolean> = {};
  // Rebuilt in declaration order, so the record (and its identity) match the exported one.
  for (const field of CONTEXT_FIELDS) {
    const item = source[field.json];
    if (field.name === 'truncationOccurred' ? typeof item !== 'boolean' : typeof item !== 'number') return undefined;
    context[field.name] = item as number | boolean;
  }
  return context as ContextSnapshot;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The dialects a row may name, handed over by the registry when it loads
 * (./registry.ts): importing the registry here would be a cycle, since the
 * registry lists this module.
 */
let knownDialects: ReadonlySet<string> = new Set();

export function setKnownDialects(names: readonly string[]): void {
  knownDialects = new Set(names);
}

/** One exported row (an NDJSON line, or a Parquet row in the same shape) → a record or why not. */
export function readExportRow(value: JsonObject): ParseOutcome {
  const version = value['export_schema'];
  if (typeof version === 'number' && version > EXPORT_SCHEMA_VERSION) {
    return invalid('schema', `export_schema ${version} is newer than this usage reads (${EXPORT_SCHEMA_VERSION})`);
  }
  const checked = validate(exportRowSchema, value);
  if (!checked.ok) return checked.outcome;
  const row = checked.value as Record<string, unknown>;
  const id = row['record_id'] as string;
  if (!RECORD_ID_PATTERN.test(id)) return invalid('schema', 'record_id: not 32 hexadecimal digits');
  const dialect = row['dialect'] as string;
  if (!knownDialects.has(dialect)) return invalid('schema', `dialect: ${JSON.stringify(dialect)} is not a known dialect`);
  const time = requireTimestamp(row['timestamp'], 'timestamp');
  if (!time.ok) return time.outcome;
  const context = readContext(row['context']);
  if (context === undefined) return invalid('schema', 'context: not a context snapshot');
  const identity: Record<string, unknown> = {};
  for (const field of RECORD_FIELDS) {
    if (field.kind === 'optionalText' || (field.kind === 'text' && field.name !== 'model')) identity[field.name] = row[field.json];
  }
  const record = createRecord(
    {
      ...(identity as Partial<RecordIdentity>),
      dialect: dialect as DialectName,
      timestamp: time.value,
      model: row['model'] as string,
      calls: row['calls'] as number,
      cacheReported: row['cache_reported'] as boolean,
      aggregate: row['aggregate'] as boolean,
      recordedCostUsd: row['recorded_cost_usd'] as number | null,
      context,
    },
    {
      inputTokens: row['input_tokens'] as number,
      outputTokens: row['output_tokens'] as number,
      reasoningTokens: row['reasoning_tokens'] as number,
      cacheReadTokens: row['cache_read_tokens'] as number,
      cacheWriteTokens: row['cache_write_tokens'] as number,
      cacheWrite5mTokens: row['cache_write_5m_tokens'] as number,
      cacheWrite1hTokens: row['cache_write_1h_tokens'] as number,
      unattributedTokens: row['unattributed_tokens'] as number,
      webSearchRequests: row['web_search_requests'] as number,
    },
  );
  return { kind: 'record', record, dedupKey: `export:${id}` };
}

export const exportDialect: DialectModule<'export'> = {
  name: 'export',
  agent: 'usage-export',
  title: 'usage exports',
  description: 'records exported by `usage export` (NDJSON lines, Parquet files), de-duplicated by record identity',
  reader: 'jsonl',
  locations: () => [],
  markers: ['record_id"'],
  docs: 'record.md#usage-exports',
  // Not named *.ndjson, so that the README's examples over fixtures/logs keep their totals.
  fixture: 'fixtures/logs/export/laptop.ndjson-export',
  detect: (value) => typeof value['record_id'] === 'string' && 'export_schema' in value,
  createParser: () => readExportRow,
};
