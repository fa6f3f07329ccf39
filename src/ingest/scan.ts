/**
 * Scans one source: lines → JSON → dialect → records, counting every line
 * that is not a record by why. Runs the same on the main thread and inside
 * worker threads, from the start of a file or from where an earlier run
 * stopped; the caller decides what happens to each record.
 */
import { DataError } from '../core/errors.js';
import type { DialectName, UsageRecord } from '../core/record.js';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ReaderKind } from '../dialects/module.js';
import {
  type Dialect,
  canRead,
  detectDialect,
  findDialect,
  type LineParser,
  listDialectsForFileName,
  readerForFileName,
  type SkipReason,
  USAGE_MARKERS,
  BULK_KEYS,
} from '../dialects/registry.js';
import type { JsonObject, ParseOutcome } from '../dialects/types.js';
import { createLineCompactor, type LineCompactor } from '../lines/compact-line.js';
import { decodeLine } from '../lines/decode-line.js';
import { MAX_LINE_BYTES, readLines } from '../lines/read-lines.js';
import { describeFsError, type Source } from '../sources/discover.js';
import { describeSource, openSource } from '../sources/open.js';
import { sampleFile } from '../store/fingerprint.js';
import { createKeySecret, hashKey, parseKeySecret } from './pack.js';
import { copyScanTally, createScanTally, type ScanTally } from './tally.js';

export type { LineProblem, ScanTally } from './tally.js';


export interface ScanOptions {
  /** Parse every line as this dialect instead of detecting per line. */
  format?: DialectName | undefined;
  /** Throw at the first malformed line. */
  strict?: boolean | undefined;
  /** How many malformed lines to keep with file:line detail (all are counted). */
  problemLimit?: number | undefined;
  /**
   * Count as no_usage, without handing them to a dialect, objects that name no
   * usage field (USAGE_MARKERS in src/dialects/registry.ts); a broken line is
   * still counted as malformed. Off for `usage validate`, which checks every line.
   */
  prefilter?: boolean | undefined;
  /**
   * Parse every line whole instead of its compacted copy (src/lines/compact-line.ts),
   * with no prefilter: the reference the tests hold the fast path to. Slower; same records.
   */
  parseWhole?: boolean | undefined;
  /** Hash sampled windows of the consumed bytes (for the index) when done. */
  sample?: boolean | undefined;
  /**
   * Secret key of the de-duplication key hashes (16 hex digits; see pack.ts
   * hashKey). The index keeps its own; without one a run makes a fresh one.
   */
  keySecret?: string | undefined;
  /** Longest line read (default MAX_LINE_BYTES in lines/read-lines.ts); tests pass small caps. */
  maxLineBytes?: number | undefined;
}

/** Whether the line's value is an object: its first byte after blanks (readLines drops blank lines) is `{`. */
function startsObject(buffer: Buffer, start: number, end: number): boolean {
  let at = start;
  while (at < end && (buffer[at] === 0x20 || buffer[at] === 0x09)) at++;
  return buffer[at] === 0x7b;
}

/** Lines of a file read through the scanner before it is given up on for that file (see scanSource). */
const SCANNER_TRIAL_LINES = 256;

/** One line scanner per thread (it owns its WebAssembly memory), made when first needed. */
let lineCompactor: LineCompactor | undefined;

/** Where to start: the beginning, or just after the last complete line an earlier run read. */
export interface ScanStart {
  offset: number;
  lineOffset: number;
  states: Partial<Record<DialectName, unknown>>;
}

export interface ScannedRecord {
  record: UsageRecord;
  line: number;
  /** Hashed de-duplication key. */
  dedupKey?: string | undefined;
}

export interface FileScan {
  /** False when the file could not be opened or read (recorded in the tally's `unreadable`). */
  readable: boolean;
  /** Everything this scan saw, the unfinished last line included. */
  tally: ScanTally;
  /** The same without an unfinished last line: what an index may keep. */
  settled: ScanTally;
  /** Absolute offset just after the last complete line. */
  consumed: number;
  completeLines: number;
  /** Parser states at `consumed`, for resuming. */
  states: Partial<Record<DialectName, unknown>>;
  /** Hash of sampled windows of the first `consumed` bytes ('' unless asked for). */
  sample: string;
}

type RecordHandler = (entry: ScannedRecord, settled: boolean) => void;

/**
 * What every reader does with a dialect's verdict on one line, document entry
 * or database row: records go to `onRecord` (stamped with the module's agent
 * unless the record names its own), everything else is counted by why.
 */
