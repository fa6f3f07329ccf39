/**
 * `usage export`: canonical records, de-duplicated by identity, written as
 * NDJSON or CSV to a stream, or laid out Hive-style under a folder
 * (`machine=<name>/day=<YYYY-MM-DD>/part-<run>.<ext>`), which every engine
 * reads as a partitioned table. With `incremental`, only records whose
 * identity is not in the folder's state are written, so a cron job can ship
 * a machine's new usage again and again.
 *
 * Crash safety: every file is written under a temporary name and renamed
 * when complete; the state is rewritten the same way, after the data. A run
 * that dies before its renames leaves only `.tmp` files (ignored by readers,
 * removed by the next run); one that dies between the data and the state
 * leaves files whose records the next run writes again, which readers of the
 * folder count once (they de-duplicate by identity).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type AnalyzeOptions, analyze } from '../core/analyze.js';
import type { PricedRecord } from '../core/record.js';
import type { Reducer } from '../reducers/reducer.js';
import type { Source } from '../sources/discover.js';
import { type ExportRow, formatUtcDay } from './columns.js';
import { createCsvWriter, createNdjsonWriter, createParquetWriter, type ExportFormat, FILE_EXTENSIONS, type RowWriter } from './formats.js';
import { computeRecordId } from './identity.js';
import { createFolder } from '../store/folders.js';

export interface ExportTarget {
  format: ExportFormat;
  /** A folder for the Hive layout, or a function that takes the text of a stream (NDJSON and CSV only). */
  out: string | ((text: string) => void);
  /** The machine name stamped on records that do not carry one already. */
  machine: string;
  /** Write only records the folder's state does not list. */
  incremental?: boolean | undefined;
  /** Names the run's files (part-<run>); a time stamp and random suffix by default. */
  runId?: string | undefined;
  /** `created_by` in Parquet metadata. */
  tool?: string | undefined;
}

export interface ExportResult {
  /** Records written. */
  written: number;
  /** Records left out because an earlier run exported them (incremental) or they repeated in this run. */
  alreadyExported: number;
  duplicates: number;
  /** Files written, relative to the folder (empty for a stream). */
  files: string[];
}

/** The folder inside an export folder that holds what was exported, per machine. */
export const STATE_FOLDER = '.usage-export';
const STATE_HEADER = 'usage-export-state 1';

