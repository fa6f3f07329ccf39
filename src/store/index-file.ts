/**
 * The on-disk index: one file holding, per input file, its identity, how far
 * it was read, its line counts and its records in packed form, and the
 * outcome of the de-duplication of the run that wrote it. Layout:
 *
 *   "USAGEIX2" | section bytes ... | header JSON
 *     | u32 CRC-32 of the section bytes | u32 CRC-32 of the header JSON
 *     | u32 header length | "USAGEIX2"
 *
 * A section is its records' floats, integers and contexts, then their text
 * table (see encodeTexts), 8-byte aligned so typed arrays can view them
 * without copying. The text tables used to sit in the header JSON: at 1 GB of
 * Claude logs they were 7 of its 9.5 MB, parsed, checked and written again
 * on every run that touched the index.
 *
 * The header is written last and the file is renamed into place, so a reader
 * sees a whole index or none. An index that was extended rather than written
 * whole also has sections in its bases: earlier index files, hard-linked
 * under names of their own and never written again (see IndexBase), each
 * with the CRC-32 of its record bytes in the header. Every checksum is
 * verified before anything is used: one flipped bit anywhere used to change
 * totals without a word, and every later run carried the damage forward.
 * Anything that does not check out, or a base that is gone, is discarded
 * (one warning) and rebuilt.
 *
 * The index is an optimisation: a folder that cannot be read or written
 * (read-only mount, another user's folder, full disk, a directory where the
 * file should be) costs one warning and the run answers without it.
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { DialectName } from '../core/record.js';
import { checkPackedRows, countKeyedRows, PACKED_BYTES, type PackedRecords } from '../ingest/pack.js';
import type { ScanTally } from '../ingest/scan.js';
import { noteWrittenFile } from './written-files.js';

const MAGIC = Buffer.from('USAGEIX2');
const OLD_MAGIC = Buffer.from('USAGEIX1');
// 3: checksums over sections and header; entries carry ctime; keys are keyed hashes.
// 4: sections carry their keyed-row count and shadowed rows; the header the resolved input.
// 5: no resolution counts a keyed record of an unfinished line (a run that extends one counts its duplicates on top).
// 6: text tables in the section bytes, not in the header.
export const INDEX_VERSION = 6;
export const INDEX_FILE_NAME = 'index-v1.bin';
const TEMPORARY_SUFFIX = '.tmp';
// Bytes after the header: two checksums, the header length, the magic.
const TAIL_BYTES = 12 + MAGIC.length;
const VERIFY_CHUNK = 1 << 20;
/**
 * Record bytes up to this size are kept for the run once checked (a warm run
 * used to read every section twice: once to verify it, once to use it). An
 * index up to this size is read with one read; a larger one is checked a
 * section at a time, its first sections up to this size kept and the others
 * read again when used, so memory stays bounded (8 MiB: a Claude index of
 * 100 MB of logs is ~5 MB and fits; 24 MiB put a warm run over 100 MB of
 * flat records 14 MiB higher in peak memory for ~10 ms of reading saved).
 */
const RESIDENT_LIMIT = 8 << 20;

export interface SectionRef {
  offset: number;
  count: number;
  floats: number;
  ints: number;
  contexts: number;
  texts: string[];
  /** Rows with a de-duplication key (absent in archive sections). */
  keyed?: number | undefined;
  /**
   * Keyed (or deferred) rows, ascending, whose copy lost the de-duplication
   * of the run that wrote the index (see Header.resolved); absent when none did.
   */
  shadowed?: number[] | undefined;
  /** Rows without a key, ascending, that run matched to an archived identity (so they went through the de-duplication). */
  deferred?: number[] | undefined;
}

/** A section of the index: as SectionRef, but its text table is in its bytes, after the contexts. */
export interface IndexSectionRef extends Omit<SectionRef, 'texts'> {
  /** Bytes of the text table (see encodeTexts). */
  textBytes: number;
  /** The file that holds the section: absent (or 0) this one, k the k-th of the header's `bases`. */
  part?: number | undefined;
}

/** All bytes of an index section, text table included. */
export const sectionLength = (section: IndexSectionRef): number => section.floats + section.ints + section.contexts + section.textBytes;

/**
 * A text table as bytes: u32 count | u32 encoding (0 UTF-8, 1 UTF-16LE) |
 * u32 length of each text in UTF-16 code units | the texts, joined. UTF-8
 * unless a text holds a lone surrogate, which UTF-8 cannot carry (JSON
 * could: a warm run must print what a cold one prints). One decode and a
 * slice per text reads it back, far cheaper than a JSON array of strings.
 */
export function encodeTexts(texts: readonly string[]): Buffer {
  const joined = texts.join('');
  const wellFormed = (joined as unknown as { isWellFormed(): boolean }).isWellFormed();
  const payload = Buffer.from(joined, wellFormed ? 'utf8' : 'utf16le');
  const bytes = Buffer.allocUnsafe(8 + 4 * texts.length + payload.length);
  bytes.writeUInt32LE(texts.length, 0);
  bytes.writeUInt32LE(wellFormed ? 0 : 1, 4);
  for (const [at, text] of texts.entries()) bytes.writeUInt32LE(text.length, 8 + 4 * at);
  payload.copy(bytes, 8 + 4 * texts.length);
  return bytes;
}

