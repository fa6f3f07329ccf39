/**
 * The export schema (docs/export.md), declared once: one row per canonical
 * record, its columns the record's fields (src/core/fields.ts, under their
 * JSON names) plus the export-only columns that make a row usable on its own
 * in any analytical engine: the record's identity, the schema version, the
 * UTC day, and the cost calculated when it was exported. NDJSON, CSV and
 * Parquet writers, the reader of exports (src/dialects/export.ts) and the SQL
 * engine all derive from this list.
 */
import { CONTEXT_FIELDS, type FieldKind, RECORD_FIELDS } from '../core/fields.js';
import type { ContextSnapshot, PricedRecord } from '../core/record.js';

/** Bumped when a column changes meaning or type; new nullable columns at the end keep it. */
export const EXPORT_SCHEMA_VERSION = 1;

export type ColumnType = 'string' | 'int64' | 'double' | 'boolean' | 'timestamp' | 'json';

/** What one exported row is made of. */
export interface ExportRow {
  record: PricedRecord;
  /** The record identity (./identity.ts). */
  id: string;
}

export interface ExportColumn {
  /** The column name in every format. */
  name: string;
  type: ColumnType;
  nullable: boolean;
  /** The value as NDJSON writes it: epoch milliseconds for timestamps, an object for json. */
  read(row: ExportRow): string | number | boolean | object | null;
}

const TYPE_OF_KIND: Record<FieldKind, { type: ColumnType; nullable: boolean }> = {
  dialect: { type: 'string', nullable: false },
  text: { type: 'string', nullable: false },
  optionalText: { type: 'string', nullable: true },
  instant: { type: 'timestamp', nullable: true },
  count: { type: 'int64', nullable: false },
  money: { type: 'double', nullable: true },
  flag: { type: 'boolean', nullable: false },
  context: { type: 'json', nullable: true },
};

/** The UTC calendar day of an instant, YYYY-MM-DD (the Hive partition `day=`). */
export function formatUtcDay(timestamp: number | null): string | null {
  return timestamp === null ? null : new Date(timestamp).toISOString().slice(0, 10);
}

/** The context snapshot under its JSON names, as every other key of an export. */
function toJsonContext(context: ContextSnapshot | null): Record<string, number | boolean> | null {
  if (context === null) return null;
  return Object.fromEntries(CONTEXT_FIELDS.map((field) => [field.json, context[field.name]]));
}

const recordColumns: ExportColumn[] = RECORD_FIELDS.map((field) => ({
  name: field.json,
  ...TYPE_OF_KIND[field.kind],
  read:
    field.kind === 'context'
      ? (row: ExportRow) => toJsonContext(row.record.context)
      : (row: ExportRow) => row.record[field.name] as string | number | boolean | object | null,
}));

const timestampAt = recordColumns.findIndex((column) => column.name === 'timestamp');

/** Every column, in file order. */
export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  { name: 'record_id', type: 'string', nullable: false, read: (row) => row.id },
  { name: 'export_schema', type: 'int64', nullable: false, read: () => EXPORT_SCHEMA_VERSION },
  ...recordColumns.slice(0, timestampAt + 1),
  { name: 'day', type: 'string', nullable: true, read: (row) => formatUtcDay(row.record.timestamp) },
  ...recordColumns.slice(timestampAt + 1),
  { name: 'calculated_cost_usd', type: 'double', nullable: true, read: (row) => row.record.calculatedCostUsd },
  { name: 'unpriced', type: 'boolean', nullable: false, read: (row) => row.record.calculatedCostUsd === null },
  { name: 'free_model', type: 'boolean', nullable: false, read: (row) => row.record.costSource === 'free' },
];

/** The columns the export adds to the record's own fields. */
export const EXPORT_ONLY_COLUMNS = ['record_id', 'export_schema', 'day', 'calculated_cost_usd', 'unpriced', 'free_model'] as const;

/** One row as NDJSON writes it (timestamps as ISO 8601 UTC text). */
export function toJsonRow(row: ExportRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of EXPORT_COLUMNS) {
    const value = column.read(row);
    out[column.name] = column.type === 'timestamp' && typeof value === 'number' ? new Date(value).toISOString() : value;
  }
  return out;
}
