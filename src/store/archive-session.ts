/**
 * The archive as one ingest run sees it (src/ingest/ingest.ts calls this and
 * nothing else of ./archive.ts): open it (a damaged one is set aside, loudly),
 * hand its records to the de-duplication, recognise live records it already
 * holds, and take in the records of files the index is about to forget.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { UsageRecord } from '../core/record.js';
import type { PackedKeyedRow, PackedRecords } from '../ingest/pack.js';
import { parseKeySecret, unpackRecords } from '../ingest/pack.js';
import {
  ARCHIVE_FILE_NAME,
  type Archive,
  ArchiveCorruptError,
  type ArchiveReason,
  ArchiveUnavailableError,
  buildSegment,
  collectIdentities,
  identityOfUnkeyed,
  isUnderRoot,
  listSetAside,
  readArchive,
  setArchiveAside,
  writeArchive,
} from './archive.js';
import { describeError, removeStaleTemporaryFiles } from './index-file.js';

export interface ArchiveOptions {
  /** The folder holding the archive (the index's folder). */
  directory: string;
  /**
   * What the run reads (absolute file or folder paths): archived records of
   * files at or under one of them are counted, so `usage report projA/` does
   * not count a deleted file of projB.
   */
  roots: readonly string[];
  /** Told, in one line, about an archive set aside, unreadable or not written. */
  onWarning: (message: string) => void;
}

/** A file whose records the index is about to forget, with those records. */
export interface ForgottenFile {
  path: string;
  reason: ArchiveReason;
  batches: PackedRecords[];
}

export class ArchiveSession {
  private archive: Archive | undefined;
  /** False when the archive exists but cannot be used: it is then never written over. */
  readonly writable: boolean;
  /** Identities of the archived rows counted this run, and the dialects whose unkeyed live records must be matched. */
  private readonly identities = new Set<string>();
  private readonly unkeyedDialects = new Set<string>();
  private secret: ReturnType<typeof parseKeySecret> | undefined;
  /** Whether this run set a damaged archive aside (and has warned about it). */
  private setAsideNow = false;
  /** Archived rows handed to the de-duplication (before it drops those the logs still hold). */
  offered = 0;
  /** The archive file's identity when it was read or written (see signature). */
  private fileIdentity: string | undefined;

  private constructor(private readonly options: ArchiveOptions) {
    const { directory, onWarning } = options;
    // Temporary files of archive writes killed outright (SIGKILL, power loss).
    removeStaleTemporaryFiles(directory, Date.now(), ARCHIVE_FILE_NAME);
    try {
      // Its identity before and after the read: equal, unless another run wrote it meanwhile.
      const before = identifyArchiveFile(directory);
      this.archive = readArchive(directory);
      this.fileIdentity = before !== undefined && before === identifyArchiveFile(directory) ? before : undefined;
      this.writable = true;
    } catch (error) {
      if (error instanceof ArchiveCorruptError) {
        // It cannot be rebuilt (its logs are gone): keep the bytes, under another name, and say so loudly.
        try {
          const aside = setArchiveAside(directory);
          this.setAsideNow = true;
          onWarning(
            `the archive in ${directory} is damaged (${error.message}): moved it to ${aside}; records of deleted logs it held are not counted until it is restored from a backup`,
          );
          this.writable = true;
        } catch (renameError) {
          onWarning(`the archive in ${directory} is damaged (${error.message}) and could not be moved aside (${describeError(renameError)}); it is left as it is`);
          this.writable = false;
        }
      } else if (error instanceof ArchiveUnavailableError) {
        onWarning(`not using the archive: ${error.message}`);
        this.writable = false;
      } else {
        throw error;
      }
    }
  }

  static open(options: ArchiveOptions): ArchiveSession {
    const session = new ArchiveSession(options);
    // Never silent: every run says so while a damaged archive set aside by an earlier run is not dealt with.
    if (!session.setAsideNow) {
      for (const aside of listSetAside(options.directory)) {
        options.onWarning(
          `a damaged archive was set aside as ${aside}; the records it held are not counted (restore it from a backup, or delete it to silence this warning)`,
        );
      }
    }
    return session;
  }