/** The number of texts in a table at `start` (4-byte aligned) of `buffer`, or -1 when its layout does not hold together. */
function countTexts(buffer: ArrayBufferLike, start: number, length: number): number {
  if (length < 8) return -1;
  const [count, encoding] = new Uint32Array(buffer, start, 2) as unknown as [number, number];
  if (encoding > 1 || 8 + 4 * count > length) return -1;
  const payload = length - 8 - 4 * count;
  if (encoding === 1 && payload % 2 !== 0) return -1;
  return count;
}

/** The texts of a table written by encodeTexts; IndexCorruptError when they do not add up. */
function decodeTexts(buffer: ArrayBufferLike, start: number, length: number): string[] {
  const count = countTexts(buffer, start, length);
  if (count < 0) throw new IndexCorruptError('the index data is damaged (a text table is malformed)');
  const encoding = new Uint32Array(buffer, start + 4, 1)[0] === 1 ? 'utf16le' : 'utf8';
  const lengths = new Uint32Array(buffer, start + 8, count);
  const joined = Buffer.from(buffer as ArrayBuffer, start + 8 + 4 * count, length - 8 - 4 * count).toString(encoding);
  const texts = new Array<string>(count);
  let at = 0;
  for (let text = 0; text < count; text++) {
    const end = at + (lengths[text] as number);
    if (end > joined.length) throw new IndexCorruptError('the index data is damaged (a text table is malformed)');
    texts[text] = joined.slice(at, end);
    at = end;
  }
  if (at !== joined.length) throw new IndexCorruptError('the index data is damaged (a text table is malformed)');
  return texts;
}

export interface IndexEntry {
  path: string;
  /** Scan options the entry was made with; a different run reads the file again. */
  fingerprint: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  /**
   * Status-change time: set by the kernel on every write, chmod or rename and
   * not settable by `touch -r`, `cp -p` or `rsync -t`, which put mtime back.
   */
  ctimeMs: number;
  /** When the scan that made this entry started (for the racy-timestamp check). */
  scannedAt: number;
  compressed: boolean;
  consumed: number;
  completeLines: number;
  /** Hash of sampled windows of the first `consumed` bytes. */
  sample: string;
  tally: ScanTally;
  states: Partial<Record<DialectName, unknown>>;
  sections: IndexSectionRef[];
}

interface Header {
  version: number;
  tool: string;
  /** Secret key of the de-duplication key hashes stored in this index (hex; see pack.ts hashKey). */
  keySecret: string;
  entries: IndexEntry[];
  resolved?: Resolution | undefined;
  /** Earlier index files whose record bytes this one's sections also lie in (see IndexWriter). */
  bases?: IndexBase[] | undefined;
}

/**
 * An earlier index file, hard-linked under a name of its own when an index
 * was extended, so that its record bytes stay where they are instead of
 * being copied into the new file (for 1 GB of flat records, 500 MB copied on
 * every run that read 1 MB appended). Never written to again: every writer
 * writes a new file. Its record bytes, up to `end`, are verified against
 * `checksum` like this file's own.
 */
export interface IndexBase {
  /** File name in the index folder (`index-v1.bin.<uuid>.base`). */
  name: string;
  /** Where its record bytes end (its header starts). */
  end: number;
  /** CRC-32 of its record bytes, from after the magic to `end`. */
  checksum: number;
}

const BASE_SUFFIX = '.base';
const BASE_NAME = new RegExp(`^${INDEX_FILE_NAME.replaceAll('.', '\\.')}\\.[0-9a-f-]{36}\\.base$`);
/** Bases one index may hold at most: past this, the next change writes it whole. */
export const MAX_BASES = 8;
/**
 * An extended index links its file as a base only when its own record bytes
 * are more than this; less are copied into the new file (so bases stay few
 * and large: a file of one extension's new sections is rarely worth a base).
 */
const LINK_THRESHOLD = 8 << 20;

/** The record bytes of one file of the index: this one (part 0) or a base. */
interface IndexPart {
  descriptor: number;
  /** Where its record bytes end. */
  end: number;
  /** Its record bytes, from offset MAGIC.length, when the index is small enough to keep (RESIDENT_LIMIT). */
  resident?: Buffer | undefined;
}

/**
 * The de-duplication, resolved when the index was written: the first
 * `files` entries, in order, were the whole input of that run (files only,
 * no archived records counted), and their sections' `shadowed` rows are the
 * copies that lost. A later run over the same files in the same order, all
 * unchanged, hands on the other rows as they are, without hashing a key.
 */
export interface Resolution {
  files: number;
  /** Duplicate lines that run counted. */
  duplicates: number;
  /** The archive as that run counted it (ArchiveSession.signature): 'none' when it counted no archived row. */
  archive: string;
  /** Positions, ascending, among the archived rows that run counted, of those that won. */
  archiveWinners: number[];
}

export interface LoadedIndex {
  entries: Map<string, IndexEntry>;
  /** Paths of the run the de-duplication was resolved for, in input order (see Resolution). */
  resolvedPaths?: string[] | undefined;
  resolved?: Resolution | undefined;
  keySecret: string;
  /**
   * The open index file: sections are read from it one at a time, so memory
   * stays flat however large the index is (reading it whole cost as much
   * memory as the index is large: 440 MB for 1 GB of flat records). The
   * descriptor keeps this version readable even if another run renames a
   * newer index into place meanwhile.
   */
  descriptor: number;
  /** All record bytes, from file offset `MAGIC.length`, when the index is small enough to keep (RESIDENT_LIMIT). */
  resident?: Buffer | undefined;
  /** Sections of a larger index kept when they were checked, up to RESIDENT_LIMIT bytes. */
  kept: Map<IndexSectionRef, PackedRecords>;
  /** File offset where the record bytes end (the header starts). */
  headerStart: number;
  /** CRC-32 of the record bytes (verified): a writer that extends this index carries it on. */
  dataChecksum: number;
  /** The bases the sections also lie in (see IndexBase), in the header's order. */
  bases: IndexBase[];
  /** This file (part 0) and its bases, open, in the header's order: a section's `part` indexes it. */
  parts: IndexPart[];
  /** The buffer transient section reads reuse (see readSection). */
  scratch?: Buffer | undefined;
}

