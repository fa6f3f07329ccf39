/**
 * The ingest stage: sources → canonical records, each handed on exactly once.
 * Scanning (scan.ts) runs per source, on this thread or in worker threads;
 * this module owns what needs the whole input at once: the persistent index
 * (files read before are not read again, grown files only from where they
 * stopped), global de-duplication, and the summary of what was read.
 */
import { createHash } from 'node:crypto';
import { existsSync, type Stats, statSync } from 'node:fs';
import { DataError } from '../core/errors.js';
import type { DialectName, UsageRecord } from '../core/record.js';
import type { SkipReason } from '../dialects/types.js';
import type { Source } from '../sources/discover.js';
import { isCompressed } from '../sources/open.js';
import { type ArchiveOptions, ArchiveSession, type ForgottenFile, peekArchiveSecret } from '../store/archive-session.js';
import { type FileIdentity, sampleFile } from '../store/fingerprint.js';
import {
  closeIndex,
  IndexCorruptError,
  type IndexEntry,
  IndexUnavailableError,
  IndexWriter,
  type LoadedIndex,
  loadIndex,
  readSection,
  readSectionInts,
  type Resolution,
  type SectionRef,
} from '../store/index-file.js';
import {
  countKeyedRows,
  createKeySecret,
  doubleLength,
  type DeduplicatedRows,
  findLiveKeyedRows,
  KeptRecords,
  keyHighHalf,
  keyLowHalf,
  readTotalTokens,
  listDeduplicatedRows,
  type OrderedRecord,
  orderOf,
  type PackedKeyedRow,
  type PackedRecords,
  PACKED_LAYOUT,
  PackBuilder,
  packRecords,
  readPackedRow,
  unpackRecords,
  unpackResolvedRows,
} from './pack.js';
import type { ReaderKind } from '../dialects/module.js';
import { findDialect } from '../dialects/registry.js';
import { KeyTable } from './key-table.js';
import type { PoolJob } from './pool.js';
import { chooseReader, type FileScan, type ScannedRecord, type ScanOptions, type ScanStart } from './scan.js';
import { copyScanTally, createScanTally, type LineProblem, mergeScanTally, type ScanTally } from './tally.js';

export type { LineProblem } from './tally.js';

export interface IndexOptions {
  /** Folder holding the index file. */
  directory: string;
  /** Tool name and version: an index written by another version is not trusted. */
  tool: string;
  /** Told, in one line, about an index that had to be discarded, or could not be read or written. */
  onWarning: (message: string) => void;
}

export interface IngestOptions extends ScanOptions {
  /** Worker threads for file sources; 0 or undefined scans on this thread. */
  workers?: number | undefined;
  /** Keep and use a persistent index of what was read. */
  index?: IndexOptions | undefined;
  /**
   * The archive of records from logs the index read and then lost
   * (src/store/archive.ts). `false` (--no-archive) ignores it, and the index
   * then keeps what it would forget; undefined leaves the index to forget.
   */
  archive?: ArchiveOptions | false | undefined;
  /** Told after each file that had to be read (not those the index served): for a progress display. */
  onProgress?: ((progress: IngestProgress) => void) | undefined;
}

export interface IngestProgress {
  /** Files read so far, of `filesToRead`. */
  filesRead: number;
  filesToRead: number;
  /** Bytes read so far. */
  bytesRead: number;
}

export type { ArchiveOptions } from '../store/archive-session.js';

export { abandonActiveIndexWrites, clearIndex } from '../store/index-file.js';

export interface IngestSummary {
  files: number;
  bytes: number;
  lines: number;
  /** Records handed on, after de-duplication. */
  records: number;
  recordsByDialect: Partial<Record<DialectName, number>>;
  /** Malformed lines only. */
  skipped: { lines: number; reasons: Partial<Record<SkipReason, number>> };
  skippedByDialect: Partial<Record<DialectName | 'unknown', number>>;
  /** Well-formed lines that carry no usage. */
  noUsageLines: number;
  /** Lines whose usage was already counted (repeated copies, unchanged running totals). */
  duplicateLines: number;
  /** A last line without a newline that is not yet valid JSON: its writer is still writing. */
  partialLines: number;
  problems: LineProblem[];
  unreadable: Array<{ path: string; message: string }>;
  /** How the index served this run (absent without an index). */
  index?: { reused: number; resumed: number; scanned: number; pruned: number } | undefined;
}

export type RecordSink = (record: UsageRecord) => void;

/**
 * Global de-duplication: of all copies of a keyed record (Claude's
 * message.id + requestId), the one with the largest total wins, and between
 * equal totals the earliest in input order, so the result never depends on
 * which worker finished first or which files came from the index. Kept
 * copies are copied into a compact store (KeptRecords) until the input ends
 * (a later file may still hold a larger copy); a packed batch offered is not
 * held, so it can go as soon as it is read.
 */
export class Deduplicator {
  private readonly table = new KeyTable();
  // Per slot (one per key): the kept copy's order and total.
  private orders = new Float64Array(1024);
  private totals = new Float64Array(1024);
  private readonly kept = new KeptRecords();
  duplicates = 0;

  /**
   * Archive hook: copies from this order on are archived rows, not lines;
   * one that meets a copy read from the logs is not a duplicate line.
   */
  constructor(private readonly archivedFrom = Number.POSITIVE_INFINITY) {}

  /** A copy parsed on this thread. */
  offer(entry: OrderedRecord & { dedupKey: string }): void {
    const slot = this.claimSlot(keyHighHalf(entry.dedupKey), keyLowHalf(entry.dedupKey), entry.order, entry.record.totalTokens);
    if (slot >= 0) this.kept.writeRecord(slot, entry.record);
  }

  /** A copy still packed: copied if it wins for now, so the batch is not held. */
  offerPacked(entry: PackedKeyedRow): void {
    const slot = this.claimSlot(keyHighHalf(entry.dedupKey), keyLowHalf(entry.dedupKey), entry.order, entry.totalTokens);
    if (slot >= 0) this.kept.copyRow(slot, entry.packed, entry.row);
  }

