/**
 * The on-disk index: one file holding, per input file, its identity, how far
 * it was read, its line counts and its records in packed form, and the
 * outcome of the de-duplication of the run that wrote it. Layout:
 *
 *   "USAGEIX2" | section bytes ... | header JSON
 *     | u32 CRC-32 of the section bytes | u32 CRC-32 of the header JSON
 *     | u32 header length | "USAGEIX2"
 *
 * Sections are 8-byte aligned so typed arrays can view them without copying.
 * The header is written last and the file is renamed into place, so a reader
 * sees a whole index or none. Both checksums are verified before anything is
 * used: one flipped bit anywhere used to change totals without a word, and
 * every later run carried the damage forward. Anything that does not check
 * out is discarded (one warning) and rebuilt.
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
export const INDEX_VERSION = 5;
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
  sections: SectionRef[];
}

interface Header {
  version: number;
  tool: string;
  /** Secret key of the de-duplication key hashes stored in this index (hex; see pack.ts hashKey). */
  keySecret: string;
  entries: IndexEntry[];
  resolved?: Resolution | undefined;
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
  kept: Map<SectionRef, PackedRecords>;
  /** File offset where the record bytes end (the header starts). */
  headerStart: number;
  /** CRC-32 of the record bytes (verified): a writer that extends this index carries it on. */
  dataChecksum: number;
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
export function loadIndex(directory: string, tool: string, residentLimit = RESIDENT_LIMIT): LoadedIndex | undefined {
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
    return readHeader(descriptor, tool, residentLimit);
  } catch (error) {
    closeSync(descriptor);
    if (error instanceof IndexCorruptError || error instanceof IndexUnavailableError) throw error;
    throw new IndexUnavailableError(`cannot read ${join(directory, INDEX_FILE_NAME)}: ${describeError(error)}`);
  }
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
 * Checks every byte between the magic and the header against the stored
 * CRC-32, and every section's text references and keyed-row counts, before
 * anything is used: records handed on cannot be taken back, and damage kept
 * would be copied into every later index. A small index is read whole, in
 * one read, and kept (returned); a large one is read section by section, in
 * file order, so a section is only ever one batch in memory.
 */
function verifySections(
  descriptor: number,
  sections: SectionRef[],
  headerStart: number,
  expected: number,
  kept: Map<SectionRef, PackedRecords>,
  residentLimit: number,
): Buffer | undefined {
  const ordered = [...sections].sort((a, b) => a.offset - b.offset);
  let position = MAGIC.length;
  for (const section of ordered) {
    if (section.offset < position) throw new IndexCorruptError('the index header is damaged (sections overlap)');
    position = section.offset + section.floats + section.ints + section.contexts;
  }
  if (headerStart - MAGIC.length <= residentLimit) {
    const resident = readExactly(descriptor, MAGIC.length, headerStart - MAGIC.length);
    if (extendChecksum(resident, 0) >>> 0 !== expected) throw new IndexCorruptError('the index data is damaged (checksum mismatch)');
    for (const section of ordered) checkSection(viewSection(resident.buffer, section, MAGIC.length), section);
    return resident;
  }
  position = MAGIC.length;
  let checksum = 0;
  let keptBytes = 0;
  for (const section of ordered) {
    checksum = checksumRange(descriptor, position, section.offset - position, checksum);
    const length = section.floats + section.ints + section.contexts;
    const bytes = readExactly(descriptor, section.offset, length);
    checksum = extendChecksum(bytes, checksum);
    const packed = viewSection(bytes.buffer, section);
    checkSection(packed, section);
    keptBytes += length;
    // Used only if the whole index checks out (else it is discarded with all it holds).
    if (keptBytes <= residentLimit) kept.set(section, packed);
    position = section.offset + length;
  }
  checksum = checksumRange(descriptor, position, headerStart - position, checksum);
  if (checksum >>> 0 !== expected) throw new IndexCorruptError('the index data is damaged (checksum mismatch)');
  return undefined;
}

function checkSection(packed: PackedRecords, section: SectionRef): void {
  const keyed = checkPackedRows(packed);
  if (keyed < 0) throw new IndexCorruptError('the index header is damaged (a text table is short)');
  // The warm run reads a section only in the pass its keyed-row count calls for.
  if (section.keyed !== undefined && keyed !== section.keyed) throw new IndexCorruptError('the index header is damaged (a keyed-row count is wrong)');
}

/** The section's arrays over `buffer`: the section alone, or (with `base`) bytes from that file offset on. */
export function viewSection(buffer: ArrayBufferLike, section: SectionRef, base?: number): PackedRecords {
  const start = base === undefined ? 0 : section.offset - base;
  return {
    count: section.count,
    floats: new Float64Array(buffer, start, section.floats / 8),
    ints: new Uint32Array(buffer, start + section.floats, section.ints / 4),
    contexts: new Float64Array(buffer, start + section.floats + section.ints, section.contexts / 8),
    texts: section.texts,
  };
}

