/**
 * A Buffer-level line splitter. It never builds a string for the whole input
 * and never holds more than one chunk plus one partial line (itself capped),
 * so memory stays flat however large a file is. Lines are handed out as byte
 * ranges so the caller can reject a line with a cheap byte check before
 * decoding it.
 *
 * A line ends at LF, CRLF or a lone CR (old Mac and some Windows tools write
 * CR alone; reading such a file as one unfinished line lost all its records).
 */

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * The longest line handed out whole. Generous on purpose: a transcript line
 * carrying images or a large tool result reaches tens of MB. A longer line is
 * not held: it is skipped, reported through `onOverlongLine` with its size,
 * and reading goes on at the next line end, so `/dev/zero`-like input costs
 * linear time and flat memory instead of growing one buffer forever.
 */
export const MAX_LINE_BYTES = 128 * 1024 * 1024;

/**
 * Called once per non-blank line. `buffer[start, end)` holds the line
 * without its line ending. `terminated` is false only for a final line that
 * had no line end after it: the writer may still be appending to it.
 * Synchronous: every verdict on a line is reached without waiting.
 */
export type LineHandler = (buffer: Buffer, start: number, end: number, lineNumber: number, terminated: boolean) => void;

export interface LineStats {
  bytes: number;
  /** The number of the last line seen (counting from the first line of the file). */
  lines: number;
  /** Bytes up to and including the last line end: what a later read may resume after. */
  consumed: number;
  /** The number of the last line that ended in a line end. */
  completeLines: number;
  /**
   * Set when the input itself failed mid-way (a read error, a damaged gzip
   * stream): everything above counts what was read before it. A partial line
   * cut off by the failure is not handed out. Errors thrown by the handler are
   * not caught: they propagate.
   */
  failure?: unknown;
}

export interface ReadLinesOptions {
  /** The number of the line before the first one read (when resuming mid-file). */
  lineOffset?: number | undefined;
  /** Whether the input starts at the beginning of the file, where a BOM may stand. */
  atFileStart?: boolean | undefined;
  /** Longest line handed out (default MAX_LINE_BYTES); tests pass small caps. */
  maxLineBytes?: number | undefined;
  /** Told about each line longer than the cap (its full size in bytes), which is not handed out. */
  onOverlongLine?: ((lineNumber: number, bytes: number, terminated: boolean) => void) | undefined;
}

/** True when `buffer[start, end)` is only spaces and tabs (JSON whitespace; CR and LF never reach here). */
function isBlank(buffer: Buffer, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    const byte = buffer[index];
    if (byte !== SPACE && byte !== TAB) return false;
  }
  return true;
}

/** The position of the next CR or LF in `chunk` from `from`, or -1. */
function findLineEnd(chunk: Buffer, from: number, hasCarriageReturn: boolean): number {
  const newline = chunk.indexOf(NEWLINE, from);
  if (!hasCarriageReturn) return newline;
  const carriage = chunk.indexOf(CARRIAGE_RETURN, from);
  if (carriage === -1) return newline;
  return newline === -1 || carriage < newline ? carriage : newline;
}