function createOutcomeHandler(tally: ScanTally, options: ScanOptions, file: string, onRecord: RecordHandler) {
  const problemLimit = options.problemLimit ?? 100;
  const keySecret = parseKeySecret(options.keySecret ?? createKeySecret());
  const skip = (lineNumber: number, reason: SkipReason, detail: string, dialect: DialectName | 'unknown'): void => {
    if (options.strict) throw new DataError(`${file}:${lineNumber}: ${reason} (${detail})`);
    tally.skippedLines++;
    tally.skippedReasons[reason] = (tally.skippedReasons[reason] ?? 0) + 1;
    tally.skippedByDialect[dialect] = (tally.skippedByDialect[dialect] ?? 0) + 1;
    if (tally.problems.length < problemLimit) tally.problems.push({ file, line: lineNumber, reason, detail });
  };
  const handle = (outcome: ParseOutcome, dialect: Dialect, lineNumber: number, terminated: boolean): void => {
    switch (outcome.kind) {
      case 'record':
        if (outcome.record.agent === '') outcome.record.agent = dialect.agent;
        onRecord(
          outcome.dedupKey === undefined
            ? { record: outcome.record, line: lineNumber }
            : { record: outcome.record, line: lineNumber, dedupKey: hashKey(outcome.dedupKey, keySecret) },
          terminated,
        );
        return;
      case 'no_usage':
        tally.noUsageLines++;
        return;
      case 'duplicate':
        tally.duplicateLines++;
        return;
      case 'invalid':
        skip(lineNumber, outcome.reason, outcome.detail, dialect.name);
        return;
    }
  };
  return { skip, handle };
}

/** How a source is read: by its file name, or as the dialect --format forces (the result cache asks too, src/cli/runner.ts). */
export function chooseReader(source: Source, forced: Dialect | undefined): ReaderKind {
  const byName = source.kind === 'file' ? (source.nameReader ?? readerForFileName(basename(source.path)) ?? 'jsonl') : 'jsonl';
  // A forced dialect that reads two forms (Gemini CLI's .json and .jsonl) reads each by its name.
  if (forced) return canRead(forced, byName) ? byName : forced.reader;
  return byName;
}

/**
 * `onRecord` receives each record with `settled` false only for the record
 * of an unfinished last line: it counts now, but a later run will read that
 * line again once it is complete.
 */
