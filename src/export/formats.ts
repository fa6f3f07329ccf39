/**
 * The three export formats, each a writer of rows into one file (or one
 * stream): NDJSON and CSV as text lines handed to a `write` function, Parquet
 * through hyparquet-writer's incremental ParquetWriter, one row group per
 * batch, so memory stays flat whatever the number of rows.
 */
import { fileWriter, ParquetWriter, type SchemaElement } from 'hyparquet-writer';
import { escapeCsvField } from '../renderers/csv.js';
import { sanitizeText } from '../renderers/format.js';
import { EXPORT_COLUMNS, EXPORT_SCHEMA_VERSION, type ExportColumn, type ExportRow, toJsonRow } from './columns.js';

export const EXPORT_FORMATS = ['parquet', 'ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const FILE_EXTENSIONS: Record<ExportFormat, string> = { parquet: 'parquet', ndjson: 'ndjson', csv: 'csv' };

export interface RowWriter {
  add(row: ExportRow): void;
  /** Writes what is buffered and closes the file. */
  finish(): void;
}

export function createNdjsonWriter(write: (text: string) => void): RowWriter {
  return {
    add: (row) => write(`${JSON.stringify(toJsonRow(row))}\n`),
    finish: () => undefined,
  };
}

/** A CSV cell: text from logs loses control characters and is guarded against formulas. */
function toCsvCell(column: ExportColumn, value: ReturnType<ExportColumn['read']>): string {
  if (value === null) return '';
  if (column.type === 'timestamp') return new Date(value as number).toISOString();
  if (column.type === 'json') return escapeCsvField(JSON.stringify(value));
  if (typeof value === 'string') return escapeCsvField(sanitizeText(value));
  return escapeCsvField(value);
}

export function createCsvWriter(write: (text: string) => void): RowWriter {
  write(`${EXPORT_COLUMNS.map((column) => column.name).join(',')}\r\n`);
  return {
    add: (row) => write(`${EXPORT_COLUMNS.map((column) => toCsvCell(column, column.read(row))).join(',')}\r\n`),
    finish: () => undefined,
  };
}

const PARQUET_TYPES: Record<ExportColumn['type'], Omit<SchemaElement, 'name'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  json: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  int64: { type: 'INT64' },
  double: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
  // Milliseconds since the epoch, UTC (engines read it as a plain TIMESTAMP).
  timestamp: { type: 'INT64', converted_type: 'TIMESTAMP_MILLIS' },
};

/** The Parquet schema of an export, derived from EXPORT_COLUMNS. */
export const PARQUET_SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: EXPORT_COLUMNS.length },
  ...EXPORT_COLUMNS.map(
    (column): SchemaElement => ({
      name: column.name,
      ...PARQUET_TYPES[column.type],
      repetition_type: column.nullable ? 'OPTIONAL' : 'REQUIRED',
    }),
  ),
];

/** Rows per row group: large enough for engines to scan fast, small enough to keep memory low. */
const ROW_GROUP_SIZE = 65_536;

function toParquetValue(column: ExportColumn, value: ReturnType<ExportColumn['read']>): unknown {
  if (value === null) return null;
  switch (column.type) {
    case 'int64':
      return BigInt(value as number);
    case 'timestamp':
      return new Date(value as number);
    case 'json':
      return JSON.stringify(value);
    default:
      return value;
  }
}

export function createParquetWriter(path: string, createdBy: string): RowWriter {
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: PARQUET_SCHEMA,
    kvMetadata: [{ key: 'usage.export_schema', value: String(EXPORT_SCHEMA_VERSION) }],
    createdBy,
  });
  let columns: unknown[][] = EXPORT_COLUMNS.map(() => []);
  let buffered = 0;
  const flush = (): void => {
    if (buffered === 0) return;
    writer.write({
      columnData: EXPORT_COLUMNS.map((column, index) => ({ name: column.name, data: columns[index] as never })),
      rowGroupSize: ROW_GROUP_SIZE,
    });
    columns = EXPORT_COLUMNS.map(() => []);
    buffered = 0;
  };
  return {
    add(row) {
      EXPORT_COLUMNS.forEach((column, index) => {
        (columns[index] as unknown[]).push(toParquetValue(column, column.read(row)));
      });
      if (++buffered === ROW_GROUP_SIZE) flush();
    },
    finish() {
      flush();
      writer.finish();
    },
  };
}
