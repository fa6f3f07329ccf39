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
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DialectName } from '../core/record.js';
import type { PackedRecords } from '../ingest/pack.js';
import type { ScanTally } from '../ingest/scan.js';

const MAGIC = Buffer.from('USAGEIX1');
export const INDEX_VERSION = 1;
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
  /** The raw file, for reading sections. */
  bytes: Buffer;
}

export class IndexCorruptError extends Error {
  override readonly name = 'IndexCorruptError';
}

/** Reads the index; undefined when there is none; IndexCorruptError when it does not check out. */
export function loadIndex(directory: string, tool: string): LoadedIndex | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(directory, INDEX_FILE_NAME));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IndexCorruptError(`cannot read the index: ${(error as Error).message}`);
  }
  if (bytes.length < 2 * MAGIC.length + 4) throw new IndexCorruptError('the index is truncated');
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC) || !bytes.subarray(bytes.length - MAGIC.length).equals(MAGIC)) {
    throw new IndexCorruptError('the index is not a usage index, or was not written completely');
  }
  const headerLength = bytes.readUInt32LE(bytes.length - MAGIC.length - 4);
  const headerStart = bytes.length - MAGIC.length - 4 - headerLength;
  if (headerStart < MAGIC.length) throw new IndexCorruptError('the index header is damaged');
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', headerStart, headerStart + headerLength)) as Header;
  } catch {
    throw new IndexCorruptError('the index header is damaged');
  }
  if (header.version !== INDEX_VERSION || header.tool !== tool || !Array.isArray(header.entries)) {
    throw new IndexCorruptError('the index was written by another version of usage');
  }
  const entries = new Map<string, IndexEntry>();
  for (const entry of header.entries) {
    for (const section of entry.sections) {
      const end = section.offset + section.floats + section.ints + section.contexts;
      if (section.offset < MAGIC.length || end > headerStart || section.offset % 8 !== 0) {
        throw new IndexCorruptError('the index points outside itself');
      }
    }
    entries.set(entry.path, entry);
  }
  return { entries, bytes };
}

export function readSection(index: LoadedIndex, section: SectionRef): PackedRecords {
  const { buffer, byteOffset } = index.bytes;
  const start = byteOffset + section.offset;
  // Views need 8-byte alignment; a pooled Buffer may not give it, so copy then.
  const view = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, from: number, bytes: number, width: number): T =>
    from % width === 0
      ? make(buffer as ArrayBuffer, from, bytes / width)
      : make((buffer as ArrayBuffer).slice(from, from + bytes), 0, bytes / width);
  return {
    count: section.count,
    floats: view((b, o, n) => new Float64Array(b, o, n), start, section.floats, 8),
    ints: view((b, o, n) => new Uint32Array(b, o, n), start + section.floats, section.ints, 4),
    contexts: view((b, o, n) => new Float64Array(b, o, n), start + section.floats + section.ints, section.contexts, 8),
    texts: section.texts,
  };
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
