/**
 * The archive: canonical records of log files the index read and then lost
 * (deleted by Claude Code's 30-day cleanup, truncated, rotated away), kept
 * next to the index so that reports keep counting them. Unlike the index it
 * cannot be rebuilt from the logs (they are gone), so it is never discarded:
 * a damaged archive is set aside under another name, with a loud warning.
 *
 * Layout (the index's, with its own magic; see ./index-file.ts):
 *
 *   "USAGEAR1" | section bytes ... | header JSON
 *     | u32 CRC-32 of the section bytes | u32 CRC-32 of the header JSON
 *     | u32 header length | "USAGEAR1"
 *
 * Sections are packed records (src/ingest/pack.ts: numbers, interned texts,
 * no message text). Every archived row carries a key, its *identity*: the
 * record's de-duplication key when it has one (Claude: message id +
 * request id), else a hash of dialect, session, timestamp and token counts
 * (see identityOfUnkeyed). Reports de-duplicate archived rows against the
 * logs by identity, so a log that comes back is never counted twice.
 *
 * Written whole to a temporary file, synced, then renamed into place: a
 * reader sees the previous archive or the next one, never half of one.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, fsyncSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { crc32 } from 'node:zlib';
import type { UsageRecord } from '../core/record.js';
import {
  hashKey,
  hasValidTextReferences,
  type KeySecret,
  PACKED_LAYOUT,
  type PackedRecords,
  packRecords,
  parseKeySecret,
  unpackRecords,
} from '../ingest/pack.js';
import { describeError, extendChecksum, isWellFormedSection, removeStaleTemporaryFiles, type SectionRef, viewSection } from './index-file.js';
import { noteWrittenFile } from './written-files.js';

const MAGIC = Buffer.from('USAGEAR1');
export const ARCHIVE_VERSION = 1;
export const ARCHIVE_FILE_NAME = 'archive-v1.bin';
/** A damaged archive is renamed to `archive-v1.bin.damaged-<time>` and kept: it may be the only copy of its records. */
export const DAMAGED_SUFFIX = '.damaged-';
const TEMPORARY_SUFFIX = '.tmp';
const TAIL_BYTES = 12 + MAGIC.length;
const SEGMENT_BATCH = 8192;

/** Why a file's records entered the archive. */
export type ArchiveReason = 'deleted' | 'shrunk' | 'replaced';

/** The records of one log file, archived at one time. */
export interface ArchiveSegment {
  path: string;
  reason: ArchiveReason;
  archivedAt: number;
  records: number;
  /** Earliest and latest record timestamps (epoch ms), null when no record has one. */
  first: number | null;
  last: number | null;
  /** Dialects of its rows that had no de-duplication key: live records of these are matched by identityOfUnkeyed. */
  unkeyedDialects: string[];
  batches: PackedRecords[];
}

export interface Archive {
  /** Secret of the identity hashes (hex, as the index's keySecret): the index and every scan must share it. */
  keySecret: string;
  segments: ArchiveSegment[];
}

interface StoredSegment extends Omit<ArchiveSegment, 'batches'> {
  sections: SectionRef[];
}

interface Header {
  version: number;
  /** The packed layout the sections were written with (pack.ts PACKED_LAYOUT). */
  layout: string;
  keySecret: string;
  segments: StoredSegment[];
}

/** The archive does not check out: it is set aside, never overwritten. */
export class ArchiveCorruptError extends Error {
  override readonly name = 'ArchiveCorruptError';
}

/** The archive cannot be read, or was written by another version: it is left alone and not written. */
export class ArchiveUnavailableError extends Error {
  override readonly name = 'ArchiveUnavailableError';
}

export function archivePath(directory: string): string {
  return join(directory, ARCHIVE_FILE_NAME);
}

function readExactly(descriptor: number, position: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const count = readSync(descriptor, bytes, read, length - read, position + read);
    if (count === 0) throw new ArchiveCorruptError('it is truncated');
    read += count;
  }
  return bytes;
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const isInstant = (value: unknown): boolean => value === null || Number.isFinite(value);

function isWellFormedSegment(segment: unknown): segment is StoredSegment {
  if (typeof segment !== 'object' || segment === null) return false;
  const { path, reason, archivedAt, records, first, last, unkeyedDialects, sections } = segment as Record<string, unknown>;
  if (!Array.isArray(unkeyedDialects) || !unkeyedDialects.every((name) => typeof name === 'string')) return false;
  if (typeof path !== 'string' || !['deleted', 'shrunk', 'replaced'].includes(reason as string)) return false;
  if (!Number.isFinite(archivedAt) || !isCount(records) || !isInstant(first) || !isInstant(last)) return false;
  return Array.isArray(sections) && sections.every(isWellFormedSection);
}

