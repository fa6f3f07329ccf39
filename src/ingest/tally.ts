/**
 * Counts of what a scan read and why lines did not become records. Kept apart
 * from the scanner so that code handling counts (the index, the worker pool)
 * does not load the dialects and their schemas.
 */
import type { DialectName } from '../core/record.js';
import type { SkipReason } from '../dialects/types.js';

export interface LineProblem {
  file: string;
  line: number;
  reason: SkipReason;
  detail: string;
}

/** Counts for lines that did not become records, plus what was read. Mergeable by addition. */
export interface ScanTally {
  files: number;
  bytes: number;
  lines: number;
  skippedLines: number;
  skippedReasons: Partial<Record<SkipReason, number>>;
  skippedByDialect: Partial<Record<DialectName | 'unknown', number>>;
  noUsageLines: number;
  duplicateLines: number;
  partialLines: number;
  problems: LineProblem[];
  unreadable: Array<{ path: string; message: string }>;
}

export function createScanTally(): ScanTally {
  return {
    files: 0,
    bytes: 0,
    lines: 0,
    skippedLines: 0,
    skippedReasons: {},
    skippedByDialect: {},
    noUsageLines: 0,
    duplicateLines: 0,
    partialLines: 0,
    problems: [],
    unreadable: [],
  };
}

function addCounts<Key extends string>(into: Partial<Record<Key, number>>, from: Partial<Record<Key, number>>): void {
  for (const key of Object.keys(from) as Key[]) into[key] = (into[key] ?? 0) + (from[key] ?? 0);
}

export function mergeScanTally(into: ScanTally, from: ScanTally): void {
  into.files += from.files;
  into.bytes += from.bytes;
  into.lines += from.lines;
  into.skippedLines += from.skippedLines;
  addCounts(into.skippedReasons, from.skippedReasons);
  addCounts(into.skippedByDialect, from.skippedByDialect);
  into.noUsageLines += from.noUsageLines;
  into.duplicateLines += from.duplicateLines;
  into.partialLines += from.partialLines;
  // One push per item: spreading a long array into push() passes every item
  // as an argument and overflowed the stack at ~125,000 problems.
  for (const problem of from.problems) into.problems.push(problem);
  for (const entry of from.unreadable) into.unreadable.push(entry);
}

export function copyScanTally(tally: ScanTally): ScanTally {
  const copy = createScanTally();
  mergeScanTally(copy, tally);
  return copy;
}

