/**
 * The on-disk index: one file holding, per input file, its identity, how far
 * it was read, its line counts and its records in packed form. Layout:
 *
 *   "USAGEIX1" | section bytes ... | header JSON | u32 header length | "USAGEIX1"
 *
 * Sections are 8-byte aligned so typed arrays can view them without copying.
 * The header is written last and the file is renamed into place, so a reader
 * sees a whole index or none; anything that does not check out is discarded.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DialectName } from '../core/record.js';
import { PACKED_BYTES, type PackedRecords } from '../ingest/pack.js';
import type { ScanTally } from '../ingest/scan.js';

const MAGIC = Buffer.from('USAGEIX1');
// 2: entries written before resumed scans kept their parsers' states may
// have lost a Codex rollout's state, so they are not trusted.
export const INDEX_VERSION = 2;
export const INDEX_FILE_NAME = 'index-v1.bin';

export interface SectionRef {
  offset: number;
  count: number;
  floats: number;
  ints: number;
  contexts: number;
  texts: string[];
}

export interface IndexEntry {
  path: string;
  /** Scan options the entry was made with; a different run reads the file again. */
  fingerprint: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  /** When the scan that made this entry started (for the racy-timestamp check). */
  scannedAt: number;
  compressed: boolean;
  consumed: number;
  completeLines: number;
  /** Hash of sampled windows of the first `consumed` bytes. */
  sample: string;
  tally: ScanTally;
  states: Partial<Record<DialectName, unknown>>;
  sections: SectionRef[];
}

interface Header {
  version: number;
  tool: string;
  entries: IndexEntry[];
}

export interface LoadedIndex {
  entries: Map<string, IndexEntry>;
  /**
   * The open index file: sections are read from it one at a time, so memory
   * stays flat however large the index is (reading it whole cost as much
   * memory as the index is large: 440 MB for 1 GB of flat records). The
   * descriptor keeps this version readable even if another run renames a
   * newer index into place meanwhile.
   */
  descriptor: number;
}

export class IndexCorruptError extends Error {
  override readonly name = 'IndexCorruptError';
}

/**
 * `length` bytes from `position`, in memory of their own: Buffer.alloc never
 * hands out a slice of the shared pool, so the bytes start at offset 0 of
 * their ArrayBuffer and typed arrays can view a section aligned.
 */
function readExactly(descriptor: number, position: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const count = readSync(descriptor, bytes, read, length - read, position + read);
    if (count === 0) throw new IndexCorruptError('the index is truncated');
    read += count;
  }
  return bytes;
}

/** Reads the index header; undefined when there is none; IndexCorruptError when it does not check out. */
export function loadIndex(directory: string, tool: string): LoadedIndex | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(join(directory, INDEX_FILE_NAME), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IndexCorruptError(`cannot read the index: ${(error as Error).message}`);
  }
  try {
    const loaded = readHeader(descriptor, tool);
    return loaded;
  } catch (error) {
    closeSync(descriptor);
    if (error instanceof IndexCorruptError) throw error;
    throw new IndexCorruptError(`cannot read the index: ${(error as Error).message}`);
  }
}

