/**
 * The JSON-lines fast path: a WebAssembly scanner (wasm/json-scan.ts) checks
 * each line exactly as JSON.parse would and hands back a compacted copy in
 * which the values of "bulk" members (message text, tool results, file
 * snapshots: keys that no dialect reads, declared by the dialect modules) are
 * `null`. Only that copy is decoded and parsed, so the text of a transcript
 * is never turned into JavaScript strings.
 *
 * The scanner only ever says "valid, here is the copy" or "not sure": a line
 * it does not accept is parsed whole by JSON.parse, which gives the verdict.
 * So a fault in the scanner can cost speed, never a record, provided it never
 * accepts what JSON.parse rejects and never changes what it keeps; the
 * property tests (test/compact-line.test.ts) check both against JSON.parse.
 */
import { JSON_SCAN_WASM } from './json-scan-wasm.js';

/** Lines longer than this are parsed whole: the scanner needs three times a line's size in memory. */
const LARGEST_COMPACTED_LINE = 16 * 1024 * 1024;

const INVALID = -1;
const UNCHANGED = -2;

interface ScannerExports {
  memory: WebAssembly.Memory;
  reserve(length: number, keyBytes: number): number;
  inputPointer(): number;
  outputPointer(): number;
  setKeys(keyCount: number, markerCount: number): void;
  compactLine(length: number): number;
  lineHoldsMarker(): number;
}

/** Where the bytes to parse are: the line itself, or the compacted copy in the scanner's memory. */
export interface CompactedLine {
  bytes: Buffer;
  start: number;
  end: number;
  /** Whether the bytes to parse hold one of the markers (`marker"`). */
  holdsMarker: boolean;
}

export interface CompactorOptions {
  /** False: no scanner, every line unchecked (what a runtime without WebAssembly gets); for tests. */
  webAssembly?: boolean | undefined;
  /** Member names whose values are elided (plain ASCII, at most 255 bytes each). */
  bulkKeys: readonly string[];
  /** Byte strings of 3 to 256 bytes ending in a quote (`okens"`): `holdsMarker` says whether one occurs. */
  markers: readonly string[];
}

export interface LineCompactor {
  /**
   * The bytes to parse for `buffer[start, end)`, checked by the scanner; or
   * null when the line was not checked and must be parsed whole: the scanner
   * did not accept it (JSON.parse decides), or could not look at it (no
   * WebAssembly, a line over 16 MiB, no memory to grow into). A returned copy
   * is valid until the next call.
   */
  compact(buffer: Buffer, start: number, end: number): CompactedLine | null;
  /** Whether one of the markers occurs anywhere in `buffer[start, end)`, for lines read without the scanner. */
  searchMarkers(buffer: Buffer, start: number, end: number): boolean;
}

let compiled: WebAssembly.Module | null | undefined;

function compileScanner(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(JSON_SCAN_WASM, 'base64'));
    } catch {
      // No WebAssembly (or no SIMD) in this runtime: every line is parsed whole, as before.
      compiled = null;
    }
  }
  return compiled;
}

/** Searches the raw bytes for each marker: for lines the scanner does not compact. */
function createMarkerSearch(markers: readonly string[]): (bytes: Buffer, start: number, end: number) => boolean {
  const patterns = markers.map((marker) => Buffer.from(marker, 'latin1'));
  return (bytes, start, end) => {
    const line = bytes.subarray(start, end);
    return patterns.some((pattern) => line.indexOf(pattern) !== -1);
  };
}

/** A compactor for one thread: it owns its scanner's memory. */
export function createLineCompactor({ bulkKeys, markers, webAssembly = true }: CompactorOptions): LineCompactor {
  const module = webAssembly ? compileScanner() : null;
  const searchMarkers = createMarkerSearch(markers);
  // One result object, reused: the caller reads it before the next line.
  const result: CompactedLine = { bytes: Buffer.alloc(0), start: 0, end: 0, holdsMarker: false };
  const whole = (buffer: Buffer, start: number, end: number, holdsMarker: boolean): CompactedLine => {
    result.bytes = buffer;
    result.start = start;
    result.end = end;
    result.holdsMarker = holdsMarker;
    return result;
  };
  if (module === null) {
    return { compact: () => null, searchMarkers };
  }
  const scanner = new WebAssembly.Instance(module, {
    env: {
      abort() {
        throw new Error('the line scanner stopped');
      },
    },
  }).exports as unknown as ScannerExports;
  // Markers go in without their closing quote: the scanner matches the ends of string tokens.
  const keys = bulkKeys.map((key) => Buffer.from(key, 'latin1'));
  const markerTexts = markers.map((marker) => Buffer.from(marker.endsWith('"') ? marker.slice(0, -1) : marker, 'latin1'));
  for (const text of [...keys, ...markerTexts]) {
    // The scanner's limits: a length byte; markers found by their last two bytes; and
    // "a string ends with the marker" equals "the bytes hold marker-quote" only for
    // markers without quotes or backslashes. A programming error, not input.
    const unsupported = text.length > 255 || text.some((byte) => byte === 0x22 || byte === 0x5c || byte > 0x7e || byte < 0x20);
    if (unsupported || (markerTexts.includes(text) && text.length < 2)) throw new RangeError(`unsupported bulk key or marker: ${text.toString('latin1')}`);
  }
  const keyBytes = [...keys, ...markerTexts].reduce((total, key) => total + 1 + key.length, 0);
  let capacity = 0;
  let memory = Buffer.alloc(0);
  let input = 0;
  let output = 0;
  const reserve = (length: number): boolean => {
    const wanted = Math.max(length, capacity * 2, 64 * 1024);
    const keyAt = scanner.reserve(wanted, keyBytes);
    if (keyAt === 0) return false;
    capacity = wanted;
    memory = Buffer.from(scanner.memory.buffer);
    let at = keyAt;
    for (const key of [...keys, ...markerTexts]) {
      memory[at++] = key.length;
      key.copy(memory, at);
      at += key.length;
    }
    scanner.setKeys(keys.length, markerTexts.length);
    input = scanner.inputPointer();
    output = scanner.outputPointer();
    return true;
  };
  return {
    searchMarkers,
    compact(buffer, start, end) {
      const length = end - start;
      if (length > LARGEST_COMPACTED_LINE) return null;
      if (length > capacity && !reserve(length)) return null;
      buffer.copy(memory, input, start, end);
      const outcome = scanner.compactLine(length);
      if (outcome === INVALID) return null;
      const holdsMarker = scanner.lineHoldsMarker() !== 0;
      if (outcome === UNCHANGED) return whole(buffer, start, end, holdsMarker);
      result.bytes = memory;
      result.start = output;
      result.end = output + outcome;
      result.holdsMarker = holdsMarker;
      return result;
    },
  };
}
