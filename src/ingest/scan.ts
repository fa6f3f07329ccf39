/**
 * Scans one source: lines → JSON → dialect → records, counting every line
 * that is not a record by why. Runs the same on the main thread and inside
 * worker threads, from the start of a file or from where an earlier run
 * stopped; the caller decides what happens to each record.
 */
import { DataError } from '../core/errors.js';
import type { DialectName, UsageRecord } from '../core/record.js';
import { detectDialect, findDialect, judgeRejected, type Dialect, type LineParser, type SkipReason } from '../dialects/index.js';
import type { JsonObject } from '../dialects/types.js';
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
   * Skip, without parsing, well-formed-looking lines that name no usage field
   * (see `couldHoldUsage`). Off for `usage validate`, which checks every line.
   */
  prefilter?: boolean | undefined;
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

/**
 * Byte markers of every field that can carry usage in any dialect. Each ends
 * with the closing quote of a key, so that text inside a JSON string (where
 * quotes are escaped) cannot match, and stops before the colon, so that
 * spacing (`"usage": {`) does not matter. A marker may match more than it
 * names (`okens"` is every `*_tokens` and `*Tokens` key, and OpenTelemetry's
 * `gen_ai.usage.*_tokens`): a false match only costs a parse.
 * Ordered by how often they decide a line, most often first: a line that
 * holds usage stops at the first marker, one that holds none pays for all.
 */
const USAGE_MARKERS = [
  'okens"', // every token count but jcode's and Codex's state lines
  'usage"', // a usage object, even one with no *_tokens key (to count it malformed)
  'prompt"', // jcode
  '_count"', // Codex token_count events
  '_context"', // Codex turn_context (the model)
  '_meta"', // Codex session_meta (the session)
].map((marker) => Buffer.from(marker));

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * A line can be skipped unparsed only when it looks complete (`{` … `}`) and
 * names no usage field. A truncated or otherwise broken line that could have
 * been a record keeps its marker or loses its closing brace, so it is still
 * parsed and counted as malformed.
 */
export function couldHoldUsage(buffer: Buffer, start: number, end: number): boolean {
  if (buffer[start] !== OPEN_BRACE || buffer[end - 1] !== CLOSE_BRACE) return true;
  const line = buffer.subarray(start, end);
  for (const marker of USAGE_MARKERS) {
    if (line.indexOf(marker) !== -1) return true;
  }
  return false;
}

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

/**
 * `onRecord` receives each record with `settled` false only for the record
 * of an unfinished last line: it counts now, but a later run will read that
 * line again once it is complete.
 */
export async function scanSource(
  source: Source,
  options: ScanOptions,
  onRecord: (entry: ScannedRecord, settled: boolean) => void,
  start?: ScanStart,
): Promise<FileScan> {
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
  const forced = options.format ? findDialect(options.format) : undefined;
  const problemLimit = options.problemLimit ?? 100;
  const prefilter = options.prefilter === true;
  const keySecret = parseKeySecret(options.keySecret ?? createKeySecret());
  const parsers = new Map<Dialect, LineParser>();
  const saveStates = (): Partial<Record<DialectName, unknown>> => {
    // A resumed scan that has not yet met a dialect's line still owes that
    // dialect the state it started from: dropping it lost Codex's model and
    // running totals when a file was resumed twice over an unfinished line.
    const saved: Partial<Record<DialectName, unknown>> = { ...start?.states };
    for (const [dialect, parser] of parsers) if (parser.saveState) saved[dialect.name] = parser.saveState();
    return saved;
  };

  const skip = (lineNumber: number, reason: SkipReason, detail: string, dialect: DialectName | 'unknown'): void => {
    if (options.strict) throw new DataError(`${file}:${lineNumber}: ${reason} (${detail})`);
    tally.skippedLines++;
    tally.skippedReasons[reason] = (tally.skippedReasons[reason] ?? 0) + 1;
    tally.skippedByDialect[dialect] = (tally.skippedByDialect[dialect] ?? 0) + 1;
    if (tally.problems.length < problemLimit) tally.problems.push({ file, line: lineNumber, reason, detail });
  };

  try {
    const stats = await readLines(
      chunks,
      (buffer, begin, end, lineNumber, terminated) => {
        if (!terminated) {
          // Keep what an index may store before the unfinished line changes anything.
          settled = copyScanTally(tally);
          states = saveStates();
        }
        if (prefilter && terminated && !couldHoldUsage(buffer, begin, end)) {
          tally.noUsageLines++;
          return;
        }
        let value: unknown;
        try {
          value = JSON.parse(buffer.toString('utf8', begin, end));
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
        const dialect = forced ?? detectDialect(value as JsonObject);
        if (dialect === undefined) {
          skip(lineNumber, 'unknown_dialect', 'no known log dialect has these fields', 'unknown');
          return;
        }
        let parser = parsers.get(dialect);
        if (parser === undefined) {
          parser = dialect.createParser({ path: file }, start?.states[dialect.name]);
          parsers.set(dialect, parser);
        }
        const outcome = parser(value as JsonObject);
        switch (outcome.kind) {
          case 'record':
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
          case 'check':
            // The slow path, for lines that failed the fast check only: zod
            // (loaded now) gives the verdict, and the next line waits for it.
            return judgeRejected(outcome).then((verdict) => skip(lineNumber, verdict.reason, verdict.detail, dialect.name));
        }
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
      tally.unreadable.push({ path: file, message: `${describeReadFailure(stats.failure)} after line ${stats.completeLines} (${stats.bytes} bytes read); the records before it are counted` });
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
