/**
 * Everything a command may know about the process, gathered once at the CLI
 * edge. Commands receive this instead of reaching for `process`, which keeps
 * them testable and keeps the core free of terminal concerns.
 */
import os from 'node:os';

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

export function createProcessContext(version: string): CliContext {
  return {
    stdout: wrap(process.stdout),
    stderr: wrap(process.stderr),
    // A getter: touching process.stdin sets up a stream (~5 ms), wasted unless `-` is read.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    home: process.env['HOME'] || os.homedir(),
    cwd: process.cwd(),
    now: new Date(),
    // A getter: asking Intl initialises ICU (~13 ms), needless when --tz or TZ names the zone.
    get systemTimeZone() {
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return zone && zone !== 'Etc/Unknown' ? zone : 'UTC';
    },
    cores: os.availableParallelism(),
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