/** A partition value safe as one path segment on every file system. */
export function encodePartitionValue(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, (character) => `%${character.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

function statePath(folder: string, machine: string): string {
  return join(folder, STATE_FOLDER, `${encodePartitionValue(machine)}.ids`);
}

/** The identities a machine has exported into a folder. */
export function loadExportState(folder: string, machine: string): Set<string> {
  const path = statePath(folder, machine);
  if (!existsSync(path)) return new Set();
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines[0] !== STATE_HEADER) throw new Error(`${path} is not an export state file`);
  return new Set(lines.slice(1).filter((line) => line !== ''));
}

function saveExportState(folder: string, machine: string, ids: Iterable<string>): void {
  const path = statePath(folder, machine);
  createFolder(join(folder, STATE_FOLDER));
  const temporary = `${path}.tmp`;
  const descriptor = openSync(temporary, 'w');
  try {
    writeSync(descriptor, `${STATE_HEADER}\n`);
    let batch: string[] = [];
    for (const id of ids) {
      batch.push(id);
      if (batch.length === 8192) {
        writeSync(descriptor, `${batch.join('\n')}\n`);
        batch = [];
      }
    }
    if (batch.length > 0) writeSync(descriptor, `${batch.join('\n')}\n`);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, path);
}

function createRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

/**
 * Removes the `.tmp` files a crashed export of this machine left behind: its
 * own partition's part files and its state file only. The folder may be a
 * shared team folder, where another machine's export is writing its own
 * `.tmp` files right now, and unrelated `.tmp` files are not ours to delete.
 */
function removeLeftovers(folder: string, machine: string): void {
  const own = join(folder, `machine=${encodePartitionValue(machine)}`);
  if (existsSync(own)) {
    for (const entry of readdirSync(own, { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && entry.name.startsWith('part-') && entry.name.endsWith('.tmp')) rmSync(join(entry.parentPath, entry.name), { force: true });
    }
  }
  rmSync(`${statePath(folder, machine)}.tmp`, { force: true });
}

/**
 * Collects records (handed in one at a time, in input order) and writes them;
 * `finish` completes the files and the state. The machine of a record that
 * names none is the target's.
 */
export function createExporter(target: ExportTarget) {
  const seen = new Set<string>();
  const result: ExportResult = { written: 0, alreadyExported: 0, duplicates: 0, files: [] };
  const folder = typeof target.out === 'string' ? target.out : null;
  const previous = folder !== null ? loadExportState(folder, target.machine) : new Set<string>();
  if (folder !== null) {
    createFolder(folder);
    removeLeftovers(folder, target.machine);
  }
  const runId = target.runId ?? createRunId();
  const partitions = new Map<string, { writer: RowWriter; temporary: string; final: string }>();
  let stream: RowWriter | null = null;
  if (typeof target.out === 'function') {
    if (target.format === 'parquet') throw new Error('Parquet is written to a folder, not to a stream');
    stream = target.format === 'csv' ? createCsvWriter(target.out) : createNdjsonWriter(target.out);
  }

  const openPartition = (machine: string, day: string | null): RowWriter => {
    const relative = join(`machine=${encodePartitionValue(machine)}`, `day=${day ?? 'undated'}`);
    const key = relative;
    let partition = partitions.get(key);
    if (partition === undefined) {
      const directory = join(folder as string, relative);
      createFolder(directory);
      const name = `part-${runId}.${FILE_EXTENSIONS[target.format]}`;
      const final = join(relative, name);
      const temporary = join(directory, `${name}.tmp`);
      let writer: RowWriter;
      if (target.format === 'parquet') {
        writer = createParquetWriter(temporary, target.tool ?? 'usage');
      } else {
        const descriptor = openSync(temporary, 'w');
        const write = (text: string): void => {
          writeSync(descriptor, text);
        };
        const inner = target.format === 'csv' ? createCsvWriter(write) : createNdjsonWriter(write);
        writer = { add: inner.add, finish: () => closeSync(descriptor) };
      }
      partition = { writer, temporary, final };
      partitions.set(key, partition);
    }
    return partition.writer;
  };

  return {
    add(record: PricedRecord): void {
      const id = computeRecordId(record);
      if (seen.has(id)) {
        result.duplicates++;
        return;
      }
      seen.add(id);
      if (target.incremental && previous.has(id)) {
        result.alreadyExported++;
        return;
      }
      const stamped: PricedRecord = record.machine === null ? { ...record, machine: target.machine } : record;
      const row: ExportRow = { record: stamped, id };
      if (stream) stream.add(row);
      else openPartition(stamped.machine as string, formatUtcDay(stamped.timestamp)).add(row);
      result.written++;
    },
    finish(): ExportResult {
      if (stream) {
        stream.finish();
        return result;
      }
      for (const partition of partitions.values()) {
        partition.writer.finish();
        renameSync(partition.temporary, join(folder as string, partition.final));
        result.files.push(partition.final);
      }
      result.files.sort();
      // After the data: a crash before this line only makes the next run write these records again.
      if (folder !== null && (result.written > 0 || !existsSync(statePath(folder, target.machine)))) {
        for (const id of seen) previous.add(id);
        saveExportState(folder, target.machine, previous);
      }
      return result;
    },
  };
}

/**
 * Reads sources and exports their records: the whole pipeline of `usage
 * export` without the command line. Records are priced in `calculate` mode
 * by the caller's `priceRecord` (the calculated cost is a column; the
 * recorded one is the record's own).
 */
export async function exportSources(sources: readonly Source[], target: ExportTarget, options: AnalyzeOptions) {
  const exporter = createExporter(target);
  const reducer: Reducer<null> = {
    create: () => null,
    add: (_state, record) => exporter.add(record),
  };
  const analysis = await analyze(sources, reducer, options);
  return { result: exporter.finish(), summary: analysis.summary, excluded: analysis.excluded };
}