/** Record bytes in all the files of an index, used or not. */
export function countRecordBytes(index: LoadedIndex): number {
  return index.parts.reduce((sum, part) => sum + part.end - MAGIC.length, 0);
}

export class IndexCorruptError extends Error {
  override readonly name = 'IndexCorruptError';
}

/**
 * `length` bytes from `position`, in memory of their own: allocUnsafeSlow
 * never hands out a slice of the shared pool, so the bytes start at offset 0
 * of their ArrayBuffer and typed arrays can view a section aligned. Not
 * zero-filled first: every byte is read over, or the call throws.
 */
function readExactly(descriptor: number, position: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafeSlow(length);
  let read = 0;
  while (read < length) {
    const count = readSync(descriptor, bytes, read, length - read, position + read);
    if (count === 0) throw new IndexCorruptError('the index is truncated');
    read += count;
  }
  return bytes;
}

/**
 * Why an index could not be used at all (not damaged: unreachable), such as
 * permission denied or a directory at its path. The run answers without it
 * and does not try to write one.
 */
export class IndexUnavailableError extends Error {
  override readonly name = 'IndexUnavailableError';
}

/**
 * Reads and verifies the index (keeping up to `residentLimit` bytes of its
 * records in memory; tests pass less to exercise a large index); undefined
 * when there is none;
 * IndexCorruptError when it does not check out (rebuild it);
 * IndexUnavailableError when it cannot be read at all (do without it).
 */
export function loadIndex(directory: string, tool: string, residentLimit = RESIDENT_LIMIT, retried = false): LoadedIndex | undefined {
  removeStaleTemporaryFiles(directory);
  let descriptor: number;
  try {
    descriptor = openSync(join(directory, INDEX_FILE_NAME), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IndexUnavailableError(`cannot read ${join(directory, INDEX_FILE_NAME)}: ${describeError(error)}`);
  }
  try {
    if (!fstatSync(descriptor).isFile()) {
      throw new IndexUnavailableError(`${join(directory, INDEX_FILE_NAME)} is not a regular file`);
    }
    return readHeader(directory, descriptor, tool, residentLimit);
  } catch (error) {
    closeSync(descriptor);
    // A base removed between reading the header and opening it: a newer index (that no longer needs it) was
    // renamed into place meanwhile, and its writer removed the base. Read that newer index, once.
    if (error instanceof MissingBaseError) {
      if (!retried) return loadIndex(directory, tool, residentLimit, true);
      throw new IndexCorruptError(error.message);
    }
    if (error instanceof IndexCorruptError || error instanceof IndexUnavailableError) throw error;
    throw new IndexUnavailableError(`cannot read ${join(directory, INDEX_FILE_NAME)}: ${describeError(error)}`);
  }
}

class MissingBaseError extends Error {
  override readonly name = 'MissingBaseError';
}

export function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'ENOTDIR') return 'not a directory';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOSPC') return 'no space left on device';
  if (code === 'EDQUOT') return 'disk quota exceeded';
  return error instanceof Error ? error.message : String(error);
}

/** A running CRC-32 extended by `bytes`. zlib.crc32 of no bytes returns 0, not the running value, hence the guard. */
export function extendChecksum(bytes: Uint8Array, running: number): number {
  return bytes.length === 0 ? running : crc32(bytes, running);
}

/** Adds `length` bytes from `position` to a running CRC-32, read a chunk at a time (memory stays flat). */
function checksumRange(descriptor: number, position: number, length: number, checksum: number): number {
  const buffer = Buffer.allocUnsafe(Math.min(VERIFY_CHUNK, Math.max(length, 1)));
  let done = 0;
  let running = checksum;
  while (done < length) {
    const want = Math.min(buffer.length, length - done);
    const count = readSync(descriptor, buffer, 0, want, position + done);
    if (count === 0) throw new IndexCorruptError('the index is truncated');
    running = extendChecksum(buffer.subarray(0, count), running);
    done += count;
  }
  return running;
}

/**
 * Checks every record byte of every file of the index (this one and its
 * bases) against its stored CRC-32, and every section's text table and
 * keyed-row count, before anything is used: records handed on cannot be
 * taken back, and damage kept would be copied into every later index. A
 * small index is read whole, one read per file, and kept; a large one is
 * read section by section, in file order, so a section is only ever one
 * batch in memory (those past `residentLimit` into one scratch buffer: fresh
 * memory for each cost a page fault per 4 KiB, about as much as the read).
 */
