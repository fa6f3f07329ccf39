/**
 * Results kept for identical runs. A report over logs nobody has touched,
 * with the same flags on the same day, prints the same bytes: running the
 * index over 1 GB of unchanged Claude logs still unpacked, priced and reduced
 * 210,387 records (0.8–1.1 s of CPU) to print what the previous run printed.
 * So a command that declares itself repeatable (CommandSpec.repeatable) keeps
 * what it printed (stdout, the runner's stderr lines, the exit code) in the
 * index folder, under a digest of everything the output is a function of:
 *
 * - the program (its version and its file's identity) and Node's versions
 *   (ICU's time-zone rules decide days), the command, the working directory,
 *   the arguments, every resolved option and the config file;
 * - the whole environment (less the few variables a shell changes on every
 *   command), and whether stdout and stderr are terminals and how wide;
 * - the zone and today's date in it (relative dates, trends and streaks
 *   depend on the day, never on the hour: repeatable commands are those),
 *   and the notes on which default locations exist;
 * - the price data: the built-in snapshot's name and the override file's
 *   identity;
 * - every input file's identity: path, device, inode, size, mtime, ctime;
 * - the identity of the index and of the archive in the folder as the run
 *   leaves them (the archive adds records of logs that are gone; the index
 *   turns files into records), each the one the run read or wrote.
 *
 * A result is only kept when that identity can be trusted: every input is a
 * regular file of a kind that is one file (no stdin, no named pipe, no
 * database with a write-ahead log beside it, by name or by --format), none
 * changed in the last RACY_MARGIN_MS before the run started (a write within
 * a coarse timestamp's tick would leave mtime and ctime as they were), every
 * input could be read, and the index and archive had no warning (runner.ts
 * checks the last two). Anything not kept is recomputed, the ordinary way.
 * Like the index, this is never needed for correctness, and a folder that
 * cannot be read or written is no failure.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARCHIVE_FILE_NAME, DAMAGED_SUFFIX } from './archive.js';
import type { FileIdentity } from './fingerprint.js';
import { INDEX_FILE_NAME } from './index-file.js';
import { wasWrittenHere } from './written-files.js';
import { createFolder } from './folders.js';

/** Bumped whenever the key's parts or the file's shape change. */
const RESULT_CACHE_VERSION = 1;
export const RESULTS_DIRECTORY = 'results-v1';
/** How many results are kept (the most recently written win): one per command and flag set a person or a statusline repeats. */
const KEPT_RESULTS = 32;
/** Output larger than this is not kept: it is cheap to recompute relative to its size, and would fill the folder. */
const LARGEST_KEPT_OUTPUT = 4 << 20;
/**
 * Files written this close to the start of the run are not trusted: FAT
 * keeps mtime in 2-second steps, and a write inside one step would leave a
 * file's times as they were.
 */
export const RACY_MARGIN_MS = 2000;
/** The files in the index folder whose contents feed a run. */
const STORE_FILE_NAMES = [INDEX_FILE_NAME, ARCHIVE_FILE_NAME] as const;
/** Set by the shell on every command or directory change; they change no output. */
const VOLATILE_VARIABLES = new Set(['_', 'OLDPWD', 'PWD', 'SHLVL']);

export interface KeptResult {
  stdout: string;
  /** The runner's stderr lines (notes and warnings of the answer), in order. */
  stderr: string[];
  exitCode: number;
}

/** A file that is an input of the run, with the identity discovery saw before anything was read. */
export interface InputFile {
  path: string;
  identity: FileIdentity | undefined;
  /** False for inputs whose state lives in more than one file (SQLite with its write-ahead log). */
  singleFile: boolean;
}

export interface ResultKeyParts {
  tool: string;
  command: string;
  cwd: string;
  args: readonly string[];
  options: unknown;
  config: unknown;
  env: Readonly<Record<string, string | undefined>>;
  terminals: { stdout: { isTTY: boolean; columns: number }; stderr: { isTTY: boolean; columns: number } };
  zone: string;
  today: string;
  /** What resolving the inputs has to say (which default locations exist): part of the output, and not a function of the files read. */
  notes: readonly string[];
  /** The built-in snapshot's name, and the override file's absolute path. */
  prices: { builtIn: string; overrideFile: string | null };
  inputs: readonly InputFile[];
  /** Streams (stdin) among the inputs: their bytes have no identity. */
  streams: number;
  /** When the run started (ms since the epoch). */
  startedAt: number;
}