  /** The slot this copy should now fill (a new one, or the one whose copy it beats); -1 when the kept copy stays. */
  private claimSlot(high: number, low: number, order: number, totalTokens: number): number {
    const slot = this.table.findOrAdd(high, low);
    if (this.table.added) {
      if (slot === this.orders.length) {
        this.orders = doubleLength(this.orders);
        this.totals = doubleLength(this.totals);
      }
    } else {
      if (order < this.archivedFrom && (this.orders[slot] as number) < this.archivedFrom) this.duplicates++;
      const larger = totalTokens - (this.totals[slot] as number);
      if (larger < 0 || (larger === 0 && order >= (this.orders[slot] as number))) return -1;
    }
    this.orders[slot] = order;
    this.totals[slot] = totalTokens;
    return slot;
  }

  /** Copies offered so far under distinct keys. */
  get keys(): number {
    return this.table.size;
  }

  /**
   * The slot whose kept copy is the one at `order` under `dedupKey`, or -1
   * when that copy lost (or was never offered). Before drain only.
   */
  findWinningSlot(dedupKey: string, order: number): number {
    const slot = this.table.find(keyHighHalf(dedupKey), keyLowHalf(dedupKey));
    return slot >= 0 && this.orders[slot] === order ? slot : -1;
  }

  /** Hands on the kept records in input order, one at a time. */
  drain(onRecord: (record: UsageRecord) => void): void {
    const orders = this.orders;
    const size = this.table.size;
    const bySlot = new Uint32Array(size);
    for (let slot = 0; slot < size; slot++) bySlot[slot] = slot;
    bySlot.sort((a, b) => (orders[a] as number) - (orders[b] as number));
    for (const slot of bySlot) onRecord(this.kept.read(slot));
  }
}

const RACY_WINDOW_MS = 2000;
const YIELD_INTERVAL_MS = 20;

/**
 * Returns after one full turn of the event loop, its timers phase included:
 * the first setImmediate may run in this turn's check phase, before any
 * timer; the second runs in the next turn's, after its timers and its poll
 * (where signals arrive). About 0.1 ms.
 */
async function letEventsRun(): Promise<void> {
  for (let hop = 0; hop < 2; hop++) await new Promise<void>((resolve) => setImmediate(resolve));
}
const MAX_EXACT_TOKENS = '9,007,199,254,740,991';

let cachedLayoutHash: string | undefined;

function layoutHash(): string {
  cachedLayoutHash ??= createHash('sha1').update(PACKED_LAYOUT).digest('hex').slice(0, 16);
  return cachedLayoutHash;
}
const SECTION_BATCH = 8192;

interface FilePlan {
  index: number;
  path: string;
  /** The index entry whose records stand (all of them, or up to `consumed` before a resumed scan). */
  reuse?: IndexEntry | undefined;
  /** Scan needed: from the start, or resuming after the reused entry. */
  scan?: { start?: ScanStart | undefined } | undefined;
  identity?: FileIdentity | undefined;
  scannedAt: number;
  /**
   * The reused entry was vouched for by its sampled bytes, and its timestamps
   * are now old enough to trust: the index is written with this run's time,
   * so later runs trust the stat alone instead of sampling it on every run.
   */
  refreshed?: boolean | undefined;
}

function fingerprintOf(options: ScanOptions): string {
  return JSON.stringify({ format: options.format ?? null, prefilter: options.prefilter === true });
}

/**
 * Files the index can only take or re-read whole: gzip streams, JSON
 * documents and databases (the index entry's `compressed` flag marks them).
 */
function isReadWhole(path: string, reader: ReaderKind): boolean {
  return isCompressed(path) || reader !== 'jsonl';
}

/**
 * A file's stat for the index. An SQLite database in WAL mode takes new rows
 * into its `-wal` file first, leaving the database file untouched for a
 * while, so the write-ahead log's size and time count as the database's.
 */
function statForIndex(path: string, reader: ReaderKind): Stats {
  const info = statSync(path);
  if (reader !== 'sqlite') return info;
  try {
    const log = statSync(`${path}-wal`);
    info.size += log.size;
    info.mtimeMs = Math.max(info.mtimeMs, log.mtimeMs);
    info.ctimeMs = Math.max(info.ctimeMs, log.ctimeMs);
  } catch {
    // No write-ahead log: the database file is the whole state.
  }
  return info;
}

/**
 * Decides, from the index and a fresh stat, how much of a file must be read.
 * The stat identity is device, inode, size, mtime and ctime: ctime is set by
 * the kernel on every change and cannot be put back by `touch -r`, `cp -p` or
 * `rsync --inplace -t`, which restore mtime after a same-size rewrite.
 */