function verifySections(
  parts: IndexPart[],
  checksums: number[],
  sections: IndexSectionRef[],
  kept: Map<IndexSectionRef, PackedRecords>,
  residentLimit: number,
): void {
  const byPart = parts.map((): IndexSectionRef[] => []);
  for (const section of sections) (byPart[section.part ?? 0] as IndexSectionRef[]).push(section);
  for (const [at, part] of parts.entries()) {
    const ordered = (byPart[at] as IndexSectionRef[]).sort((a, b) => a.offset - b.offset);
    byPart[at] = ordered;
    let position = MAGIC.length;
    for (const section of ordered) {
      if (section.offset < position) throw new IndexCorruptError('the index header is damaged (sections overlap)');
      position = section.offset + sectionLength(section);
      if (position > part.end) throw new IndexCorruptError('the index points outside itself');
    }
  }
  const total = parts.reduce((sum, part) => sum + part.end - MAGIC.length, 0);
  if (total <= residentLimit) {
    for (const [at, part] of parts.entries()) {
      const resident = readExactly(part.descriptor, MAGIC.length, part.end - MAGIC.length);
      if (extendChecksum(resident, 0) >>> 0 !== checksums[at]) throw new IndexCorruptError('the index data is damaged (checksum mismatch)');
      for (const section of byPart[at] as IndexSectionRef[]) checkSection(resident.buffer, section.offset - MAGIC.length, section);
      part.resident = resident;
    }
    return;
  }
  let keptBytes = 0;
  let scratch: Buffer | undefined;
  for (const [at, part] of parts.entries()) {
    const { descriptor } = part;
    let position = MAGIC.length;
    let checksum = 0;
    for (const section of byPart[at] as IndexSectionRef[]) {
      checksum = checksumRange(descriptor, position, section.offset - position, checksum);
      const length = sectionLength(section);
      keptBytes += length;
      // Kept only if the whole index checks out (else it is discarded with all it holds).
      const keep = keptBytes <= residentLimit;
      if (!keep && (scratch === undefined || scratch.length < length)) scratch = Buffer.allocUnsafeSlow(Math.max(length, VERIFY_CHUNK));
      const bytes = keep ? readExactly(descriptor, section.offset, length) : readInto(scratch as Buffer, descriptor, section.offset, length);
      checksum = extendChecksum(bytes, checksum);
      checkSection(bytes.buffer, 0, section);
      if (keep) kept.set(section, viewSection(bytes.buffer, section));
      position = section.offset + length;
    }
    checksum = checksumRange(descriptor, position, part.end - position, checksum);
    if (checksum >>> 0 !== checksums[at]) throw new IndexCorruptError('the index data is damaged (checksum mismatch)');
  }
}

/** `length` bytes from `position` into the start of `buffer` (which starts its ArrayBuffer); the part filled. */
function readInto(buffer: Buffer, descriptor: number, position: number, length: number): Buffer {
  let read = 0;
  while (read < length) {
    const count = readSync(descriptor, buffer, read, length - read, position + read);
    if (count === 0) throw new IndexCorruptError('the index is truncated');
    read += count;
  }
  return buffer.subarray(0, length);
}

/** Checks the section at `start` of `buffer`: its rows' text references against its text table, its keyed-row count. */
function checkSection(buffer: ArrayBufferLike, start: number, section: IndexSectionRef): void {
  const textCount = countTexts(buffer, start + section.floats + section.ints + section.contexts, section.textBytes);
  if (textCount < 0) throw new IndexCorruptError('the index data is damaged (a text table is malformed)');
  // Only the number of texts is looked at: the table is decoded when the section is used.
  const keyed = checkPackedRows({ ...viewArrays(buffer, start, section), texts: new Array<string>(textCount) });
  if (keyed < 0) throw new IndexCorruptError('the index header is damaged (a text table is short)');
  // The warm run reads a section only in the pass its keyed-row count calls for.
  if (section.keyed !== undefined && keyed !== section.keyed) throw new IndexCorruptError('the index header is damaged (a keyed-row count is wrong)');
}

function viewArrays(buffer: ArrayBufferLike, start: number, section: Omit<SectionRef, 'texts'>): Omit<PackedRecords, 'texts'> {
  return {
    count: section.count,
    floats: new Float64Array(buffer, start, section.floats / 8),
    ints: new Uint32Array(buffer, start + section.floats, section.ints / 4),
    contexts: new Float64Array(buffer, start + section.floats + section.ints, section.contexts / 8),
  };
}

/**
 * The section's arrays over `buffer`: the section alone, or (with `base`) bytes from that file offset on.
 * An index section (with `textBytes`) has its text table decoded from the bytes after its contexts.
 */
export function viewSection(buffer: ArrayBufferLike, section: SectionRef | IndexSectionRef, base?: number): PackedRecords {
  const start = base === undefined ? 0 : section.offset - base;
  const texts = 'textBytes' in section ? decodeTexts(buffer, start + section.floats + section.ints + section.contexts, section.textBytes) : section.texts;
  return { ...viewArrays(buffer, start, section), texts };
}