/**
 * One run's place in the cache: `lookup` before the run, `keep` after it.
 * Undefined (from openResultCache) when the run's identity cannot be trusted.
 */
export interface ResultCacheSlot {
  lookup(): KeptResult | undefined;
  keep(result: KeptResult): void;
}

interface FileState {
  /** The identity as text, 'none' when there is no such file. */
  text: string;
  dev?: number | undefined;
  ino?: number | undefined;
  /** When it last changed (mtime or ctime, the later); absent when there is no such file. */
  changedAt?: number | undefined;
}

/** A file's identity: device, inode, size, mtime, ctime, and whether it is a regular file. */
function describeFile(path: string): FileState {
  const info = statSync(path, { throwIfNoEntry: false });
  if (!info) return { text: 'none' };
  return {
    text: `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.isFile() ? 'f' : 'o'}`,
    dev: info.dev,
    ino: info.ino,
    changedAt: Math.max(info.mtimeMs, info.ctimeMs),
  };
}

/** Changed too recently to be trusted (see RACY_MARGIN_MS). */
const isRacy = (changedAt: number, startedAt: number): boolean => changedAt >= startedAt - RACY_MARGIN_MS;

/** JSON with sorted object keys and sets as sorted arrays, so equal options always give equal text. */
function writeCanonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Set) return [...item].map(String).sort();
    if (item instanceof Map) return [...item.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));
    if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
      return sorted;
    }
    if (typeof item === 'number' && !Number.isFinite(item)) return String(item);
    if (typeof item === 'function' || typeof item === 'symbol') return undefined;
    return item;
  });
}

/**
 * The cache slot of a run whose inputs are known, in `directory` (the index
 * folder); undefined when the run must not be kept or served (see the top
 * of this file for when), or when the folder cannot be looked at: the run
 * is then computed as if there were no cache, never failed by it.
 */
export function openResultCache(directory: string, parts: ResultKeyParts): ResultCacheSlot | undefined {
  try {
    return openSlot(directory, parts);
  } catch {
    return undefined;
  }
}

function openSlot(directory: string, parts: ResultKeyParts): ResultCacheSlot | undefined {
  if (parts.streams > 0) return undefined;
  const inputLines: string[] = [];
  for (const input of parts.inputs) {
    const identity = input.identity;
    if (!input.singleFile || identity === undefined) return undefined;
    if (isRacy(Math.max(identity.mtimeMs, identity.ctimeMs), parts.startedAt)) return undefined;
    inputLines.push(`${identity.dev}:${identity.ino}:${identity.size}:${identity.mtimeMs}:${identity.ctimeMs}:${input.path}`);
  }
  let prices = parts.prices.builtIn;
  if (parts.prices.overrideFile !== null) {
    const file = describeFile(parts.prices.overrideFile);
    if (file.changedAt !== undefined && isRacy(file.changedAt, parts.startedAt)) return undefined;
    prices += ` ${parts.prices.overrideFile} ${file.text}`;
  }
  // An archive set aside as damaged is warned about on every run (its records are not counted): never replayed silently.
  if (readdirSync(directory).some((name) => name.startsWith(`${ARCHIVE_FILE_NAME}${DAMAGED_SUFFIX}`))) return undefined;
  const environment = Object.entries(parts.env)
    .filter(([name, value]) => value !== undefined && !VOLATILE_VARIABLES.has(name))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const base = writeCanonical({
    version: RESULT_CACHE_VERSION,
    tool: parts.tool,
    // The file this code runs from (the bundle, once built): a rebuilt program with the same version number may print differently.
    program: describeFile(fileURLToPath(import.meta.url)).text,
    // Node, and with it ICU and its time-zone rules, which decide what day an instant falls on.
    runtime: process.versions,
    command: parts.command,
    cwd: parts.cwd,
    args: parts.args,
    options: parts.options,
    config: parts.config,
    environment,
    terminals: parts.terminals,
    zone: parts.zone,
    today: parts.today,
    notes: parts.notes,
    prices,
  });
  const resultPath = (store: readonly FileState[]): string => {
    const hash = createHash('sha256');
    hash.update(base);
    hash.update('\n');
    for (const line of inputLines) hash.update(`${line}\n`);
    for (const [at, file] of store.entries()) hash.update(`${STORE_FILE_NAMES[at]} ${file.text}\n`);
    return join(directory, RESULTS_DIRECTORY, `${hash.digest('hex')}.json`);
  };
  const before = readStore(directory);
  return {
    lookup: () => readKeptResult(resultPath(before)),
    keep: (result) => {
      if (result.stdout.length > LARGEST_KEPT_OUTPUT) return;
      let after: FileState[];
      try {
        after = readStore(directory);
      } catch {
        return;
      }
      // Kept under the index and archive this run leaves, which a later run will read, but only when each is the
      // one it read or the one it wrote: another run may have replaced one meanwhile, after this run read it.
      const explained = after.every(
        (file, at) => file.text === before[at]?.text || (file.dev !== undefined && file.ino !== undefined && wasWrittenHere(file.dev, file.ino)),
      );
      if (explained) writeKeptResult(resultPath(after), result);
    },
  };
}