export async function scanSource(
  source: Source,
  options: ScanOptions,
  onRecord: RecordHandler,
  start?: ScanStart,
): Promise<FileScan> {
  const forced = options.format ? findDialect(options.format) : undefined;
  const reader = chooseReader(source, forced);
  if (reader !== 'jsonl' && source.kind === 'file') return scanWhole(source.path, reader, forced, options, onRecord);
  const file = describeSource(source);
  const tally = createScanTally();
  let settled: ScanTally | null = null;
  let states: Partial<Record<DialectName, unknown>> = {};
  const offset = start?.offset ?? 0;
  const result = (readable: boolean, consumed: number, completeLines: number, sample = ''): FileScan => ({
    readable,
    tally,
    settled: settled ?? tally,
    consumed,
    completeLines,
    states,
    sample,
  });
  let chunks: Iterable<Buffer> | AsyncIterable<Buffer | string>;
  try {
    chunks = await openSource(source, offset);
  } catch (error) {
    tally.unreadable.push({ path: file, message: describeFsError(error) });
    return result(false, offset, start?.lineOffset ?? 0);
  }
  // A resumed file was already counted by the run that read its beginning.
  if (start === undefined) tally.files++;
  const prefilter = options.prefilter === true;
  const parseWhole = options.parseWhole === true;
  // The scanner pays for itself only where lines carry bulk members (transcripts);
  // a file of flat usage records has none, and its lines are parsed whole once
  // SCANNER_TRIAL_LINES of them have gone through the scanner with nothing elided.
  let linesScanned = 0;
  let linesElided = 0;
  lineCompactor ??= createLineCompactor({ bulkKeys: BULK_KEYS, markers: USAGE_MARKERS });
  const compactor = lineCompactor;
  const parsers = new Map<Dialect, LineParser>();
  const saveStates = (): Partial<Record<DialectName, unknown>> => {
    // A resumed scan that has not yet met a dialect's line still owes that
    // dialect the state it started from: dropping it lost Codex's model and
    // running totals when a file was resumed twice over an unfinished line.
    const saved: Partial<Record<DialectName, unknown>> = { ...start?.states };
    for (const [dialect, parser] of parsers) if (parser.saveState) saved[dialect.name] = parser.saveState();
    return saved;
  };
  const { skip, handle } = createOutcomeHandler(tally, options, file, onRecord);

  try {
    const stats = await readLines(
      chunks,
      (buffer, begin, end, lineNumber, terminated) => {
        if (!terminated) {
          // Keep what an index may store before the unfinished line changes anything.
          settled = copyScanTally(tally);
          states = saveStates();
        }
        // The scanner checks the line as JSON.parse would and elides the bulk
        // members no dialect reads; only a line it does not accept is parsed whole.
        const useScanner = !parseWhole && (linesElided > 0 || linesScanned < SCANNER_TRIAL_LINES);
        const compacted = useScanner ? compactor.compact(buffer, begin, end) : null;
        if (compacted !== null) {
          linesScanned++;
          if (compacted.bytes !== buffer) linesElided++;
        }
        // Skipped unparsed: an object the scanner accepted that names no usage field. A line
        // it did not check (flat files, see above) and that names none is still parsed, so a
        // broken one is counted as malformed either way; a valid object is then no_usage.
        let markerless = false;
        if (prefilter && terminated && !parseWhole) {
          if (compacted === null) {
            markerless = !compactor.searchMarkers(buffer, begin, end);
          } else if (!compacted.holdsMarker && startsObject(buffer, begin, end)) {
            tally.noUsageLines++;
            return;
          }
        }
        let value: unknown;
        try {
          value = JSON.parse(
            compacted === null ? decodeLine(buffer, begin, end) : decodeLine(compacted.bytes, compacted.start, compacted.end),
          );
        } catch (error) {
          // An unfinished last line is an agent mid-write, not corruption.
          if (!terminated) {
            tally.partialLines++;
            return;
          }
          skip(lineNumber, 'invalid_json', (error as Error).message, forced?.name ?? 'unknown');
          return;
        }
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
          skip(lineNumber, 'not_an_object', `a JSON ${kind}, not an object`, forced?.name ?? 'unknown');
          return;
        }
        if (markerless) {
          tally.noUsageLines++;
          return;
        }
        const dialect = forced ?? detectDialect(value as JsonObject);
        if (dialect === undefined) {
          skip(lineNumber, 'unknown_dialect', 'no known log dialect has these fields', 'unknown');
          return;
        }
        let parser = parsers.get(dialect);
        if (parser === undefined) {
          if (!dialect.createParser) throw new Error(`dialect ${dialect.name} reads ${dialect.reader}, not JSON lines`);
          parser = dialect.createParser({ path: file }, start?.states[dialect.name]);
          parsers.set(dialect, parser);
        }
        handle(parser(value as JsonObject), dialect, lineNumber, terminated);
      },
      {
        lineOffset: start?.lineOffset ?? 0,
        atFileStart: offset === 0,
        maxLineBytes: options.maxLineBytes,
        onOverlongLine(lineNumber, size, terminated) {
          if (!terminated) {
            settled = copyScanTally(tally);
            states = saveStates();
          }
          const limit = options.maxLineBytes ?? MAX_LINE_BYTES;
          skip(lineNumber, 'invalid_json', `line of ${size} bytes is longer than the ${limit}-byte limit; not read`, forced?.name ?? 'unknown');
        },
      },
    );
    tally.bytes += stats.bytes;
    if (stats.failure !== undefined) {
      // Damaged or unreadable mid-way: what was read before counts, and the
      // source is reported, so that no command passes on data it did not read.
      if (stats.failure instanceof DataError || !isReadError(stats.failure)) throw stats.failure;
      tally.lines += stats.completeLines - (start?.lineOffset ?? 0);
      const progress = stats.bytes > 0 ? ` after line ${stats.completeLines} (${stats.bytes} bytes read); the records before it are counted` : '';
      tally.unreadable.push({ path: file, message: `${describeReadFailure(stats.failure)}${progress}` });
      return result(false, offset, start?.lineOffset ?? 0);
    }
    tally.lines += stats.lines - (start?.lineOffset ?? 0);
    if (settled !== null) {
      (settled as ScanTally).bytes += stats.consumed;
      (settled as ScanTally).lines += stats.completeLines - (start?.lineOffset ?? 0);
    } else {
      states = saveStates();
    }
    const consumed = offset + stats.consumed;
    const sample =
      options.sample && source.kind === 'file' ? (sampleFile(source.path, consumed) ?? '') : '';
    return result(true, consumed, stats.completeLines, sample);
  } catch (error) {
    // Only a failed read makes a source unreadable. Anything else (a bug, an
    // error thrown by the record sink) must surface, not silently drop the
    // rest of a file, and alike on one thread and in workers.
    if (error instanceof DataError || !isReadError(error)) throw error;
    tally.unreadable.push({ path: file, message: describeFsError(error) });
    return result(false, offset, start?.lineOffset ?? 0);
  }
}

/**
 * The largest JSON document read whole. Documents (a Gemini session, a Cline
 * task) are parsed in one piece, the one place a file is held whole; a
 * larger one is reported unreadable rather than allowed to exhaust memory.
 */
