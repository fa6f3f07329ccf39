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

/**
 * A file that is not Parquet, or is cut short, is a read error like a
 * missing one: the scanner lists it as unreadable (with the reason) and the
 * run goes on with the other files, rather than stopping at a stack trace.
 */
function toReadError(error: unknown): Error {
  if (typeof (error as NodeJS.ErrnoException | null)?.code === 'string') return error as Error;
  const wrapped = new Error(`not a readable Parquet file (${(error as Error)?.message ?? String(error)})`) as NodeJS.ErrnoException;
  wrapped.code = 'EPARQUET';
  return wrapped;
}

export async function* readParquetOutcomes(path: string): AsyncGenerator<ParseOutcome> {
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw toReadError(error);
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd });
    } catch (error) {
      throw toReadError(error);
    }
    for (const row of rows) yield readExportRow(toJsonShape(row));
    rowStart = rowEnd;
  }
}