function readHeader(descriptor: number, tool: string, residentLimit: number): LoadedIndex {
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
  const kept = new Map<SectionRef, PackedRecords>();
  const resident = verifySections(descriptor, header.entries.flatMap((entry) => entry.sections), headerStart, dataChecksum, kept, residentLimit);
  return {
    entries,
    descriptor,
    keySecret: header.keySecret,
    resident,
    kept,
    headerStart,
    dataChecksum,
    ...(resolved ? { resolved, resolvedPaths: header.entries.slice(0, resolved.files).map((entry) => entry.path) } : {}),
  };
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
  return sections.every(isWellFormedSection);
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

export function isWellFormedSection(section: unknown): boolean {
  if (!isObject(section)) return false;
  const { offset, count, floats, ints, contexts, texts } = section;
  if (!(isCount(offset) && isCount(count) && isCount(floats) && isCount(ints) && isCount(contexts))) return false;
  const records = count as number;
  if (floats !== records * PACKED_BYTES.floats || ints !== records * PACKED_BYTES.ints) return false;
  if ((contexts as number) % PACKED_BYTES.context !== 0 || (contexts as number) > records * PACKED_BYTES.context) return false;
  const { keyed, shadowed, deferred } = section;
  if (keyed !== undefined && !(isCount(keyed) && keyed <= records)) return false;
  if (shadowed !== undefined && !isAscendingCounts(shadowed, records)) return false;
  if (deferred !== undefined && !isAscendingCounts(deferred, records)) return false;
  if (!Array.isArray(texts)) return false;
  for (const text of texts) if (typeof text !== 'string') return false;
  return true;
}

/** One section (verified when the index was loaded): a view of the bytes kept, or read into fresh, aligned memory. */
export function readSection(index: LoadedIndex, section: SectionRef): PackedRecords {
  const kept = index.kept.get(section);
  if (kept) return kept;
  if (index.resident) return viewSection(index.resident.buffer, section, MAGIC.length);
  const { buffer } = readExactly(index.descriptor, section.offset, section.floats + section.ints + section.contexts);
  return viewSection(buffer, section);
}

/** The integer part of one section (its rows' headers, lines, key hashes and texts): a search for keys reads no more. */
export function readSectionInts(index: LoadedIndex, section: SectionRef): Uint32Array {
  const kept = index.kept.get(section);
  if (kept) return kept.ints;
  if (index.resident) return viewSection(index.resident.buffer, section, MAGIC.length).ints;
  const { buffer } = readExactly(index.descriptor, section.offset + section.floats, section.ints);
  return new Uint32Array(buffer, 0, section.ints / 4);
}

export function closeIndex(index: LoadedIndex): void {
  closeSync(index.descriptor);
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
 * Removes the index and any temporary files (for `usage cache clear`),
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
    if (name !== INDEX_FILE_NAME && !(name.startsWith(`${INDEX_FILE_NAME}.`) && name.endsWith(TEMPORARY_SUFFIX))) continue;
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
  /** Why writing stopped, if it did (a short phrase: 'permission denied', 'no space left on device'). */
  failure: string | undefined;

  /**
   * With `base`, the new index starts as a copy of that one's record bytes,
   * at the same offsets, so its sections are kept by their refs as they are
   * and only new sections are written (see `extends`): a run that read 1 MB
   * appended to one log used to copy, checksum and write every section again.
   */
  constructor(
    private readonly directory: string,
    /** Secret key of the hashed keys in the sections written (see pack.ts hashKey). */
    private readonly keySecret: string,
    base?: LoadedIndex,
  ) {
    // The process id in the name lets a later run see that the writer is gone.
    this.temporary = join(directory, `${INDEX_FILE_NAME}.${process.pid}.${randomUUID()}${TEMPORARY_SUFFIX}`);
    try {
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
  appendSection(packed: PackedRecords, keyed = countKeyedRows(packed)): SectionRef {
    const offset = this.position;
    const ref: SectionRef = {
      offset,
      count: packed.count,
      floats: packed.floats.byteLength,
      ints: packed.ints.byteLength,
      contexts: packed.contexts.byteLength,
      texts: packed.texts,
      keyed,
    };
    if (this.closed) return ref;
    try {
      this.align();
      ref.offset = this.position;
      const part = (array: Float64Array | Uint32Array): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
      this.write(part(packed.floats));
      this.write(part(packed.ints));
      this.write(part(packed.contexts));
    } catch (error) {
      this.fail(error);
    }
    return ref;
  }

  /** Completes the index and renames it into place; false (see `failure`) when it could not be written. */
  finish(tool: string, entries: IndexEntry[], resolved?: Resolution): boolean {
    if (this.closed) return false;
    try {
      const header: Header = { version: INDEX_VERSION, tool, keySecret: this.keySecret, entries, ...(resolved ? { resolved } : {}) };
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
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    }
  }

  abandon(): void {
    activeWriters.delete(this);
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
