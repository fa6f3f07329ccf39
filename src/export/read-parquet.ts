/**
 * Exported Parquet files read back, one row group at a time (memory stays at
 * one row group, 65,536 rows as `usage export` writes them), each row turned
 * into the NDJSON shape and handed to the export dialect's `readExportRow`,
 * so both formats are checked and mapped by one function. Called by the
 * scanner (src/ingest/scan.ts) for `*.parquet` files.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { readExportRow } from '../dialects/export.js';
import type { JsonObject, ParseOutcome } from '../dialects/types.js';

/** Parquet's INT64 arrives as BigInt and timestamps as Date; the export schema's JSON form has numbers and ISO text. */
function toJsonShape(row: Record<string, unknown>): JsonObject {
  for (const key in row) {
    const value = row[key];
    if (typeof value === 'bigint') row[key] = Number(value);
    else if (value instanceof Date) row[key] = value.toISOString();
  }
  return row;
}

export async function* readParquetOutcomes(path: string): AsyncGenerator<ParseOutcome> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd });
    for (const row of rows) yield readExportRow(toJsonShape(row));
    rowStart = rowEnd;
  }
}