function readHeader(directory: string, descriptor: number, tool: string, residentLimit: number): LoadedIndex {
  const size = fstatSync(descriptor).size;
  if (size < MAGIC.length + TAIL_BYTES) throw new IndexCorruptError('the index is truncated');
  const start = readExactly(descriptor, 0, MAGIC.length);
  const end = readExactly(descriptor, size - TAIL_BYTES, TAIL_BYTES);
  if (start.equals(OLD_MAGIC) && end.subarray(TAIL_BYTES - MAGIC.length).equals(OLD_MAGIC)) {
    throw new IndexCorruptError('the index was written by another version of usage');
  }
  if (!start.equals(MAGIC) || !end.subarray(TAIL_BYTES - MAGIC.length).equals(MAGIC)) {
    throw new IndexCorruptError('the index is not a usage index, or was not written completely');
  }
  const dataChecksum = end.readUInt32LE(0);
  const headerChecksum = end.readUInt32LE(4);
  const headerLength = end.readUInt32LE(8);
  const headerStart = size - TAIL_BYTES - headerLength;
  if (headerStart < MAGIC.length) throw new IndexCorruptError('the index header is damaged');
  const headerBytes = readExactly(descriptor, headerStart, headerLength);
  if (crc32(headerBytes) >>> 0 !== headerChecksum) throw new IndexCorruptError('the index header is damaged (checksum mismatch)');
  let header: Header;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as Header;
  } catch {
    throw new IndexCorruptError('the index header is damaged');
  }
  if (!isObject(header) || header.version !== INDEX_VERSION || header.tool !== tool || !Array.isArray(header.entries)) {
    throw new IndexCorruptError('the index was written by another version of usage');
  }
  if (typeof header.keySecret !== 'string' || !/^[0-9a-f]{16}$/.test(header.keySecret)) throw new IndexCorruptError('the index header is damaged');
  const bases = header.bases ?? [];
  if (!Array.isArray(bases) || bases.length > MAX_BASES || !bases.every(isWellFormedBase)) throw new IndexCorruptError('the index header is damaged');
  const entries = new Map<string, IndexEntry>();
  for (const entry of header.entries) {
    if (!isWellFormedEntry(entry)) throw new IndexCorruptError('the index header is damaged');
    for (const section of entry.sections) {
      const part = section.part ?? 0;
      if (!(isCount(part) && part <= bases.length)) throw new IndexCorruptError('the index header is damaged');
      const end = section.offset + sectionLength(section);
      if (section.offset < MAGIC.length || end > (part === 0 ? headerStart : (bases[part - 1] as IndexBase).end) || section.offset % 8 !== 0) {
        throw new IndexCorruptError('the index points outside itself');
      }
    }
    entries.set(entry.path, entry);
  }
  const resolved = header.resolved;
  if (
    resolved !== undefined &&
    !(
      isObject(resolved) &&
      isCount(resolved.files) &&
      resolved.files <= header.entries.length &&
      isCount(resolved.duplicates) &&
      typeof resolved.archive === 'string' &&
      isAscendingCounts(resolved.archiveWinners, Number.MAX_SAFE_INTEGER)
    )
  ) {
    throw new IndexCorruptError('the index header is damaged');
  }
  const parts: IndexPart[] = [{ descriptor, end: headerStart }];
  try {
    for (const base of bases) parts.push({ descriptor: openBase(directory, base), end: base.end });
    const kept = new Map<IndexSectionRef, PackedRecords>();
    const sections = header.entries.flatMap((entry) => entry.sections);
    verifySections(parts, [dataChecksum, ...bases.map((base) => base.checksum)], sections, kept, residentLimit);
    return {
      entries,
      descriptor,
      keySecret: header.keySecret,
      resident: parts[0]?.resident,
      kept,
      headerStart,
      dataChecksum,
      bases,
      parts,
      ...(resolved ? { resolved, resolvedPaths: header.entries.slice(0, resolved.files).map((entry) => entry.path) } : {}),
    };
  } catch (error) {
    for (const part of parts.slice(1)) closeSync(part.descriptor);
    throw error;
  }
}