function readHeader(descriptor: number, tool: string): LoadedIndex {
  const size = fstatSync(descriptor).size;
  const tail = MAGIC.length + 4;
  if (size < MAGIC.length + tail) throw new IndexCorruptError('the index is truncated');
  const start = readExactly(descriptor, 0, MAGIC.length);
  const end = readExactly(descriptor, size - tail, tail);
  if (!start.equals(MAGIC) || !end.subarray(4).equals(MAGIC)) {
    throw new IndexCorruptError('the index is not a usage index, or was not written completely');
  }
  const headerLength = end.readUInt32LE(0);
  const headerStart = size - tail - headerLength;
  if (headerStart < MAGIC.length) throw new IndexCorruptError('the index header is damaged');
  let header: Header;
  try {
    header = JSON.parse(readExactly(descriptor, headerStart, headerLength).toString('utf8')) as Header;
  } catch {
    throw new IndexCorruptError('the index header is damaged');
  }
  if (header.version !== INDEX_VERSION || header.tool !== tool || !Array.isArray(header.entries)) {
    throw new IndexCorruptError('the index was written by another version of usage');
  }
  const entries = new Map<string, IndexEntry>();
  for (const entry of header.entries) {
    if (!isWellFormedEntry(entry)) throw new IndexCorruptError('the index header is damaged');
    for (const section of entry.sections) {
      const end = section.offset + section.floats + section.ints + section.contexts;
      if (section.offset < MAGIC.length || end > headerStart || section.offset % 8 !== 0) {
        throw new IndexCorruptError('the index points outside itself');
      }
    }
    entries.set(entry.path, entry);
  }
  return { entries, descriptor };
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Everything later code reads from an entry, checked before any of it is
 * trusted: a damaged header must be discarded with a warning, not crash the
 * run halfway through (a bad count once made a typed array of length -1).
 */
function isWellFormedEntry(entry: unknown): entry is IndexEntry {
  if (!isObject(entry)) return false;
  const { path, fingerprint, sample, compressed, dev, ino, size, consumed, completeLines, mtimeMs, scannedAt, tally, states, sections } = entry;
  if (typeof path !== 'string' || typeof fingerprint !== 'string' || typeof sample !== 'string' || typeof compressed !== 'boolean') return false;
  if (![dev, ino, size, consumed, completeLines].every(isCount)) return false;
  if (!Number.isFinite(mtimeMs) || !Number.isFinite(scannedAt) || !isObject(states)) return false;
  if (!isWellFormedTally(tally) || !Array.isArray(sections)) return false;
  return sections.every(isWellFormedSection);
}

function isWellFormedTally(tally: unknown): boolean {
  if (!isObject(tally)) return false;
  const counts = [tally['files'], tally['bytes'], tally['lines'], tally['skippedLines'], tally['noUsageLines'], tally['duplicateLines'], tally['partialLines']];
  if (!counts.every(isCount)) return false;
  const reasons = tally['skippedReasons'];
  const byDialect = tally['skippedByDialect'];
  if (!isObject(reasons) || !Object.values(reasons).every(isCount)) return false;
  if (!isObject(byDialect) || !Object.values(byDialect).every(isCount)) return false;
  const problems = tally['problems'];
  const unreadable = tally['unreadable'];
  if (!Array.isArray(problems) || !Array.isArray(unreadable)) return false;
  return problems.every(
    (problem) => isObject(problem) && typeof problem['file'] === 'string' && isCount(problem['line']) && typeof problem['reason'] === 'string' && typeof problem['detail'] === 'string',
  );
}

function isWellFormedSection(section: unknown): boolean {
  if (!isObject(section)) return false;
  const { offset, count, floats, ints, contexts, texts } = section;
  if (![offset, count, floats, ints, contexts].every(isCount)) return false;
  const records = count as number;
  if (floats !== records * PACKED_BYTES.floats || ints !== records * PACKED_BYTES.ints) return false;
  if ((contexts as number) % PACKED_BYTES.context !== 0 || (contexts as number) > records * PACKED_BYTES.context) return false;
  return Array.isArray(texts) && texts.every((text) => typeof text === 'string');
}

/** Reads one section into fresh, aligned memory. */
export function readSection(index: LoadedIndex, section: SectionRef): PackedRecords {
  const { buffer } = readExactly(index.descriptor, section.offset, section.floats + section.ints + section.contexts);
  return {
    count: section.count,
    floats: new Float64Array(buffer, 0, section.floats / 8),
    ints: new Uint32Array(buffer, section.floats, section.ints / 4),
    contexts: new Float64Array(buffer, section.floats + section.ints, section.contexts / 8),
    texts: section.texts,
  };
}

export function closeIndex(index: LoadedIndex): void {
  closeSync(index.descriptor);
}

/** Writes a new index next to the old one, section by section, then renames it into place. */
export class IndexWriter {
  private readonly descriptor: number;
  private readonly temporary: string;
  private position = 0;
  private closed = false;

  constructor(private readonly directory: string) {
    this.temporary = join(directory, `${INDEX_FILE_NAME}.${randomUUID()}.tmp`);
    this.descriptor = openSync(this.temporary, 'w', 0o600);
    this.write(MAGIC);
  }

  private write(bytes: Uint8Array): void {
    let written = 0;
    while (written < bytes.length) {
      written += writeSync(this.descriptor, bytes, written, bytes.length - written, this.position + written);
    }
    this.position += bytes.length;
  }

  private align(): void {
    const pad = (8 - (this.position % 8)) % 8;
    if (pad) this.write(Buffer.alloc(pad));
  }

  appendSection(packed: PackedRecords): SectionRef {
    this.align();
    const offset = this.position;
    const part = (array: Float64Array | Uint32Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    this.write(part(packed.floats));
    this.write(part(packed.ints));
    this.write(part(packed.contexts));
    return {
      offset,
      count: packed.count,
      floats: packed.floats.byteLength,
      ints: packed.ints.byteLength,
      contexts: packed.contexts.byteLength,
      texts: packed.texts,
    };
  }

  finish(tool: string, entries: IndexEntry[]): void {
    const header: Header = { version: INDEX_VERSION, tool, entries };
    const json = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.length);
    this.write(json);
    this.write(length);
    this.write(MAGIC);
    fsyncSync(this.descriptor);
    closeSync(this.descriptor);
    this.closed = true;
    // rename is atomic: a concurrent reader sees the old index or the new one.
    renameSync(this.temporary, join(this.directory, INDEX_FILE_NAME));
  }

  abandon(): void {
    if (!this.closed) {
      closeSync(this.descriptor);
      this.closed = true;
    }
    try {
      unlinkSync(this.temporary);
    } catch {
      // Already gone.
    }
  }
}