export async function readLines(
  chunks: Iterable<Buffer> | AsyncIterable<Buffer | string>,
  onLine: LineHandler,
  options: ReadLinesOptions = {},
): Promise<LineStats> {
  // The partial line waiting for its end, as copied pieces joined once when
  // the end arrives: joining per chunk made a long line cost quadratic time.
  const carry: Buffer[] = [];
  let carryLength = 0;
  // Bytes of an over-long line being skipped (-1 when not skipping).
  let skipping = -1;
  // The last line ended in CR at the very end of a chunk: an LF opening the
  // next chunk belongs to that line end (CRLF split across chunks).
  let pendingCarriageReturn = false;
  let lineNumber = options.lineOffset ?? 0;
  let bytes = 0;
  let consumed = 0;
  let completeLines = lineNumber;
  const atStart = options.atFileStart ?? true;
  const firstLine = lineNumber + 1;
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;

  const emit = (buffer: Buffer, from: number, end: number, terminated: boolean): void => {
    lineNumber++;
    let start = from;
    // A UTF-8 byte-order mark is not data: JSON.parse would reject it. Checked on
    // the first line, not the first chunk, which may be shorter than the mark.
    if (atStart && lineNumber === firstLine && end - start >= 3 && buffer[start] === 0xef && buffer[start + 1] === 0xbb && buffer[start + 2] === 0xbf) {
      start += 3;
    }
    if (end <= start) return;
    // Blank lines are not counted as anything (docs/record.md), spaces or not.
    const first = buffer[start];
    if ((first === SPACE || first === TAB) && isBlank(buffer, start, end)) return;
    onLine(buffer, start, end, lineNumber, terminated);
  };

  const reportOverlong = (size: number, terminated: boolean): void => {
    lineNumber++;
    options.onOverlongLine?.(lineNumber, size, terminated);
  };

  const dropCarry = (): void => {
    carry.length = 0;
    carryLength = 0;
  };

  // The input's own failures (a read error, a damaged gzip stream) end the
  // reading with what was read so far; the handler's errors propagate. Only
  // the iterator's next() is guarded, so the two cannot be confused.
  let failure: unknown;
  const iterator: Iterator<Buffer> | AsyncIterator<Buffer | string> =
    Symbol.asyncIterator in chunks ? chunks[Symbol.asyncIterator]() : (chunks as Iterable<Buffer>)[Symbol.iterator]();
  let finished = false;
  try {
    for (;;) {
      let next: IteratorResult<Buffer | string>;
      try {
        next = await iterator.next();
      } catch (error) {
        failure = error;
        finished = true;
        break;
      }
      if (next.done) {
        finished = true;
        break;
      }
      const raw = next.value;
      const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
      if (chunk.length === 0) continue;
      const chunkStart = bytes;
      bytes += chunk.length;
      const hasCarriageReturn = chunk.indexOf(CARRIAGE_RETURN) !== -1;
      let position = 0;
      if (pendingCarriageReturn) {
        pendingCarriageReturn = false;
        if (chunk[0] === NEWLINE) {
          position = 1;
          consumed = chunkStart + 1;
        }
      }
      for (;;) {
        const lineEnd = findLineEnd(chunk, position, hasCarriageReturn);
        if (lineEnd === -1) break;
        if (skipping !== -1) {
          reportOverlong(skipping + (lineEnd - position), true);
          skipping = -1;
        } else if (carryLength > 0) {
          const total = carryLength + (lineEnd - position);
          if (total > maxLineBytes) {
            dropCarry();
            reportOverlong(total, true);
          } else {
            carry.push(chunk.subarray(position, lineEnd));
            const joined = Buffer.concat(carry, total);
            dropCarry();
            emit(joined, 0, joined.length, true);
          }
        } else if (lineEnd - position > maxLineBytes) {
          reportOverlong(lineEnd - position, true);
        } else {
          emit(chunk, position, lineEnd, true);
        }
        completeLines = lineNumber;
        position = lineEnd + 1;
        if (chunk[lineEnd] === CARRIAGE_RETURN) {
          if (position === chunk.length) pendingCarriageReturn = true;
          else if (chunk[position] === NEWLINE) position++;
        }
        consumed = chunkStart + position;
      }
      if (position < chunk.length) {
        const rest = chunk.length - position;
        if (skipping !== -1) {
          skipping += rest;
        } else if (carryLength + rest > maxLineBytes) {
          skipping = carryLength + rest;
          dropCarry();
        } else {
          // Copy, so the stream's chunk can be released (or reused) while the partial line waits.
          carry.push(Buffer.from(chunk.subarray(position)));
          carryLength += rest;
        }
      }
    }
  } finally {
    // Stopped early by the handler's error: let the source close its file.
    if (!finished) await iterator.return?.();
  }
  if (failure !== undefined) {
    return { bytes, lines: completeLines, consumed, completeLines, failure };
  }
  if (skipping !== -1) {
    reportOverlong(skipping, false);
  } else if (carryLength > 0) {
    const joined = Buffer.concat(carry, carryLength);
    dropCarry();
    emit(joined, 0, joined.length, false);
  }
  return { bytes, lines: lineNumber, consumed, completeLines };
}