/**
 * Reads and verifies the archive whole (it holds canonical records only, and
 * the de-duplication keeps a reference to every archived row anyway).
 * Undefined when there is none; ArchiveCorruptError when it does not check
 * out; ArchiveUnavailableError when it cannot be read or is another version's.
 */
export function readArchive(directory: string): (Archive & { bytes: number }) | undefined {
  const path = archivePath(directory);
  let descriptor: number;
  try {
    descriptor = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ArchiveUnavailableError(`cannot read ${path}: ${describeError(error)}`);
  }
  try {
    const info = fstatSync(descriptor);
    if (!info.isFile()) throw new ArchiveUnavailableError(`${path} is not a regular file`);
    return { ...readVerified(descriptor, info.size), bytes: info.size };
  } catch (error) {
    if (error instanceof ArchiveCorruptError || error instanceof ArchiveUnavailableError) throw error;
    throw new ArchiveUnavailableError(`cannot read ${path}: ${describeError(error)}`);
  } finally {
    closeSync(descriptor);
  }
}

function readVerified(descriptor: number, size: number): Archive {
  if (size < MAGIC.length + TAIL_BYTES) throw new ArchiveCorruptError('it is truncated');
  const start = readExactly(descriptor, 0, MAGIC.length);
  const end = readExactly(descriptor, size - TAIL_BYTES, TAIL_BYTES);
  if (!start.equals(MAGIC) || !end.subarray(TAIL_BYTES - MAGIC.length).equals(MAGIC)) {
    throw new ArchiveCorruptError('it is not a usage archive, or was not written completely');
  }
  const headerLength = end.readUInt32LE(8);
  const headerStart = size - TAIL_BYTES - headerLength;
  if (headerStart < MAGIC.length) throw new ArchiveCorruptError('its header is damaged');
  const headerBytes = readExactly(descriptor, headerStart, headerLength);
  if (crc32(headerBytes) >>> 0 !== end.readUInt32LE(4)) throw new ArchiveCorruptError('its header is damaged (checksum mismatch)');
  let header: Header;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as Header;
  } catch {
    throw new ArchiveCorruptError('its header is damaged');
  }
  if (typeof header !== 'object' || header === null || typeof header.version !== 'number') throw new ArchiveCorruptError('its header is damaged');
  if (header.version !== ARCHIVE_VERSION || header.layout !== PACKED_LAYOUT) {
    // Not damaged: another version's records, which this one cannot read. Left
    // exactly as it is (never set aside, never overwritten) for that version.
    throw new ArchiveUnavailableError('the archive was written by another version of usage (another record layout); it is left untouched');
  }
  if (typeof header.keySecret !== 'string' || !/^[0-9a-f]{16}$/.test(header.keySecret) || !Array.isArray(header.segments)) {
    throw new ArchiveCorruptError('its header is damaged');
  }
  if (!header.segments.every(isWellFormedSegment)) throw new ArchiveCorruptError('its header is damaged');
  // The whole data area, checked against its CRC-32 before any record is used.
  const data = readExactly(descriptor, MAGIC.length, headerStart - MAGIC.length);
  if (extendChecksum(data, 0) >>> 0 !== end.readUInt32LE(0)) throw new ArchiveCorruptError('its records are damaged (checksum mismatch)');
  const segments: ArchiveSegment[] = [];
  for (const stored of header.segments) {
    const batches: PackedRecords[] = [];
    for (const section of stored.sections) {
      const length = section.floats + section.ints + section.contexts;
      if (section.offset < MAGIC.length || section.offset % 8 !== 0 || section.offset + length > headerStart) {
        throw new ArchiveCorruptError('its header points outside it');
      }
      // A copy of its own, aligned at offset 0 for the typed-array views.
      const bytes = Buffer.alloc(length);
      data.copy(bytes, 0, section.offset - MAGIC.length, section.offset - MAGIC.length + length);
      const packed = viewSection(bytes.buffer, section);
      if (!hasValidTextReferences(packed)) throw new ArchiveCorruptError('its header is damaged (a text table is short)');
      batches.push(packed);
    }
    const { sections: _sections, ...meta } = stored;
    segments.push({ ...meta, batches });
  }
  return { keySecret: header.keySecret, segments };
}