  /**
   * What the archived rows this run counts depend on, for the index's
   * resolved de-duplication (src/ingest/ingest.ts): 'none' when it offered
   * none (then it cannot change the answer), else the archive file's device,
   * inode, size and times with the roots; undefined when that cannot be
   * told (the file changed while it was read). Call after `offer`.
   */
  get signature(): string | undefined {
    if (this.offered === 0) return 'none';
    if (this.fileIdentity === undefined) return undefined;
    return JSON.stringify([this.fileIdentity, this.options.roots]);
  }

  /** The secret of the archive's identity hashes, which the index and this run's scan must share (undefined: no archive yet). */
  get keySecret(): string | undefined {
    return this.archive?.keySecret;
  }

  /**
   * Hands every archived row of a file under the run's roots to `onRow` (all
   * archived rows are keyed by identity), numbered after the run's sources so
   * that a live copy of equal size wins the tie.
   */
  offer(firstFileIndex: number, onRow: (row: PackedKeyedRow) => void): void {
    if (!this.archive) return;
    this.secret = parseKeySecret(this.archive.keySecret);
    for (const [position, segment] of this.archive.segments.entries()) {
      if (!this.options.roots.some((root) => isUnderRoot(segment.path, root))) continue;
      const matchLive = segment.unkeyedDialects.length > 0;
      for (const dialect of segment.unkeyedDialects) this.unkeyedDialects.add(dialect);
      for (const packed of segment.batches) {
        unpackRecords(packed, firstFileIndex + position, () => {}, (row) => {
          if (matchLive) this.identities.add(row.dedupKey);
          this.offered++;
          onRow(row);
        });
      }
    }
  }

  /**
   * The identity of a live record without a key, when a counted archived row
   * has it (the record must then go through the de-duplication under it);
   * undefined otherwise. Costs one hash per record, and only for dialects
   * the counted archive holds unkeyed rows of.
   */
  matchUnkeyed(record: UsageRecord): string | undefined {
    if (this.secret === undefined || !this.unkeyedDialects.has(record.dialect)) return undefined;
    const identity = identityOfUnkeyed(record, this.secret);
    return this.identities.has(identity) ? identity : undefined;
  }

  /**
   * Adds the records of `files` that the archive does not hold yet, and
   * writes it (write, sync, rename). True when the records are safe on disk
   * (or were already there); false, with a warning, when not: the index must
   * then not forget the files either.
   */
  absorb(files: readonly ForgottenFile[], keySecret: string): boolean {
    if (!this.writable) return false;
    let archive: Archive = this.archive ?? { keySecret, segments: [] };
    // Read again just before writing: another run may have archived files
    // since this one opened it, and writing over them would lose them. (Two
    // runs writing at the same instant can still race: there is no lock.)
    try {
      const fresh = readArchive(this.options.directory);
      if (fresh && fresh.keySecret === archive.keySecret) archive = fresh;
    } catch {
      // Damaged or unreadable since it was opened: build on what was read then.
    }
    const known = collectIdentities(archive);
    // Absolute: the index keeps paths as given, but a later report may name the folder from elsewhere.
    const added = files.flatMap((file) => buildSegment(resolve(file.path), file.reason, file.batches, known, archive.keySecret) ?? []);
    if (added.length === 0) return true;
    const next: Archive = { keySecret: archive.keySecret, segments: [...archive.segments, ...added] };
    try {
      const written = writeArchive(this.options.directory, next);
      const identity = identifyArchiveFile(this.options.directory);
      // The file just renamed into place, unless another run replaced it since.
      this.fileIdentity = identity !== undefined && identity.split(':')[2] === String(written) ? identity : undefined;
    } catch (error) {
      this.options.onWarning(
        `could not add ${added.length} deleted or shrunk log file${added.length === 1 ? '' : 's'} to the archive in ${this.options.directory} (${describeError(error)}); the index keeps them until it can`,
      );
      return false;
    }
    this.archive = next;
    return true;
  }
}

/** Device, inode, size and times of the archive file; undefined when there is none or it cannot be read. */
function identifyArchiveFile(directory: string): string | undefined {
  try {
    const info = statSync(resolve(directory, ARCHIVE_FILE_NAME), { bigint: true });
    return `${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/** The archive's secret without using its records (for runs with --no-archive, so the index they write stays compatible). */
export function peekArchiveSecret(directory: string): string | undefined {
  try {
    return readArchive(directory)?.keySecret;
  } catch {
    return undefined;
  }
}
