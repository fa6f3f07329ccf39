/**
 * Everything a command may know about the process, gathered once at the CLI
 * edge. Commands receive this instead of reaching for `process`, which keeps
 * them testable and keeps the core free of terminal concerns.
 */
import { fstatSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';

export interface Output {
  write(text: string): void;
  isTTY: boolean;
  columns: number;
  /**
   * Why writing failed, when it did: `EPIPE` (the reader went away, as with
   * `| head`) is not an error worth a word; anything else (a full disk) is.
   */
  readonly failure?: NodeJS.ErrnoException | undefined;
  /** Resolves once everything written so far has left the process (or failed to). */
  flush?(): Promise<void>;
}

export interface CliContext {
  stdout: Output;
  stderr: Output;
  stdin: AsyncIterable<Buffer | string>;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  cwd: string;
  now: Date;
  /** The system time zone, used when no --tz is given. */
  systemTimeZone: string;
  /** CPU cores available to this process. */
  cores: number;
  /** This program's version (names the index format too). */
  version: string;
  /** process.platform: where agents keep their data (macOS and Windows application folders). Linux when absent. */
  platform?: string;
}

/**
 * A process stream that never throws: once writing fails (EPIPE when the
 * reader is gone, ENOSPC on a full disk, a closed stderr), further writes are
 * dropped and the failure is kept for the exit code, so the run still ends
 * with its real verdict and never with an uncaught exception.
 */
function wrap(stream: NodeJS.WriteStream): Output {
  const fromEnvironment = Number(process.env['COLUMNS']);
  let failure: NodeJS.ErrnoException | undefined;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    failure ??= error;
  });
  return {
    write: (text) => {
      if (failure) return;
      try {
        stream.write(text);
      } catch (error) {
        failure ??= error as NodeJS.ErrnoException;
      }
    },
    get failure() {
      return failure;
    },
    flush: () =>
      new Promise((resolve) => {
        if (failure || stream.destroyed) {
          resolve();
          return;
        }
        // The callback runs after the data ahead of it is written, with the error if writing failed.
        stream.write('', (error) => {
          if (error) failure ??= error;
          resolve();
        });
      }),
    isTTY: Boolean(stream.isTTY),
    // Piped output has no width to fit: keep every column unless COLUMNS says otherwise.
    columns:
      stream.isTTY && stream.columns > 0
        ? stream.columns
        : Number.isInteger(fromEnvironment) && fromEnvironment > 0
          ? fromEnvironment
          : Number.POSITIVE_INFINITY,
  };
}

/**
 * Standard output or error when it is a pipe, a socket or a file: written
 * with writeSync straight to the descriptor, which is what Node's own stream
 * does for pipes and files on Linux (synchronously), without creating the
 * stream: process.stdout on a pipe loads net and the streams, some forty
 * modules, a fifth of a one-line report's start-up. A terminal, /dev/null or
 * anything else gets the stream, as does the rest of the output if the
 * descriptor is non-blocking and full (EAGAIN). A failed write is kept, as
 * `wrap` keeps it.
 */
function openOutput(descriptor: 1 | 2, openStream: () => NodeJS.WriteStream): Output {
  let direct = false;
  try {
    const stats = fstatSync(descriptor);
    direct = stats.isFIFO() || stats.isSocket() || stats.isFile();
  } catch {
    // Closed or unknown: the stream decides.
  }
  if (!direct) return wrap(openStream());
  const fromEnvironment = Number(process.env['COLUMNS']);
  let failure: NodeJS.ErrnoException | undefined;
  let stream: Output | undefined;
  return {
    write: (text) => {
      if (stream) return stream.write(text);
      if (failure) return;
      const bytes = Buffer.from(text);
      let written = 0;
      try {
        while (written < bytes.length) written += writeSync(descriptor, bytes, written);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
          failure ??= error as NodeJS.ErrnoException;
          return;
        }
        stream = wrap(openStream());
        // The bytes not yet written, as bytes: a character may have been cut in two.
        (stream.write as unknown as (chunk: Uint8Array) => void)(bytes.subarray(written));
      }
    },
    get failure() {
      return stream ? stream.failure : failure;
    },
    flush: () => stream?.flush?.() ?? Promise.resolve(),
    isTTY: false,
    columns: Number.isInteger(fromEnvironment) && fromEnvironment > 0 ? fromEnvironment : Number.POSITIVE_INFINITY,
  };
}

/** The version written into the bundle at build time (scripts/bundle.mjs); absent when running from dist/ (tests). */
declare const USAGE_BUILD_VERSION: string | undefined;

/** This program's version: from the bundle, or else from package.json (a run from dist/). */
export function readVersion(): string {
  if (typeof USAGE_BUILD_VERSION === 'string') return USAGE_BUILD_VERSION;
  const raw = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(raw) as { version: string }).version;
}

export function createProcessContext(version: string): CliContext {
  return {
    stdout: openOutput(1, () => process.stdout),
    stderr: openOutput(2, () => process.stderr),
    // A getter: touching process.stdin sets up a stream (~5 ms), wasted unless `-` is read.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    home: process.env['HOME'] || homedir(),
    cwd: process.cwd(),
    now: new Date(),
    // A getter: asking Intl initialises ICU (13 to 50 ms), needless when --tz or TZ names the zone,
    // and when /etc/localtime, where ICU itself looks, links to UTC (servers, CI, containers).
    get systemTimeZone() {
      if (readLocaltimeLink() === 'UTC') return 'UTC';
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return zone && zone !== 'Etc/Unknown' ? zone : 'UTC';
    },
    // A getter: only a large input asks (how many worker threads to start), and node:os loads on first call in the bundle.
    get cores() {
      return availableParallelism();
    },
    version,
    platform: process.platform,
  };
}

/**
 * Colour only on a terminal and never when NO_COLOR is set (any non-empty
 * value, per no-color.org); FORCE_COLOR turns it on for piped output.
 */
export function shouldUseColor(output: Output, env: CliContext['env'], flag?: boolean): boolean {
  if (flag === false) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (flag === true) return true;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  return output.isTTY && env['TERM'] !== 'dumb';
}

/** The zone /etc/localtime links to, as 'UTC' for every name of UTC; undefined when it is no link (then Intl decides). */
function readLocaltimeLink(): string | undefined {
  try {
    const target = readlinkSync('/etc/localtime');
    const zone = target.slice(target.lastIndexOf('zoneinfo/') + 'zoneinfo/'.length);
    return target.includes('zoneinfo/') && /^(?:Etc\/)?(?:UTC|UCT|Universal|Zulu)$/.test(zone) ? 'UTC' : zone;
  } catch {
    return undefined;
  }
}