function planFile(path: string, known: FileIdentity | undefined, reader: ReaderKind, index: number, entry: IndexEntry | undefined, fingerprint: string): FilePlan {
  const scannedAt = Date.now();
  // The stat discovery made (3,000 files: a second stat each was ~20 ms of a warm run), except for a
  // database, whose write-ahead log counts too. Synchronous: an awaited stat each cost a thread-pool
  // round trip (~0.1 ms) on a warm run.
  let info: FileIdentity | null = reader === 'sqlite' ? null : (known ?? null);
  if (info === null) {
    try {
      const stats = statForIndex(path, reader);
      // Only regular files are indexed: a named pipe can be read once, and must
      // never be re-opened to be fingerprinted (that waited forever for a writer).
      if (stats.isFile()) info = { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
    } catch {
      // Gone or unreadable: planned as a scan, which reports why.
    }
  }
  if (info === null) return { index, path, scan: {}, scannedAt };
  const identity = info;
  const plan: FilePlan = { index, path, identity, scannedAt, scan: {} };
  if (!entry || entry.fingerprint !== fingerprint || entry.dev !== info.dev || entry.ino !== info.ino) return plan;
  if (info.size < entry.consumed) return plan; // truncated or rotated
  const resume = { start: { offset: entry.consumed, lineOffset: entry.completeLines, states: entry.states } };
  const unchangedStat = info.size === entry.size && info.mtimeMs === entry.mtimeMs && info.ctimeMs === entry.ctimeMs;
  if (entry.compressed) {
    return unchangedStat ? { ...plan, reuse: entry, scan: undefined } : plan;
  }
  if (unchangedStat && Math.max(info.mtimeMs, info.ctimeMs) < entry.scannedAt - RACY_WINDOW_MS) {
    // Not modified since well before it was read: trust it without reading.
    return { ...plan, reuse: entry, scan: entry.consumed < info.size ? resume : undefined };
  }
  // Same size but changed (mtime or ctime) is an edit in place: read it all again.
  if (info.size === entry.size && !unchangedStat) return plan;
  // Grown (or too recently written to trust the timestamps): check the bytes already read.
  const sample = sampleFile(path, entry.consumed);
  if (sample !== entry.sample) return plan;
  if (unchangedStat && entry.consumed === info.size && Math.max(info.mtimeMs, info.ctimeMs) < scannedAt - RACY_WINDOW_MS) {
    return { ...plan, reuse: { ...entry, scannedAt }, scan: undefined, refreshed: true };
  }
  return { ...plan, reuse: entry, scan: entry.consumed < info.size ? resume : undefined };
}

/**
 * Counts keyed by name, in name order: they fill in the order lines happen
 * to arrive (from workers, from the index), which must never show in output.
 */
function sortByKey<K extends string>(counts: Partial<Record<K, number>>): Partial<Record<K, number>> {
  const sorted: Partial<Record<K, number>> = {};
  for (const key of (Object.keys(counts) as K[]).sort()) sorted[key] = counts[key];
  return sorted;
}

function summarize(
  tally: ScanTally,
  records: number,
  recordsByDialect: IngestSummary['recordsByDialect'],
  indexStats: IngestSummary['index'],
): IngestSummary {
  return {
    files: tally.files,
    bytes: tally.bytes,
    lines: tally.lines,
    records,
    recordsByDialect: sortByKey(recordsByDialect),
    skipped: { lines: tally.skippedLines, reasons: sortByKey(tally.skippedReasons) },
    skippedByDialect: sortByKey(tally.skippedByDialect),
    noUsageLines: tally.noUsageLines,
    duplicateLines: tally.duplicateLines,
    partialLines: tally.partialLines,
    problems: tally.problems,
    unreadable: tally.unreadable,
    ...(indexStats ? { index: indexStats } : {}),
  };
}

/**
 * True when the index resolved the de-duplication for exactly these files,
 * in this order, with the archive as this run counts it (`archivedRows`
 * offered, its signature unchanged).
 */
function isResolvedFor(loaded: LoadedIndex, plans: readonly FilePlan[], archiveSignature: string, archivedRows: number): boolean {
  const paths = loaded.resolvedPaths;
  const resolved = loaded.resolved;
  if (paths === undefined || resolved === undefined || resolved.archive !== archiveSignature) return false;
  // Positions past the rows offered would be a forged header: de-duplicate in full instead.
  if (resolved.archiveWinners.length > 0 && (resolved.archiveWinners.at(-1) as number) >= archivedRows) return false;
  return paths.length === plans.length && plans.every((plan, position) => plan.path === paths[position]);
}

/**
 * Which written rows lost the de-duplication (each section's `shadowed`
 * list) and which archived rows won (returned); undefined (nothing set)
 * unless every copy that won is exactly one written or archived row. A copy
 * that won but is not in the index (a record of an unfinished last line,
 * held back) or two rows with one key and one order would make a warm run
 * hand on other records than this one did.
 */
function resolveShadowedRows(
  deduplicator: Deduplicator,
  written: ReadonlyArray<{ ref: SectionRef; fileIndex: number; rows: DeduplicatedRows }>,
  archivedRows: readonly PackedKeyedRow[],
): number[] | undefined {
  const won = new Uint8Array(deduplicator.keys);
  let winners = 0;
  const claim = (key: string, order: number): boolean | undefined => {
    const slot = deduplicator.findWinningSlot(key, order);
    if (slot < 0) return false;
    if (won[slot]) return undefined;
    won[slot] = 1;
    winners++;
    return true;
  };
  const shadowedBySection: number[][] = [];
  for (const { fileIndex, rows } of written) {
    const shadowed: number[] = [];
    for (let at = 0; at < rows.rows.length; at++) {
      const kept = claim(rows.keys[at] as string, orderOf(fileIndex, rows.lines[at] as number));
      if (kept === undefined) return undefined;
      if (!kept) shadowed.push(rows.rows[at] as number);
    }
    shadowedBySection.push(shadowed);
  }
  const archiveWinners: number[] = [];
  for (const [position, row] of archivedRows.entries()) {
    const kept = claim(row.dedupKey, row.order);
    if (kept === undefined) return undefined;
    if (kept) archiveWinners.push(position);
  }
  if (winners !== won.length) return undefined;
  written.forEach(({ ref }, position) => {
    const shadowed = shadowedBySection[position] as number[];
    // Rows were listed in row order, so the list is ascending.
    if (shadowed.length > 0) ref.shadowed = shadowed;
  });
  return archiveWinners;
}

/** The new lines of a grown file, read before anything is handed on (see extendResolution). */
interface Prescan {
  entries: Array<{ entry: ScannedRecord; settled: boolean }>;
  scan: FileScan;
}

/**
 * Grown files are read ahead, to extend the index's resolution, only up to
 * this many new bytes in all: their records are held until the run decides
 * how to go on, and past this a full de-duplication costs little in comparison.
 */
const PRESCAN_LIMIT = 32 << 20;

/** The index's resolved de-duplication carried over to the files read again (see extendResolution). */
interface Extension {
  /** Per file read (plan index), its new records in batches, as they are written to the index. */
  batches: Map<number, PackedRecords[]>;
  /** Rows of new batches that lost, ascending. */
  shadowedNew: Map<PackedRecords, number[]>;
  /** Old sections kept whose list of rows that lost changed: the whole new list, ascending. */
  shadowedOld: Map<SectionRef, number[]>;
  /** The duplicate lines the de-duplication counts now. */
  duplicates: number;
}

/**
 * Extends the resolved de-duplication of an index written for exactly these
 * files to the files read again (the new lines of grown files, the whole of
 * files rewritten), without hashing or holding every key. Only the keys of
 * the records read and of the records dropped can change hands: their copies
 * are found among the old sections' integers by their keys' high halves, and
 * of each key's copies the one with the largest total wins, then the
 * earliest (as in Deduplicator); each key counts its copies less one as
 * duplicate lines. Undefined (de-duplicate in full) when a new record is of
 * an unfinished last line (not written to the index), a file could not be
 * read, or the index is not as a resolution leaves it.
 */
function extendResolution(loaded: LoadedIndex, plans: readonly FilePlan[], prescanned: ReadonlyMap<number, Prescan>): Extension | undefined {
  const resolved = loaded.resolved;
  if (resolved === undefined) return undefined;
  const batches = new Map<number, PackedRecords[]>();
  for (const plan of plans) {
    const prior = prescanned.get(plan.index);
    if (!prior) continue;
    if (!prior.scan.readable || prior.entries.some((item) => !item.settled)) return undefined;
    const list: PackedRecords[] = [];
    for (let at = 0; at < prior.entries.length; at += SECTION_BATCH) {
      list.push(packRecords(prior.entries.slice(at, at + SECTION_BATCH).map((item) => item.entry)));
    }
    batches.set(plan.index, list);
  }
  interface Copy {
    order: number;
    total: number;
    /** Where the copy is: a new batch, or an old section kept. */
    packed?: PackedRecords | undefined;
    section?: SectionRef | undefined;
    row: number;
  }
  interface KeyCopies {
    best: Copy | undefined;
    /** Copies in the index's resolution (kept or dropped). */
    before: number;
    /** Copies now (kept or new). */
    after: number;
  }
  const keys = new Map<string, KeyCopies>();
  const keyCopies = (dedupKey: string): KeyCopies => {
    let copies = keys.get(dedupKey);
    if (copies === undefined) {
      copies = { best: undefined, before: 0, after: 0 };
      keys.set(dedupKey, copies);
    }
    return copies;
  };
  const offer = (copies: KeyCopies, copy: Copy): void => {
    copies.after++;
    const best = copies.best;
    if (best === undefined || copy.total > best.total || (copy.total === best.total && copy.order < best.order)) copies.best = copy;
  };
  for (const plan of plans) {
    for (const packed of batches.get(plan.index) ?? []) {
      findLiveKeyedRows(packed.ints, [], undefined, (row, dedupKey, line) => {
        offer(keyCopies(dedupKey), { order: orderOf(plan.index, line), total: readTotalTokens(packed, row), packed, row });
      });
    }
  }
  const usable = (section: SectionRef): boolean => section.keyed !== undefined && (section.deferred?.length ?? 0) === 0;
  // The records of files read again from the start are dropped: their keys may change hands too.
  for (const plan of plans) {
    if (plan.reuse !== undefined) continue;
    for (const section of (loaded.entries.get(plan.path) as IndexEntry).sections) {
      if (!usable(section)) return undefined;
      if (section.keyed === 0) continue;
      findLiveKeyedRows(readSectionInts(loaded, section), [], undefined, (_row, dedupKey) => {
        keyCopies(dedupKey).before++;
      });
    }
  }
  // Every copy of those keys in the old sections kept, the ones that lost before included.
  const affectedRows = new Map<SectionRef, number[]>();
  if (keys.size > 0) {
    const highs = new Set<number>();
    for (const key of keys.keys()) highs.add(keyHighHalf(key));
    for (const plan of plans) {
      for (const section of plan.reuse?.sections ?? []) {
        if (!usable(section)) return undefined;
        if (section.keyed === 0) continue;
        let packed: PackedRecords | undefined;
        findLiveKeyedRows(readSectionInts(loaded, section), [], highs, (row, dedupKey, line) => {
          const copies = keys.get(dedupKey);
          if (copies === undefined) return;
          copies.before++;
          packed ??= readSection(loaded, section);
          offer(copies, { order: orderOf(plan.index, line), total: readTotalTokens(packed, row), section, row });
          const rows = affectedRows.get(section);
          if (rows) rows.push(row);
          else affectedRows.set(section, [row]);
        });
      }
    }
  }
  let duplicates = resolved.duplicates;
  for (const copies of keys.values()) duplicates += Math.max(0, copies.after - 1) - Math.max(0, copies.before - 1);
  if (duplicates < 0) return undefined;
  const isWinner = (dedupKey: string, where: PackedRecords | SectionRef, row: number): boolean => {
    const best = (keys.get(dedupKey) as KeyCopies).best as Copy;
    return best.row === row && (best.packed === where || best.section === where);
  };
  const ascending = (a: number, b: number): number => a - b;
  const shadowedNew = new Map<PackedRecords, number[]>();
  for (const list of batches.values()) {
    for (const packed of list) {
      const shadowed: number[] = [];
      findLiveKeyedRows(packed.ints, [], undefined, (row, dedupKey) => {
        if (!isWinner(dedupKey, packed, row)) shadowed.push(row);
      });
      if (shadowed.length > 0) shadowedNew.set(packed, shadowed);
    }
  }
  const shadowedOld = new Map<SectionRef, number[]>();
  for (const [section, rows] of affectedRows) {
    const shadowed = new Set(section.shadowed ?? []);
    const affected = new Set(rows);
    const ints = readSectionInts(loaded, section);
    findLiveKeyedRows(ints, [], undefined, (row, dedupKey) => {
      if (!affected.has(row)) return;
      if (isWinner(dedupKey, section, row)) shadowed.delete(row);
      else shadowed.add(row);
    });
    shadowedOld.set(section, [...shadowed].sort(ascending));
  }
  return { batches, shadowedNew, shadowedOld, duplicates };
}

/**
 * True when extending the index leaves at most a quarter of its record bytes
 * unused: an extended index keeps the sections of files read again from the
 * start where they were, unused, until a run writes it whole.
 */
function hasRoomToExtend(loaded: LoadedIndex, plans: readonly FilePlan[]): boolean {
  const bytesOf = (sections: readonly SectionRef[]): number => sections.reduce((sum, section) => sum + section.floats + section.ints + section.contexts, 0);
  let used = 0;
  for (const entry of loaded.entries.values()) used += bytesOf(entry.sections);
  let dropped = 0;
  for (const plan of plans) if (plan.reuse === undefined) dropped += bytesOf(loaded.entries.get(plan.path)?.sections ?? []);
  const recordBytes = loaded.headerStart - 8;
  return recordBytes - used + dropped <= recordBytes / 4;
}

/** Index entries, not part of this run, whose files no longer exist. */
function findGoneEntries(loaded: LoadedIndex | undefined, plans: readonly FilePlan[]): Set<string> {
  const gone = new Set<string>();
  if (!loaded) return gone;
  const current = new Set(plans.map((plan) => plan.path));
  for (const path of loaded.entries.keys()) if (!current.has(path) && !existsSync(path)) gone.add(path);
  return gone;
}

/**
 * Archive hook: files whose indexed records this run would drop — deleted,
 * shrunk below what was read, or replaced by another file (inode) — with
 * those records. The archive keeps only what it does not hold already, and
 * reports match archived records to live ones by identity, so archiving a
 * file whose records all survive elsewhere costs nothing in the totals.
 */
function findForgottenFiles(loaded: LoadedIndex, plans: readonly FilePlan[], gone: ReadonlySet<string>): ForgottenFile[] {
  const files: Array<{ entry: IndexEntry; reason: ForgottenFile['reason'] }> = [];
  for (const plan of plans) {
    const entry = loaded.entries.get(plan.path);
    if (!entry || plan.reuse || entry.sections.length === 0) continue;
    const { identity } = plan;
    if (identity === undefined) files.push({ entry, reason: 'deleted' });
    else if (identity.dev !== entry.dev || identity.ino !== entry.ino) files.push({ entry, reason: 'replaced' });
    else if (identity.size < entry.consumed) files.push({ entry, reason: 'shrunk' });
  }
  for (const path of gone) {
    const entry = loaded.entries.get(path);
    if (entry && entry.sections.length > 0) files.push({ entry, reason: 'deleted' });
  }
  return files.map(({ entry, reason }) => ({ path: entry.path, reason, batches: entry.sections.map((section) => readSection(loaded, section)) }));
}

export async function ingest(sources: readonly Source[], onRecord: RecordSink, options: IngestOptions = {}): Promise<IngestSummary> {
  const tally = createScanTally();
  const deduplicator = new Deduplicator(orderOf(sources.length, 0));
  // Counted per run of one dialect, and added up when the dialect changes: an
  // object keyed by dialect updated on every record cost more than the check.
  const recordsByDialect: IngestSummary['recordsByDialect'] = {};
  let runDialect: DialectName | undefined;
  let runRecords = 0;
  const countRun = (): void => {
    if (runDialect !== undefined) recordsByDialect[runDialect] = (recordsByDialect[runDialect] ?? 0) + runRecords;
  };

  let records = 0;
  // Every token sum a report makes is at most this one (a record's total
  // holds all its counts; counts are never negative), so checking it once
  // here keeps every sum downstream exact: doubles count exactly to 2^53.
  let tokenSum = 0;
  const emit = (record: UsageRecord): void => {
    records++;
    tokenSum += record.totalTokens;
    if (tokenSum > Number.MAX_SAFE_INTEGER) {
      throw new DataError(
        `the token counts read add up to more than ${MAX_EXACT_TOKENS} (2^53 - 1), past which sums are no longer exact; no totals are reported (the last record added came from a ${record.dialect} log)`,
      );
    }
    if (record.dialect === runDialect) {
      runRecords++;
    } else {
      countRun();
      runDialect = record.dialect;
      runRecords = 1;
    }
    onRecord(record);
  };
  // Archive hook: a record the archive also holds goes through the de-duplication under its identity.
  const archive = options.archive ? ArchiveSession.open(options.archive) : undefined;
  const accept = (entry: OrderedRecord): void => {
    const dedupKey = entry.dedupKey ?? archive?.matchUnkeyed(entry.record);
    if (dedupKey === undefined) emit(entry.record);
    else deduplicator.offer({ ...entry, dedupKey });
  };
  const acceptPacked = (entry: PackedKeyedRow): void => deduplicator.offerPacked(entry);

  // The index: what earlier runs read, trusted only when written with the same
  // record layout and dialect registry as this build's.
  let indexOptions = options.index && { ...options.index, tool: `${options.index.tool} layout:${layoutHash()}` };
  let loaded: LoadedIndex | undefined;
  let indexDamaged = false;
  if (indexOptions) {
    try {
      loaded = loadIndex(indexOptions.directory, indexOptions.tool);
    } catch (error) {
      if (error instanceof IndexCorruptError) {
        indexOptions.onWarning(`discarding the index in ${indexOptions.directory} (${error.message}); it will be rebuilt`);
        indexDamaged = true;
      } else if (error instanceof IndexUnavailableError) {
        // Unreachable rather than damaged: answer without it, and do not try to write one.
        indexOptions.onWarning(`not using the index: ${error.message}`);
        indexOptions = undefined;
      } else {
        throw error;
      }
    }
  }
  // Archive hook: archived identities are hashed with the archive's secret, so the index must share it.
  const archiveSecret = archive ? archive.keySecret : options.archive === false && indexOptions ? peekArchiveSecret(indexOptions.directory) : undefined;
  if (loaded && archiveSecret !== undefined && loaded.keySecret !== archiveSecret) {
    closeIndex(loaded);
    loaded = undefined;
    indexDamaged = true;
  }
  const scanOptions: ScanOptions = {
    format: options.format,
    strict: options.strict,
    problemLimit: options.problemLimit,
    prefilter: options.prefilter,
    parseWhole: options.parseWhole,
    sample: indexOptions !== undefined,
    maxLineBytes: options.maxLineBytes,
    // Hashed keys from the index and from this run must share one key.
    keySecret: archiveSecret ?? loaded?.keySecret ?? createKeySecret(),
  };
  const fingerprint = fingerprintOf(scanOptions);
  // How each file is read, by its name or as --format says (a database copied under another name is still one).
  const forced = options.format ? findDialect(options.format) : undefined;
  const readerOf = (source: Source): ReaderKind => chooseReader(source, forced);

  const plans: FilePlan[] = [];
  const streams: Array<{ source: Source; index: number }> = [];
  for (const [index, source] of sources.entries()) {
    if (source.kind !== 'file') streams.push({ source, index });
    else if (indexOptions) plans.push(planFile(source.path, source.identity, readerOf(source), index, loaded?.entries.get(source.path), fingerprint));
    else plans.push({ index, path: source.path, scan: {}, scannedAt: 0 });
  }

  // Archive hook: the records of files the index is about to forget go into the archive first.
  const gone = findGoneEntries(loaded, plans);
  const forgotten = options.archive === undefined || !loaded ? [] : findForgottenFiles(loaded, plans, gone);
  const archiveKeeps = forgotten.length === 0 || (archive?.absorb(forgotten, scanOptions.keySecret as string) ?? false);
  const archivedRows: PackedKeyedRow[] = [];
  archive?.offer(sources.length, (row) => archivedRows.push(row));
  // The de-duplication can be resolved once, in the index, for a run of files
  // and the archive as it stands: streams come and go between runs.
  const archiveSignature = archive ? archive.signature : 'none';
  const resolvable = streams.length === 0 && archiveSignature !== undefined;
  const resolvedHere = resolvable && loaded !== undefined && isResolvedFor(loaded, plans, archiveSignature, archivedRows.length);
  const matchArchived = archive && archiveSignature !== 'none' ? (record: UsageRecord) => archive.matchUnkeyed(record) : undefined;

  const newEntries = new Map<number, IndexEntry>();
  const sectionsByFile = new Map<number, SectionRef[]>();
  let writer: IndexWriter | undefined;
  // An index that would forget records the archive could not take is left as it was: the next run tries again.
  const indexStale = indexDamaged || loaded === undefined || gone.size > 0 || plans.some((plan) => plan.scan !== undefined || plan.refreshed === true);
  // Written also when only the resolution is another run's (other files, or another order): later runs over these files then hash no key.
  const needsWrite = indexOptions !== undefined && archiveKeeps && (indexStale || (resolvable && !resolvedHere));
  const indexStats = indexOptions ? { reused: 0, resumed: 0, scanned: 0, pruned: 0 } : undefined;
  // Served from the resolution: nothing to write, every file reused whole. (Not when the index is
  // left unwritten for a file it could not archive: that file is read again.)
  const servedResolved = resolvedHere && !needsWrite && plans.every((plan) => plan.reuse !== undefined && plan.scan === undefined);
  // Otherwise archived rows go to the de-duplication first, as they always did (ties and duplicate counts depend on the order).
  if (!servedResolved) for (const row of archivedRows) acceptPacked(row);

  // The index resolved the de-duplication for these very files, and some have
  // only grown (or need only their timestamps renewed): their new lines are
  // read first, and the resolution extended to them, so the old records are
  // handed on as resolved and the index is extended rather than rewritten.
  const extendable =
    !servedResolved &&
    resolvedHere &&
    needsWrite &&
    !options.strict &&
    archivedRows.length === 0 &&
    archiveSignature === 'none' &&
    gone.size === 0 &&
    loaded !== undefined &&
    plans.reduce((bytes, plan) => bytes + (plan.scan ? (plan.identity?.size ?? Number.POSITIVE_INFINITY) - (plan.reuse?.consumed ?? 0) : 0), 0) <= PRESCAN_LIMIT &&
    hasRoomToExtend(loaded, plans);
  let prescanned: Map<number, Prescan> | undefined;
  if (extendable) {
    prescanned = new Map();
    const grown = plans.filter((plan) => plan.scan !== undefined);
    const { scanSource } = grown.length > 0 ? await import('./scan.js') : { scanSource: undefined };
    for (const plan of grown) {
      const entries: Prescan['entries'] = [];
      const scan = await (scanSource as NonNullable<typeof scanSource>)(
        { kind: 'file', path: plan.path },
        scanOptions,
        (entry, settled) => entries.push({ entry, settled }),
        plan.scan?.start,
      );
      prescanned.set(plan.index, { entries, scan });
    }
  }
  const extension = prescanned && loaded ? extendResolution(loaded, plans, prescanned) : undefined;

  // Rows of the sections written for this run's files that go through the de-duplication, to resolve it into the index.
  const writtenKeyed: Array<{ ref: SectionRef; fileIndex: number; rows: DeduplicatedRows }> = [];
  const appendFileSection = (fileIndex: number, packed: PackedRecords, knownKeyed?: number): SectionRef => {
    const keyed = knownKeyed ?? countKeyedRows(packed);
    const ref = (writer as IndexWriter).appendSection(packed, keyed);
    if (resolvable && (keyed > 0 || matchArchived !== undefined)) {
      const rows = listDeduplicatedRows(packed, keyed < packed.count ? matchArchived : undefined);
      if (rows.deferred.length > 0) ref.deferred = rows.deferred;
      if (rows.rows.length > 0) writtenKeyed.push({ ref, fileIndex, rows });
    }
    return ref;
  };
  let duplicatesResolved = 0;
  // A keyed record of an unfinished last line was counted: its copy is read again once the line is complete, so a
  // resolution written now would count it twice when extended (see extendResolution); none is written.
  let unsettledKeyed = false;

  try {
    if (needsWrite && indexOptions) writer = new IndexWriter(indexOptions.directory, scanOptions.keySecret as string, extension ? loaded : undefined);

    if (servedResolved && loaded?.resolved) {
      // Nothing changed since the index was written for these very files: hand
      // on the records that won its de-duplication, in the order a full run
      // would (records without a key as read, then the keyed ones in input
      // order, then the archived ones that won), without hashing a key.
      for (const plan of plans) {
        const entry = plan.reuse as IndexEntry;
        mergeScanTally(tally, entry.tally);
        const [problem] = entry.tally.problems;
        if (options.strict && problem) throw new DataError(`${problem.file}:${problem.line}: ${problem.reason} (${problem.detail})`);
        if (indexStats) indexStats.reused++;
      }
      for (const deduplicated of [false, true]) {
        for (const plan of plans) {
          for (const section of (plan.reuse as IndexEntry).sections) {
            const deferred = section.deferred ?? [];
            if (deduplicated ? section.keyed === 0 && deferred.length === 0 : section.keyed === section.count) continue;
            unpackResolvedRows(readSection(loaded, section), deduplicated, deferred, section.shadowed ?? [], emit);
          }
        }
      }
      for (const position of loaded.resolved.archiveWinners) {
        const row = archivedRows[position] as PackedKeyedRow;
        emit(readPackedRow(row.packed, row.row));
      }
      duplicatesResolved = loaded.resolved.duplicates;
    }


    // Records the index already holds.
    const reusePlan = (plan: FilePlan): void => {
      if (!plan.reuse || !loaded || servedResolved || extension) return;
      const sections: SectionRef[] = [];
      for (const section of plan.reuse.sections) {
        const packed = readSection(loaded, section);
        unpackRecords(packed, plan.index, accept, acceptPacked);
        if (writer) sections.push(appendFileSection(plan.index, packed, section.keyed));
      }
      sectionsByFile.set(plan.index, sections);
      mergeScanTally(tally, plan.reuse.tally);
      const [problem] = plan.reuse.tally.problems;
      if (options.strict && problem) {
        throw new DataError(`${problem.file}:${problem.line}: ${problem.reason} (${problem.detail})`);
      }
      if (indexStats) {
        if (plan.scan) indexStats.resumed++;
        else indexStats.reused++;
      }
      if (!plan.scan) newEntries.set(plan.index, { ...plan.reuse, sections });
    };

    // Everything that must be read.
    const pending = plans.filter((plan) => plan.scan !== undefined);
    if (indexStats) indexStats.scanned = pending.filter((plan) => !(plan.reuse && loaded)).length;
    const addSection = (index: number, packed: PackedRecords): void => {
      if (!writer || packed.count === 0) return;
      const list = sectionsByFile.get(index) ?? [];
      list.push(appendFileSection(index, packed));
      sectionsByFile.set(index, list);
    };
    let filesRead = 0;
    let bytesRead = 0;
    const finishFile = (plan: FilePlan, scan: FileScan): void => {
      mergeScanTally(tally, scan.tally);
      filesRead++;
      bytesRead += scan.tally.bytes;
      options.onProgress?.({ filesRead, filesToRead: pending.length, bytesRead });
      if (!indexOptions || !scan.readable || !plan.identity) return;
      const base = plan.scan?.start && plan.reuse ? copyScanTally(plan.reuse.tally) : createScanTally();
      mergeScanTally(base, scan.settled);
      newEntries.set(plan.index, {
        path: plan.path,
        fingerprint,
        ...plan.identity,
        scannedAt: plan.scannedAt,
        compressed: isReadWhole(plan.path, readerOf(sources[plan.index] as Source)),
        consumed: scan.consumed,
        completeLines: scan.completeLines,
        sample: scan.sample,
        tally: base,
        states: scan.states,
        sections: sectionsByFile.get(plan.index) ?? [],
      });
    };

    if (extension && loaded?.resolved) {
      // Old sections keep their place in the extended index; only shadowed lists that grew change, in the header.
      const current = (section: SectionRef): SectionRef => {
        const shadowed = extension.shadowedOld.get(section);
        if (shadowed === undefined) return section;
        return shadowed.length > 0 ? { ...section, shadowed } : { ...section, shadowed: undefined };
      };
      const newRefs = new Map<PackedRecords, SectionRef>();
      for (const plan of plans) {
        const entry = plan.reuse;
        if (entry) mergeScanTally(tally, entry.tally);
        const sections = entry?.sections.map(current) ?? [];
        const prior = prescanned?.get(plan.index);
        if (!prior) {
          if (indexStats) indexStats.reused++;
          newEntries.set(plan.index, { ...(entry as IndexEntry), sections });
          continue;
        }
        if (indexStats && entry) indexStats.resumed++;
        for (const packed of extension.batches.get(plan.index) ?? []) {
          if (packed.count === 0) continue;
          const ref = writer ? writer.appendSection(packed) : ({ keyed: countKeyedRows(packed) } as SectionRef);
          const shadowed = extension.shadowedNew.get(packed);
          if (shadowed) ref.shadowed = shadowed;
          newRefs.set(packed, ref);
          sections.push(ref);
        }
        sectionsByFile.set(plan.index, sections);
        finishFile(plan, prior.scan);
      }
      // Handed on as a full run would: records without a key as read, then the keyed ones that won in input order.
      for (const deduplicated of [false, true]) {
        for (const plan of plans) {
          for (const section of plan.reuse?.sections ?? []) {
            const deferred = section.deferred ?? [];
            if (deduplicated ? section.keyed === 0 && deferred.length === 0 : section.keyed === section.count) continue;
            unpackResolvedRows(readSection(loaded, section), deduplicated, deferred, extension.shadowedOld.get(section) ?? section.shadowed ?? [], emit);
          }
          for (const [packed, ref] of newRefs) {
            if (!extension.batches.get(plan.index)?.includes(packed)) continue;
            if (deduplicated ? ref.keyed === 0 : ref.keyed === packed.count) continue;
            unpackResolvedRows(packed, deduplicated, [], extension.shadowedNew.get(packed) ?? [], emit);
          }
        }
      }
      duplicatesResolved = extension.duplicates;
    }

    // Files read ahead are handed on here, on this thread, in input order.
    const workers = prescanned ? 0 : Math.min(options.workers ?? 0, pending.length);
    if (workers > 1) {
      const { runWorkerPool, NO_ORDER, PoolOrder } = await import('./pool.js');
      const jobs: PoolJob[] = pending.map((plan) => ({ path: plan.path, index: plan.index, start: plan.scan?.start }));
      // Handed on in input order, file by file, as on one thread: indexed rows, then the file's new batches.
      // Workers finish files in any order, and records without a key go straight to the reducers, whose
      // float sums of cost changed in the last digit with the order (about one run in three, on flat logs).
      // A file's batches that arrive before every earlier file is done wait here (with files of similar
      // size, about one file per worker; at worst, every file after a slow first one).
      // Batches that arrived ahead of their file's turn count against the workers' allowance until taken in.
      const order = new PoolOrder();
      const take = (index: number, packed: PackedRecords, settled: boolean, ahead: boolean): void => {
        if (!settled && countKeyedRows(packed) > 0) unsettledKeyed = true;
        unpackRecords(packed, index, accept, acceptPacked);
        if (settled) addSection(index, packed);
        if (ahead) order.tookAhead();
      };
      const read = new Map(
        pending.map((plan) => [plan.index, { batches: [] as Array<[PackedRecords, boolean, boolean]>, scan: undefined as FileScan | undefined }]),
      );
      let head = 0;
      let headOpened = false;
      const release = (): void => {
        for (; head < plans.length; head++, headOpened = false) {
          const plan = plans[head] as FilePlan;
          if (!headOpened) reusePlan(plan);
          headOpened = true;
          const waiting = read.get(plan.index);
          if (!waiting) continue;
          for (const [packed, settled, ahead] of waiting.batches.splice(0)) take(plan.index, packed, settled, ahead);
          if (!waiting.scan) break;
          finishFile(plan, waiting.scan);
        }
        order.setHead(plans[head]?.index ?? NO_ORDER - 1);
      };
      release();
      await runWorkerPool(jobs, workers, scanOptions, {
        onRecords(index, packed, settled, ahead) {
          if (plans[head]?.index === index) take(index, packed, settled, ahead);
          else read.get(index)?.batches.push([packed, settled, ahead]);
        },
        onFile(index, scan) {
          const waiting = read.get(index);
          if (waiting) waiting.scan = scan;
          release();
        },
      }, order);
      // Every job reports its file; one that did not would hold back every later file's records.
      if (head < plans.length) throw new Error(`a scanning thread never reported ${plans[head]?.path}`);
    } else {
      // On this thread, file by file in input order, a grown file's new lines
      // right after its indexed ones: records without a key are handed on in
      // the order a run without the index hands them on. (Reading every grown
      // file after all the indexed ones changed the order of additions, and a
      // sum of costs in its last digit.)
      const { scanSource } = pending.length > 0 ? await import('./scan.js') : { scanSource: undefined };
      let yieldedAt = Number.NEGATIVE_INFINITY;
      for (const plan of plans) {
        reusePlan(plan);
        if (!plan.scan || extension) continue;
        // Reading a file here runs to its end without the event loop turning (its chunks are read
        // synchronously), so timers and signals wait: before the first file and then every 20 ms,
        // let them run (a statusline's time limit, Ctrl-C).
        if (performance.now() - yieldedAt >= YIELD_INTERVAL_MS) {
          await letEventsRun();
          yieldedAt = performance.now();
        }
        // Packed as they come, for the index (see PackBuilder).
        const batch = new PackBuilder();
        const onScanned = (entry: ScannedRecord, settled: boolean): void => {
          accept({ record: entry.record, order: orderOf(plan.index, entry.line), dedupKey: entry.dedupKey });
          if (!settled && entry.dedupKey !== undefined) unsettledKeyed = true;
          if (!writer || !settled) return;
          batch.add(entry.record, entry.line, entry.dedupKey);
          if (batch.count >= SECTION_BATCH) addSection(plan.index, batch.finish());
        };
        const prior = prescanned?.get(plan.index);
        let scan: FileScan;
        if (prior) {
          for (const { entry, settled } of prior.entries) onScanned(entry, settled);
          scan = prior.scan;
        } else if (scanSource) {
          scan = await scanSource({ kind: 'file', path: plan.path }, scanOptions, onScanned, plan.scan?.start);
        } else {
          continue;
        }
        if (batch.count > 0) addSection(plan.index, batch.finish());
        finishFile(plan, scan);
      }
    }

    for (const { source, index } of streams) {
      const { scanSource } = await import('./scan.js');
      const scan = await scanSource(source, scanOptions, (entry) =>
        accept({ record: entry.record, order: orderOf(index, entry.line), dedupKey: entry.dedupKey }),
      );
      mergeScanTally(tally, scan.tally);
    }

    if (writer && indexOptions) {
      const entries: IndexEntry[] = [];
      for (const plan of plans) {
        const entry = newEntries.get(plan.index);
        if (entry) entries.push(entry);
      }
      // Keep what other runs indexed, unless its file is gone.
      const current = new Set(plans.map((plan) => plan.path));
      for (const [path, entry] of loaded?.entries ?? []) {
        if (current.has(path)) continue;
        if (gone.has(path)) {
          if (indexStats) indexStats.pruned++;
          continue;
        }
        if (!loaded) continue;
        // An extended index holds them where they were.
        if (extension) {
          entries.push(entry);
          continue;
        }
        const sections = entry.sections.map((section) => (writer as IndexWriter).appendSection(readSection(loaded as LoadedIndex, section)));
        entries.push({ ...entry, sections });
      }
      // Resolved only when this run's files are the index's first entries, in order.
      const archiveWinners = extension
        ? []
        : resolvable && !unsettledKeyed && archiveSignature !== undefined && plans.every((plan) => newEntries.has(plan.index))
          ? resolveShadowedRows(deduplicator, writtenKeyed, archivedRows)
          : undefined;
      const resolved: Resolution | undefined =
        archiveWinners && archiveSignature !== undefined
          ? { files: plans.length, duplicates: extension ? duplicatesResolved : deduplicator.duplicates, archive: archiveSignature, archiveWinners }
          : undefined;
      writer.finish(indexOptions.tool, entries, resolved);
    }
    // The index is an optimisation: the answer stands without it. (Silent when only the resolution was
    // to be written: the index itself is up to date, and an unwritable folder would warn on every run.)
    if (writer?.failure !== undefined && indexOptions && indexStale) {
      indexOptions.onWarning(`not updating the index in ${indexOptions.directory} (${writer.failure}); this run's answer is complete without it`);
    }
    if (writer) {
      writer = undefined;
    }
  } finally {
    writer?.abandon();
    if (loaded) closeIndex(loaded);
  }

  deduplicator.drain(emit);
  tally.duplicateLines += deduplicator.duplicates + duplicatesResolved;
  // Workers and the index deliver in any order; problems are listed in input order.
  const position = new Map(sources.map((source, index) => [source.kind === 'file' ? source.path : source.name, index]));
  tally.problems.sort((a, b) => (position.get(a.file) ?? 0) - (position.get(b.file) ?? 0) || a.line - b.line);
  // Likewise unreadable sources (a stable sort keeps one source's entries in the order they arose).
  tally.unreadable.sort((a, b) => (position.get(a.path) ?? 0) - (position.get(b.path) ?? 0));
  const limit = options.problemLimit ?? 100;
  if (tally.problems.length > limit) tally.problems.length = limit;
  countRun();
  return summarize(tally, records, recordsByDialect, indexStats);
}