/** A base of the index, open for reading; MissingBaseError when it is gone. */
function openBase(directory: string, base: IndexBase): number {
  let descriptor: number;
  try {
    descriptor = openSync(join(directory, base.name), 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingBaseError(`the index is incomplete (${base.name} is missing)`);
    throw error;
  }
  try {
    const info = fstatSync(descriptor);
    if (!info.isFile() || info.size < base.end) throw new IndexCorruptError(`the index is incomplete (${base.name} is not the file it was)`);
    return descriptor;
  } catch (error) {
    closeSync(descriptor);
    throw error;
  }
}

function isWellFormedBase(base: unknown): base is IndexBase {
  if (!isObject(base)) return false;
  const { name, end, checksum } = base;
  return typeof name === 'string' && BASE_NAME.test(name) && isCount(end) && end >= MAGIC.length && isCount(checksum) && checksum <= 0xffffffff;
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
/** An array of whole numbers below `limit`, strictly ascending. */
const isAscendingCounts = (value: unknown, limit: number): value is number[] =>
  Array.isArray(value) && value.every((item, at) => isCount(item) && item < limit && (at === 0 || item > (value[at - 1] as number)));
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
  // Checked one by one, not through a list: a header holds thousands of entries.
  if (!(isCount(dev) && isCount(ino) && isCount(size) && isCount(consumed) && isCount(completeLines))) return false;
  if (!Number.isFinite(entry['ctimeMs']) || !Number.isFinite(mtimeMs) || !Number.isFinite(scannedAt) || !isObject(states)) return false;
  if (!isWellFormedTally(tally) || !Array.isArray(sections)) return false;
  return sections.every(isWellFormedIndexSection);
}

function isWellFormedTally(tally: unknown): boolean {
  if (!isObject(tally)) return false;
  const counted =
    isCount(tally['files']) &&
    isCount(tally['bytes']) &&
    isCount(tally['lines']) &&
    isCount(tally['skippedLines']) &&
    isCount(tally['noUsageLines']) &&
    isCount(tally['duplicateLines']) &&
    isCount(tally['partialLines']);
  if (!counted) return false;
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

/** A section of the archive: its text table in the header. */
export function isWellFormedSection(section: unknown): boolean {
  if (!isObject(section) || !hasWellFormedRows(section)) return false;
  const { texts } = section;
  if (!Array.isArray(texts)) return false;
  for (const text of texts) if (typeof text !== 'string') return false;
  return true;
}

/** A section of the index: its text table in its bytes (checked with them). */
function isWellFormedIndexSection(section: unknown): section is IndexSectionRef {
  if (!isObject(section) || !hasWellFormedRows(section)) return false;
  const { textBytes } = section;
  return isCount(textBytes) && textBytes >= 8;
}

function hasWellFormedRows(section: Record<string, unknown>): boolean {
  const { offset, count, floats, ints, contexts } = section;
  if (!(isCount(offset) && isCount(count) && isCount(floats) && isCount(ints) && isCount(contexts))) return false;
  const records = count as number;
  if (floats !== records * PACKED_BYTES.floats || ints !== records * PACKED_BYTES.ints) return false;
  if ((contexts as number) % PACKED_BYTES.context !== 0 || (contexts as number) > records * PACKED_BYTES.context) return false;
  const { keyed, shadowed, deferred } = section;
  if (keyed !== undefined && !(isCount(keyed) && keyed <= records)) return false;
  if (shadowed !== undefined && !isAscendingCounts(shadowed, records)) return false;
  if (deferred !== undefined && !isAscendingCounts(deferred, records)) return false;
  return true;
}

/**
 * One section (verified when the index was loaded): a view of the bytes
 * kept, or read into fresh, aligned memory. `transient`: read into one
 * buffer the index reuses, for a caller done with the arrays before it reads
 * the next section (the texts are strings of their own). A warm run over 1 GB
 * of Claude logs read 45 MB into 3,000 fresh buffers, and collected them.
 */
export function readSection(index: LoadedIndex, section: IndexSectionRef, transient = false): PackedRecords {
  const kept = index.kept.get(section);
  if (kept) return kept;
  const part = partOf(index, section);
  if (part.resident) return viewSection(part.resident.buffer, section, MAGIC.length);
  const length = sectionLength(section);
  if (!transient) return viewSection(readExactly(part.descriptor, section.offset, length).buffer, section);
  if (index.scratch === undefined || index.scratch.length < length) index.scratch = Buffer.allocUnsafeSlow(Math.max(length, VERIFY_CHUNK));
  return viewSection(readInto(index.scratch, part.descriptor, section.offset, length).buffer, section);
}

function partOf(index: LoadedIndex, section: IndexSectionRef): IndexPart {
  const part = index.parts[section.part ?? 0];
  if (part === undefined) throw new IndexCorruptError('the index points outside itself');
  return part;
}

/**
 * The integer part of one section (its rows' headers, lines, key hashes and
 * texts): a search for keys reads no more. `transient` as for readSection
 * (the same buffer: a caller must not hold these while it reads another
 * section transiently).
 */
export function readSectionInts(index: LoadedIndex, section: IndexSectionRef, transient = false): Uint32Array {
  const kept = index.kept.get(section);
  if (kept) return kept.ints;
  const part = partOf(index, section);
  if (part.resident) return viewArrays(part.resident.buffer, section.offset - MAGIC.length, section).ints;
  if (!transient) return new Uint32Array(readExactly(part.descriptor, section.offset + section.floats, section.ints).buffer, 0, section.ints / 4);
  if (index.scratch === undefined || index.scratch.length < section.ints) index.scratch = Buffer.allocUnsafeSlow(Math.max(section.ints, VERIFY_CHUNK));
  return new Uint32Array(readInto(index.scratch, part.descriptor, section.offset + section.floats, section.ints).buffer, 0, section.ints / 4);
}

export function closeIndex(index: LoadedIndex): void {
  for (const part of index.parts) closeSync(part.descriptor);
}

/**
 * A base no index refers to is kept this long after its last change of
 * links (its ctime): another writer may have just linked it for an index
 * it has not yet renamed into place.
 */
const BASE_GRACE_MS = 60_000;

/** Removes the bases in `directory` that the index renamed into place does not use (see BASE_GRACE_MS). Never throws. */
export function removeUnusedBases(directory: string, used: ReadonlySet<string>, now = Date.now()): number {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!BASE_NAME.test(name) || used.has(name)) continue;
    try {
      const path = join(directory, name);
      if (now - statSync(path).ctimeMs < BASE_GRACE_MS) continue;
      unlinkSync(path);
      removed++;
    } catch {
      // Gone meanwhile, or not ours to remove.
    }
  }
  return removed;
}

/** Writers with a temporary file on disk, for abandonActiveIndexWrites. */
const activeWriters = new Set<IndexWriter>();

/**
 * Deletes the temporary files of index writes still in progress. For the
 * CLI's signal handlers (Ctrl-C while the index is written left tens of MB
 * behind): synchronous, never throws.
 */
export function abandonActiveIndexWrites(): void {
  for (const writer of [...activeWriters]) writer.abandon();
}

/** Temporary files older than this are left over from a crashed run, whatever their process id says. */
const STALE_TEMPORARY_MS = 24 * 60 * 60 * 1000;

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary index files that runs killed mid-write (SIGKILL, power
 * loss) left behind: those whose writer process is gone (the name holds its
 * id), and any older than a day. Never throws: it is housekeeping. The
 * archive (./archive.ts) names its temporary files the same way and passes
 * its own file name.
 */
