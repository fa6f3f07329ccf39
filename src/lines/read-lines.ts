/**
 * A Buffer-level line splitter. It never builds a string for the whole input
 * and never holds more than one chunk plus one partial line, so memory stays
 * flat however large a file is. Lines are handed out as byte ranges so the
 * caller can reject a line with a cheap byte check before decoding it.
 */

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface LineHandler {
  /**
   * Called once per non-empty line. `buffer[start, end)` holds the line
   * without its line ending. `terminated` is false only for a final line that
   * had no newline after it: the writer may still be appending to it.
   * A handler that needs to wait (rarely: a line that needs a slow check)
   * returns a promise; the next line is handed out once it settles.
   */
  (buffer: Buffer, start: number, end: number, lineNumber: number, terminated: boolean): void | Promise<void>;
}

export interface LineStats {
  bytes: number;
  /** The number of the last line seen (counting from the first line of the file). */
  lines: number;
  /** Bytes up to and including the last newline: what a later read may resume after. */
  consumed: number;
  /** The number of the last line that ended in a newline. */
  completeLines: number;
}

export interface ReadLinesOptions {
  /** The number of the line before the first one read (when resuming mid-file). */
  lineOffset?: number | undefined;
  /** Whether the input starts at the beginning of the file, where a BOM may stand. */
  atFileStart?: boolean | undefined;
}

export async function readLines(
  chunks: Iterable<Buffer> | AsyncIterable<Buffer | string>,
  onLine: LineHandler,
  options: ReadLinesOptions = {},
): Promise<LineStats> {
  let carry: Buffer | null = null;
  let lineNumber = options.lineOffset ?? 0;
  let bytes = 0;
  let consumed = 0;
  const atStart = options.atFileStart ?? true;
  const firstLine = lineNumber + 1;

  // Returns the handler's promise, if any, for the caller to await: awaiting
  // every line would cost a microtask per line on the hot path.
  const emit = (buffer: Buffer, from: number, end: number, terminated: boolean): Promise<void> | undefined => {
    lineNumber++;
    let start = from;
    // A UTF-8 byte-order mark is not data: JSON.parse would reject it. Checked on
    // the first line, not the first chunk, which may be shorter than the mark.
    if (atStart && lineNumber === firstLine && end - start >= 3 && buffer[start] === 0xef && buffer[start + 1] === 0xbb && buffer[start + 2] === 0xbf) {
      start += 3;
    }
    let stop = end;
    if (stop > start && buffer[stop - 1] === CARRIAGE_RETURN) stop--;
    if (stop <= start) return undefined;
    const pending = onLine(buffer, start, stop, lineNumber, terminated);
    return pending instanceof Promise ? pending : undefined;
  };

  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    if (chunk.length === 0) continue;
    const chunkStart = bytes;
    bytes += chunk.length;
    const last = chunk.lastIndexOf(NEWLINE);
    if (last !== -1) consumed = chunkStart + last + 1;
    let position = 0;
    if (carry !== null) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const joined = Buffer.concat([carry, chunk.subarray(0, newline)]);
      carry = null;
      const pending = emit(joined, 0, joined.length, true);
      if (pending !== undefined) await pending;
      position = newline + 1;
    }
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, position);
      if (newline === -1) break;
      const pending = emit(chunk, position, newline, true);
      if (pending !== undefined) await pending;
      position = newline + 1;
    }
    if (position < chunk.length) {
      // Copy, so the stream's chunk can be released while the partial line waits.
      carry = Buffer.from(chunk.subarray(position));
    }
  }
  const completeLines = lineNumber;
  if (carry !== null && carry.length > 0) {
    const pending = emit(carry, 0, carry.length, false);
    if (pending !== undefined) await pending;
  }
  return { bytes, lines: lineNumber, consumed, completeLines };
}