/**
 * The identity of the index and the archive: they are inputs of a run (the
 * archive adds records of logs that are gone; the index turns files into
 * records). Each rewrite renames a new file (a new inode) into place.
 */
function readStore(directory: string): FileState[] {
  return STORE_FILE_NAMES.map((name) => describeFile(join(directory, name)));
}

function isKeptResult(value: unknown): value is KeptResult & { version: number } {
  if (typeof value !== 'object' || value === null) return false;
  const { version, stdout, stderr, exitCode } = value as Record<string, unknown>;
  return (
    version === RESULT_CACHE_VERSION &&
    typeof stdout === 'string' &&
    Array.isArray(stderr) &&
    stderr.every((line) => typeof line === 'string') &&
    Number.isInteger(exitCode)
  );
}

/** The kept result, or undefined when there is none or it does not check out (then the run recomputes it and writes it again). */
function readKeptResult(path: string): KeptResult | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // None yet, or a directory or something unreadable in its place.
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!isKeptResult(value)) return undefined;
    return { stdout: value.stdout, stderr: value.stderr, exitCode: value.exitCode };
  } catch {
    return undefined;
  }
}

/**
 * Writes a result next to its final name and renames it into place (a reader
 * sees all of it or none), then removes the oldest results past KEPT_RESULTS.
 * Never throws: a folder that cannot be written only means the next run
 * recomputes.
 */
function writeKeptResult(path: string, result: KeptResult): void {
  const folder = dirname(path);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    // Private like the index folder: results hold the same figures.
    createFolder(folder, 0o700);
    const descriptor = openSync(temporary, 'w', 0o600);
    try {
      const bytes = Buffer.from(JSON.stringify({ version: RESULT_CACHE_VERSION, ...result }));
      let written = 0;
      while (written < bytes.length) written += writeSync(descriptor, bytes, written);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, path);
    pruneKeptResults(folder, path);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // Never written.
    }
  }
}

/** Keeps the KEPT_RESULTS most recently written results (`written`, just now, always); temporary files of runs that died are removed too. */
function pruneKeptResults(folder: string, written: string): void {
  const entries: Array<{ path: string; time: number }> = [];
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) continue;
    if (name.endsWith('.tmp')) {
      try {
        if (Date.now() - info.mtimeMs > 60 * 60 * 1000) unlinkSync(path);
      } catch {
        // Renamed or removed by its run meanwhile.
      }
      continue;
    }
    if (name.endsWith('.json') && path !== written) entries.push({ path, time: info.mtimeMs });
  }
  if (entries.length < KEPT_RESULTS) return;
  entries.sort((a, b) => b.time - a.time || (basename(a.path) < basename(b.path) ? -1 : 1));
  for (const entry of entries.slice(KEPT_RESULTS - 1)) {
    try {
      unlinkSync(entry.path);
    } catch {
      // Removed by another run meanwhile.
    }
  }
}

/** Deletes every kept result (for `usage cache clear`); returns how many there were. */
export function clearKeptResults(directory: string): number {
  const folder = join(directory, RESULTS_DIRECTORY);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return 0;
  }
  rmSync(folder, { recursive: true, force: true });
  return names.filter((name) => name.endsWith('.json')).length;
}