export function removeStaleTemporaryFiles(directory: string, now = Date.now(), fileName = INDEX_FILE_NAME): number {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(`${fileName}.`) || !name.endsWith(TEMPORARY_SUFFIX)) continue;
    const path = join(directory, name);
    try {
      const pid = Number(name.slice(fileName.length + 1).split('.')[0]);
      const stale = (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !isProcessAlive(pid)) || now - statSync(path).mtimeMs > STALE_TEMPORARY_MS;
      if (!stale) continue;
      unlinkSync(path);
      removed++;
    } catch {
      // Gone meanwhile, or not ours to remove.
    }
  }
  return removed;
}

/**
 * Removes the index, its bases and any temporary files (for `usage cache clear`),
 * whatever sits at the index's path: a file, a directory made by mistake,
 * a damaged index. Returns how many entries were removed.
 */
export function clearIndex(directory: string): number {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (name !== INDEX_FILE_NAME && !(name.startsWith(`${INDEX_FILE_NAME}.`) && (name.endsWith(TEMPORARY_SUFFIX) || name.endsWith(BASE_SUFFIX)))) continue;
    const path = join(directory, name);
    const isDirectory = lstatSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
    rmSync(path, { force: true, recursive: isDirectory });
    removed++;
  }
  return removed;
}

/**
 * Writes a new index next to the old one, section by section, then renames
 * it into place. A write that fails (full disk, read-only folder) does not
 * fail the run: the writer goes inert, keeps the first error in `failure`,
 * removes its temporary file, and the caller warns once.
 */
export class IndexWriter {
  private descriptor = -1;
  private readonly temporary: string;
  private position = 0;
  private closed = false;
  private checksum = 0;
  /** The sections this writer wrote (the others handed to `finish` are the base index's). */
  private readonly written = new WeakSet<IndexSectionRef>();
  /** The bases of the new index. */
  private readonly bases: IndexBase[] = [];
  /** Extending: the base index's sections stay where they are, in its file (linked) or in a copy of its bytes. */
  private readonly extending: boolean;
  /** The part number the base index's own sections get in the new index, when its file was linked as a base. */
  private linkedPart: number | undefined;
  /** The base this writer linked, removed again unless the new index is renamed into place. */
  private linkedPath: string | undefined;
  /** Why writing stopped, if it did (a short phrase: 'permission denied', 'no space left on device'). */
  failure: string | undefined;

