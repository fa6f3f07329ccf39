/**
 * What `usage archive` prints and does (src/commands/archive.ts): a summary
 * of the archive, one line per archived file, and pruning by date.
 */
import { DataError } from '../core/errors.js';
import { formatInteger, sanitizeText } from '../renderers/format.js';
import { type CalendarDate, formatCalendarDate } from '../time/zone.js';
import {
  ARCHIVE_VERSION,
  ArchiveCorruptError,
  type ArchiveSegment,
  ArchiveUnavailableError,
  archivePath,
  listSetAside,
  pruneArchive,
  readArchive,
  writeArchive,
} from './archive.js';

const day = (instant: number | null): string => (instant === null ? '-' : new Date(instant).toISOString().slice(0, 10));

function readOrExplain(directory: string): ReturnType<typeof readArchive> {
  try {
    return readArchive(directory);
  } catch (error) {
    if (error instanceof ArchiveCorruptError) {
      throw new DataError(`The archive ${archivePath(directory)} is damaged (${error.message}); the next report moves it aside and warns.`);
    }
    if (error instanceof ArchiveUnavailableError) throw new DataError(`${error.message}.`);
    throw error;
  }
}

interface FileLine {
  path: string;
  records: number;
  first: number | null;
  last: number | null;
  reasons: Set<string>;
}

function summarizeFiles(segments: readonly ArchiveSegment[]): FileLine[] {
  const byPath = new Map<string, FileLine>();
  for (const segment of segments) {
    const line = byPath.get(segment.path) ?? { path: segment.path, records: 0, first: null, last: null, reasons: new Set<string>() };
    line.records += segment.records;
    if (segment.first !== null) line.first = line.first === null ? segment.first : Math.min(line.first, segment.first);
    if (segment.last !== null) line.last = line.last === null ? segment.last : Math.max(line.last, segment.last);
    line.reasons.add(segment.reason);
    byPath.set(segment.path, line);
  }
  return [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The archive's summary as text for stdout, and warnings about damaged copies set aside. */
export function describeArchive(directory: string): { text: string; warnings: string[] } {
  const warnings = listSetAside(directory).map(
    (path) => `warning: a damaged archive was set aside as ${sanitizeText(path)}; its records are not counted (restore it from a backup, or delete it)`,
  );
  const archive = readOrExplain(directory);
  if (!archive || archive.segments.length === 0) {
    return { text: `No archived records in ${sanitizeText(directory)}.\n`, warnings };
  }
  const files = summarizeFiles(archive.segments);
  let records = 0;
  let first: number | null = null;
  let last: number | null = null;
  for (const file of files) {
    records += file.records;
    if (file.first !== null) first = first === null ? file.first : Math.min(first, file.first);
    if (file.last !== null) last = last === null ? file.last : Math.max(last, file.last);
  }
  const lines = [
    `Archive  ${sanitizeText(archivePath(directory))} (format ${ARCHIVE_VERSION})`,
    `Size     ${formatInteger(archive.bytes)} bytes`,
    `Files    ${formatInteger(files.length)}`,
    `Records  ${formatInteger(records)}`,
    `Dates    ${day(first)} to ${day(last)} (UTC)`,
    '',
    `${'records'.padStart(9)}  ${'first'.padEnd(10)}  ${'last'.padEnd(10)}  ${'why'.padEnd(16)}  file`,
    ...files.map(
      (file) =>
        `${formatInteger(file.records).padStart(9)}  ${day(file.first).padEnd(10)}  ${day(file.last).padEnd(10)}  ${[...file.reasons].sort().join(',').padEnd(16)}  ${sanitizeText(file.path)}`,
    ),
  ];
  return { text: `${lines.join('\n')}\n`, warnings };
}

/** Drops archived records dated before `before` (epoch ms, the start of `date` in UTC); a note for stderr. */
export function pruneArchiveBefore(directory: string, before: number, date: CalendarDate): string {
  const archive = readOrExplain(directory);
  if (!archive) return `No archive to prune in ${directory}.`;
  const { archive: pruned, removed } = pruneArchive(archive, before);
  if (removed === 0) return `No archived record is dated before ${formatCalendarDate(date)}.`;
  try {
    writeArchive(directory, pruned);
  } catch (error) {
    throw new DataError(`Could not rewrite the archive in ${directory} (${(error as Error).message}); it is unchanged.`);
  }
  return `Removed ${formatInteger(removed)} archived record${removed === 1 ? '' : 's'} dated before ${formatCalendarDate(date)}.`;
}