export const DOCUMENT_SIZE_LIMIT = 256 * 1024 * 1024;

/**
 * Reads a source that is not JSON lines, whole: one JSON document, or one
 * SQLite database. Its entries (document) or rows (database) are numbered
 * from 1 in problems, like lines. Such a source is never resumed: when it
 * changes, the index has it read again.
 */
async function scanWhole(path: string, reader: Exclude<ReaderKind, 'jsonl'>, forced: Dialect | undefined, options: ScanOptions, onRecord: RecordHandler): Promise<FileScan> {
  const tally = createScanTally();
  const result = (readable: boolean, size: number, entries: number, sample = ''): FileScan => ({
    readable,
    tally,
    settled: tally,
    consumed: size,
    completeLines: entries,
    states: {},
    sample,
  });
  const { skip, handle } = createOutcomeHandler(tally, options, path, onRecord);
  const name = basename(path);
  const candidates = forced ? [forced] : listDialectsForFileName(name, reader);
  let size = 0;
  let entries = 0;
  const consume = async (outcomes: Iterable<ParseOutcome> | AsyncIterable<ParseOutcome>, dialect: Dialect): Promise<void> => {
    if (Symbol.asyncIterator in outcomes) {
      for await (const outcome of outcomes) {
        entries++;
        handle(outcome, dialect, entries, true);
      }
      return;
    }
    for (const outcome of outcomes) {
      entries++;
      handle(outcome, dialect, entries, true);
    }
  };
  try {
    size = statSync(path).size;
    if (reader === 'document') {
      if (size > DOCUMENT_SIZE_LIMIT) {
        tally.unreadable.push({ path, message: `a JSON document of ${size} bytes is larger than the ${DOCUMENT_SIZE_LIMIT}-byte limit` });
        return result(false, 0, 0);
      }
      const { readFileSync } = await import('node:fs');
      const text = readFileSync(path, 'utf8');
      tally.files++;
      tally.bytes += size;
      let document: unknown;
      try {
        document = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      } catch (error) {
        tally.lines++;
        skip(1, 'invalid_json', (error as Error).message, forced?.name ?? 'unknown');
        return result(true, size, 1);
      }
      const dialect =
        candidates.length === 1 ? candidates[0] : candidates.find((each) => each.detect(document as JsonObject));
      if (!dialect?.readDocument) {
        tally.lines++;
        skip(1, 'unknown_dialect', 'no known log dialect reads this document', 'unknown');
        return result(true, size, 1);
      }
      await consume(dialect.readDocument(document, { path }), dialect);
    } else if (reader === 'parquet') {
      // Exported records (usage export): rows in the export schema, read by the export dialect.
      const { readParquetOutcomes } = await import('../export/read-parquet.js');
      tally.files++;
      tally.bytes += size;
      await consume(readParquetOutcomes(path), findDialect('export'));
    } else {
      const { openSqliteReader } = await import('../sources/sqlite.js');
      const database = openSqliteReader(path);
      try {
        tally.files++;
        tally.bytes += size;
        const tables = { tables: database.tables() } as unknown as JsonObject;
        // Always asked, even of a single candidate: a file name proves nothing
        // about a database (any *.db), its tables do.
        const dialect = candidates.find((each) => each.detect(tables));
        if (!dialect?.readDatabase) {
          // Read fine, but not an agent's database (an unrelated *.db in a walked folder): like a
          // document no module knows, one malformed entry, not an input that failed to read.
          tally.lines++;
          skip(1, 'unknown_dialect', 'no known agent database has these tables', 'unknown');
          return result(true, size, 1);
        }
        await consume(dialect.readDatabase(database, { path }), dialect);
      } finally {
        database.close();
      }
    }
    tally.lines += entries;
    return result(true, size, entries, options.sample ? (sampleFile(path, size) ?? '') : '');
  } catch (error) {
    if (error instanceof DataError || !isReadError(error)) throw error;
    tally.unreadable.push({ path, message: describeFsError(error) });
    return result(false, size, entries);
  }
}

/** One sentence for a read that failed part-way, gzip damage named as such. */
function describeReadFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'Z_BUF_ERROR') return 'the gzip data ends early (truncated file)';
  if (code === 'Z_DATA_ERROR') return `the gzip data is damaged (${(error as Error).message})`;
  if (code === 'Z_TRAILING_GARBAGE') return (error as Error).message;
  return describeFsError(error);
}

/** Errors of the file system or of gunzip carry a string code (ENOENT, EISDIR, Z_DATA_ERROR, …). */
function isReadError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException | null)?.code === 'string';
}