  /**
   * With `base`, the new index extends that one: its sections are kept by
   * their refs as they are and only new sections are written (a run that
   * read 1 MB appended to one log used to copy, checksum and write every
   * section again). The base's own file is hard-linked as a base of the new
   * index (IndexBase) when its record bytes are more than `linkAbove`, and
   * copied, at the same offsets, when fewer (or when it cannot be linked).
   */
  constructor(
    private readonly directory: string,
    /** Secret key of the hashed keys in the sections written (see pack.ts hashKey). */
    private readonly keySecret: string,
    base?: LoadedIndex,
    linkAbove = LINK_THRESHOLD,
  ) {
    // The process id in the name lets a later run see that the writer is gone.
    this.temporary = join(directory, `${INDEX_FILE_NAME}.${process.pid}.${randomUUID()}${TEMPORARY_SUFFIX}`);
    this.extending = base !== undefined;
    if (base) this.bases.push(...base.bases);
    try {
      if (base && base.headerStart - MAGIC.length > linkAbove && this.bases.length < MAX_BASES && this.linkBase(base)) {
        this.descriptor = openSync(this.temporary, 'w', 0o600);
        activeWriters.add(this);
        this.write(MAGIC, false);
        return;
      }
      if (base && !base.resident && this.cloneRecordBytes(base)) return;
      this.descriptor = openSync(this.temporary, 'w', 0o600);
      activeWriters.add(this);
      this.write(MAGIC, false);
      if (base) this.copyRecordBytes(base);
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Links the base index's file under a base name of its own; false (nothing
   * left behind) when it cannot be linked, or the file at the index's path
   * is no longer the one loaded (a newer index renamed into place meanwhile).
   */
  private linkBase(base: LoadedIndex): boolean {
    const name = `${INDEX_FILE_NAME}.${randomUUID()}${BASE_SUFFIX}`;
    const path = join(this.directory, name);
    try {
      linkSync(join(this.directory, INDEX_FILE_NAME), path);
    } catch {
      return false;
    }
    this.linkedPath = path;
    try {
      const linked = statSync(path);
      const loaded = fstatSync(base.descriptor);
      if (linked.dev !== loaded.dev || linked.ino !== loaded.ino) throw new Error('another index');
    } catch {
      this.removeLinkedBase();
      return false;
    }
    this.bases.push({ name, end: base.headerStart, checksum: base.dataChecksum });
    this.linkedPart = this.bases.length;
    return true;
  }

  private removeLinkedBase(): void {
    if (this.linkedPath === undefined) return;
    try {
      unlinkSync(this.linkedPath);
    } catch {
      // Already gone.
    }
    this.linkedPath = undefined;
  }

  /** Where a section handed to `finish` lies in the new index. */
  private placeOf(section: IndexSectionRef): IndexSectionRef {
    if (this.written.has(section)) return section;
    if (!this.extending) throw new Error('a section of another index was handed to a writer that does not extend it');
    if (this.linkedPart !== undefined && (section.part ?? 0) === 0) return { ...section, part: this.linkedPart };
    return section;
  }

  /**
   * The base index copied by the kernel (copy_file_range), from the very
   * file it was loaded from (its descriptor's /proc link: a newer index
   * renamed into place meanwhile is not copied), then written over from
   * where its header starts. False (nothing left behind) where that link
   * does not exist or the copy fails: the bytes are then copied through
   * this process. Half the copying for a large index (500 MB for 1 GB of
   * flat records).
   */
  private cloneRecordBytes(base: LoadedIndex): boolean {
    try {
      copyFileSync(`/proc/self/fd/${base.descriptor}`, this.temporary);
      this.descriptor = openSync(this.temporary, 'r+');
      activeWriters.add(this);
      if (fstatSync(this.descriptor).size < base.headerStart) throw new Error('short copy');
    } catch {
      activeWriters.delete(this);
      if (this.descriptor !== -1) closeSync(this.descriptor);
      this.descriptor = -1;
      try {
        unlinkSync(this.temporary);
      } catch {
        // Not created.
      }
      return false;
    }
    this.position = base.headerStart;
    this.checksum = base.dataChecksum;
    return true;
  }

  /**
   * The base index's record bytes, verified when it was loaded and read from
   * the descriptor it was loaded from (a newer index renamed into place
   * meanwhile is not mixed in); the checksum carries on from the stored one.
   */
  private copyRecordBytes(base: LoadedIndex): void {
    const length = base.headerStart - MAGIC.length;
    if (base.resident) {
      this.write(base.resident, false);
    } else {
      const buffer = Buffer.allocUnsafe(Math.min(VERIFY_CHUNK * 4, Math.max(length, 1)));
      let done = 0;
      while (done < length) {
        const count = readSync(base.descriptor, buffer, 0, Math.min(buffer.length, length - done), MAGIC.length + done);
        if (count === 0) throw new IndexCorruptError('the index is truncated');
        this.write(buffer.subarray(0, count), false);
        done += count;
      }
    }
    this.checksum = base.dataChecksum;
  }

  private fail(error: unknown): void {
    this.failure ??= describeError(error);
    this.abandon();
  }

  private write(bytes: Uint8Array, checksummed = true): void {
    let written = 0;
    while (written < bytes.length) {
      written += writeSync(this.descriptor, bytes, written, bytes.length - written, this.position + written);
    }
    this.position += bytes.length;
    if (checksummed) this.checksum = extendChecksum(bytes, this.checksum);
  }

  private align(): void {
    const pad = (8 - (this.position % 8)) % 8;
    if (pad) this.write(Buffer.alloc(pad));
  }

  /** Writes a section; `keyed` is its keyed-row count when the caller knows it already. */
  appendSection(packed: PackedRecords, keyed = countKeyedRows(packed)): IndexSectionRef {
    const texts = encodeTexts(packed.texts);
    const ref: IndexSectionRef = {
      offset: this.position,
      count: packed.count,
      floats: packed.floats.byteLength,
      ints: packed.ints.byteLength,
      contexts: packed.contexts.byteLength,
      textBytes: texts.length,
      keyed,
    };
    this.written.add(ref);
    if (this.closed) return ref;
    try {
      this.align();
      ref.offset = this.position;
      const part = (array: Float64Array | Uint32Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      this.write(part(packed.floats));
      this.write(part(packed.ints));
      this.write(part(packed.contexts));
      this.write(texts);
    } catch (error) {
      this.fail(error);
    }
    return ref;
  }

  /** Completes the index and renames it into place; false (see `failure`) when it could not be written. */
  finish(tool: string, entries: IndexEntry[], resolved?: Resolution): boolean {
    if (this.closed) return false;
    try {
      const placed = entries.map((entry) => ({ ...entry, sections: entry.sections.map((section) => this.placeOf(section)) }));
      const bases = this.bases.length > 0 ? { bases: this.bases } : {};
      const header: Header = { version: INDEX_VERSION, tool, keySecret: this.keySecret, entries: placed, ...(resolved ? { resolved } : {}), ...bases };
      const json = Buffer.from(JSON.stringify(header));
      const tail = Buffer.alloc(12);
      tail.writeUInt32LE(this.checksum >>> 0, 0);
      tail.writeUInt32LE(crc32(json) >>> 0, 4);
      tail.writeUInt32LE(json.length, 8);
      this.write(json, false);
      this.write(tail, false);
      this.write(MAGIC, false);
      // A copied base index may run on past the new end.
      ftruncateSync(this.descriptor, this.position);
      fsyncSync(this.descriptor);
      noteWrittenFile(this.descriptor);
      closeSync(this.descriptor);
      this.closed = true;
      // rename is atomic: a concurrent reader sees the old index or the new one.
      renameSync(this.temporary, join(this.directory, INDEX_FILE_NAME));
      activeWriters.delete(this);
      this.linkedPath = undefined;
      removeUnusedBases(this.directory, new Set(this.bases.map((base) => base.name)));
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  abandon(): void {
    activeWriters.delete(this);
    this.removeLinkedBase();
    if (!this.closed) {
      this.closed = true;
      if (this.descriptor !== -1) {
        try {
          closeSync(this.descriptor);
        } catch {
          // Already closed.
        }
      }
    }
    try {
      unlinkSync(this.temporary);
    } catch {
      // Already gone (or renamed into place).
    }
  }
}