/**
 * Writes the archive to a temporary file in `directory`, syncs it, and
 * renames it into place. Throws (after removing the temporary file) when it
 * cannot; the previous archive is then untouched. `beforeRename` is for tests
 * that simulate a crash between the write and the rename.
 */
export function writeArchive(directory: string, archive: Archive, hooks: { beforeRename?: () => void } = {}): number {
  removeStaleTemporaryFiles(directory, Date.now(), ARCHIVE_FILE_NAME);
  // The process id in the name lets a later run see that the writer is gone.
  const temporary = join(directory, `${ARCHIVE_FILE_NAME}.${process.pid}.${randomUUID()}${TEMPORARY_SUFFIX}`);
  let descriptor = -1;
  try {
    descriptor = openSync(temporary, 'wx', 0o600);
    let position = 0;
    let checksum = 0;
    const write = (bytes: Uint8Array, checksummed: boolean): void => {
      let written = 0;
      while (written < bytes.length) written += writeSync(descriptor, bytes, written, bytes.length - written, position + written);
      position += bytes.length;
      if (checksummed) checksum = extendChecksum(bytes, checksum);
    };
    write(MAGIC, false);
    const stored: StoredSegment[] = archive.segments.map(({ batches, ...meta }) => {
      const sections = batches.map((packed) => {
        const pad = (8 - (position % 8)) % 8;
        if (pad) write(Buffer.alloc(pad), true);
        const section: SectionRef = {
          offset: position,
          count: packed.count,
          floats: packed.floats.byteLength,
          ints: packed.ints.byteLength,
          contexts: packed.contexts.byteLength,
          texts: packed.texts,
        };
        for (const part of [packed.floats, packed.ints, packed.contexts]) write(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), true);
        return section;
      });
      return { ...meta, sections };
    });
    const header: Header = { version: ARCHIVE_VERSION, layout: PACKED_LAYOUT, keySecret: archive.keySecret, segments: stored };
    const json = Buffer.from(JSON.stringify(header));
    const tail = Buffer.alloc(12);
    tail.writeUInt32LE(checksum >>> 0, 0);
    tail.writeUInt32LE(crc32(json) >>> 0, 4);
    tail.writeUInt32LE(json.length, 8);
    write(json, false);
    write(tail, false);
    write(MAGIC, false);
    fsyncSync(descriptor);
    noteWrittenFile(descriptor);
    closeSync(descriptor);
    descriptor = -1;
    hooks.beforeRename?.();
    // rename is atomic: a reader sees the previous archive or this one.
    renameSync(temporary, archivePath(directory));
    return position;
  } catch (error) {
    if (descriptor !== -1) closeSync(descriptor);
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Renames a damaged archive aside (never deletes it: it may be the only copy
 * of its records) and returns the new name.
 */
export function setArchiveAside(directory: string, now = Date.now()): string {
  const aside = `${archivePath(directory)}${DAMAGED_SUFFIX}${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(archivePath(directory), aside);
  return aside;
}

/** Damaged archives set aside earlier, for `usage archive` to mention. */
export function listSetAside(directory: string): string[] {
  try {
    return readdirSync(directory)
      .filter((name) => name.startsWith(`${ARCHIVE_FILE_NAME}${DAMAGED_SUFFIX}`))
      .sort()
      .map((name) => join(directory, name));
  } catch {
    return [];
  }
}

/** Removes the archive, its temporary files and any damaged copies set aside (`usage cache clear --archive`). */
export function clearArchive(directory: string): number {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (name !== ARCHIVE_FILE_NAME && !name.startsWith(`${ARCHIVE_FILE_NAME}.`)) continue;
    const path = join(directory, name);
    const isDirectory = statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
    rmSync(path, { force: true, recursive: isDirectory });
    removed++;
  }
  return removed;
}

// ---- Identity ---------------------------------------------------------------

/**
 * The identity of a record without a de-duplication key (Codex, jcode, …):
 * dialect, session, timestamp and every token count, hashed with the
 * archive's secret. A marker keeps it apart from the keys of keyed records.
 * Limits: two genuinely distinct calls with all of these equal (same session,
 * same millisecond, same counts) are one identity, so an archived copy
 * stands for at most one of them; a record without session or timestamp is
 * identified by its counts and the rest alone.
 */
export function identityOfUnkeyed(record: UsageRecord, secret: KeySecret): string {
  const counts = [
    record.inputTokens,
    record.outputTokens,
    record.reasoningTokens,
    record.cacheReadTokens,
    record.cacheWriteTokens,
    record.unattributedTokens,
    record.totalTokens,
  ].join(',');
  return hashKey(`\u0000unkeyed\u0000${record.dialect}\u0000${record.session ?? ''}\u0000${record.timestamp ?? ''}\u0000${counts}`, secret);
}

/** Identity → largest total archived under it. */
export function collectIdentities(archive: Archive): Map<string, number> {
  const totals = new Map<string, number>();
  for (const segment of archive.segments) {
    for (const packed of segment.batches) {
      unpackRecords(packed, 0, () => {}, (row) => {
        totals.set(row.dedupKey, Math.max(totals.get(row.dedupKey) ?? 0, row.totalTokens));
      });
    }
  }
  return totals;
}

/**
 * A segment of the records in `batches` (a file's index sections) that the
 * archive does not hold yet: a row whose identity is archived with an equal
 * or larger total adds nothing. `known` is updated. Undefined when nothing is new.
 */
export function buildSegment(
  path: string,
  reason: ArchiveReason,
  batches: readonly PackedRecords[],
  known: Map<string, number>,
  keySecret: string,
  now = Date.now(),
): ArchiveSegment | undefined {
  const secret = parseKeySecret(keySecret);
  let pending: Array<{ record: UsageRecord; line: number; dedupKey: string }> = [];
  const out: PackedRecords[] = [];
  let records = 0;
  let first: number | null = null;
  let last: number | null = null;
  const unkeyedDialects = new Set<string>();
  for (const packed of batches) {
    unpackRecords(packed, 0, ({ record, order, dedupKey }) => {
      const identity = dedupKey ?? identityOfUnkeyed(record, secret);
      const kept = known.get(identity);
      if (kept !== undefined && kept >= record.totalTokens) return;
      known.set(identity, record.totalTokens);
      // order = line number: the file index passed is 0.
      pending.push({ record, line: order, dedupKey: identity });
      if (dedupKey === undefined) unkeyedDialects.add(record.dialect);
      records++;
      if (record.timestamp !== null) {
        first = first === null ? record.timestamp : Math.min(first, record.timestamp);
        last = last === null ? record.timestamp : Math.max(last, record.timestamp);
      }
      if (pending.length >= SEGMENT_BATCH) {
        out.push(packRecords(pending));
        pending = [];
      }
    });
  }
  if (pending.length > 0) out.push(packRecords(pending));
  if (records === 0) return undefined;
  return { path, reason, archivedAt: now, records, first, last, unkeyedDialects: [...unkeyedDialects].sort(), batches: out };
}

/** Whether `path` is `root` or lies under it (a folder given to the report). */
export function isUnderRoot(path: string, root: string): boolean {
  // Both as the process opens them: `./logs/` given, `logs/a.jsonl` walked.
  const file = resolve(path);
  const folder = resolve(root);
  return file === folder || file.startsWith(folder.endsWith(sep) ? folder : `${folder}${sep}`);
}

/**
 * Keeps the records dated at or after `before` (records without a timestamp are kept: nothing says they are old).
 * Returns the pruned archive and how many records it dropped.
 */
export function pruneArchive(archive: Archive, before: number): { archive: Archive; removed: number } {
  let removed = 0;
  const segments: ArchiveSegment[] = [];
  for (const segment of archive.segments) {
    if (segment.last !== null && segment.last >= before && segment.first !== null && segment.first >= before) {
      segments.push(segment);
      continue;
    }
    const rows: Array<{ record: UsageRecord; line: number; dedupKey: string }> = [];
    for (const packed of segment.batches) {
      unpackRecords(packed, 0, ({ record, order, dedupKey }) => {
        if (record.timestamp !== null && record.timestamp < before) removed++;
        else rows.push({ record, line: order, dedupKey: dedupKey as string });
      });
    }
    if (rows.length === 0) continue;
    let first: number | null = null;
    let last: number | null = null;
    for (const { record } of rows) {
      if (record.timestamp === null) continue;
      first = first === null ? record.timestamp : Math.min(first, record.timestamp);
      last = last === null ? record.timestamp : Math.max(last, record.timestamp);
    }
    const batches: PackedRecords[] = [];
    for (let start = 0; start < rows.length; start += SEGMENT_BATCH) batches.push(packRecords(rows.slice(start, start + SEGMENT_BATCH)));
    segments.push({
      ...segment,
      records: rows.length,
      first,
      last,
      batches,
    });
  }
  return { archive: { keySecret: archive.keySecret, segments }, removed };
}
