/**
 * `usage statusline`: one short line for Claude Code's status bar, read from
 * the JSON Claude Code writes on stdin. Warm path (a fresh cached answer):
 * stdin, one stat, one small file read, no scan, and only node:fs and
 * node:path loaded. Stale: one process scans under a lock while any other
 * prints the last answer; a scan that outlasts the time limit gives way to
 * the last known line. The caller ends the process when this returns, so a
 * scan cut short never keeps it alive (bin/usage.js).
 */
import { join, resolve } from 'node:path';
import type { CliContext } from '../cli/context.js';
import { formatStatusline, readStatuslineInput, type StatuslineAnswer } from './answer.js';
import { acquireLock, hashText, isFresh, readCachedAnswer, readTranscriptStamp, statuslineFolder, writeCachedAnswer } from './cache.js';

export interface StatuslineOptions {
  tz?: string | undefined;
  config?: string | undefined;
  cacheDir?: string | undefined;
  cache?: boolean | undefined;
  /** Seconds a cached answer stays fresh while the transcript is unchanged. */
  maxAge?: number | undefined;
  /** Milliseconds a scan may take before the last known line is printed instead. */
  timeLimit?: number | undefined;
}

export const DEFAULT_MAX_AGE_SECONDS = 30;
export const DEFAULT_TIME_LIMIT_MS = 3000;
/** A lock older than this is abandoned, whatever its pid says (pids are reused). */
export const LOCK_STALE_MS = 30_000;
const MAX_INPUT_BYTES = 1 << 20;

/** The line printed when there is no answer yet and none can be computed now. */
export const PENDING_LINE = 'usage: reading logs…';

/**
 * The cache folder: --cache-dir, else $XDG_CACHE_HOME/usage, else
 * ~/.cache/usage. The same rule as resolveIndexDirectory (src/cli/inputs.ts),
 * restated here because importing that module costs the warm path its budget;
 * test/statusline.test.ts checks the two agree.
 */
export function resolveCacheFolder(flags: Pick<StatuslineOptions, 'cacheDir'>, context: Pick<CliContext, 'cwd' | 'env' | 'home'>): string {
  if (flags.cacheDir) return resolve(context.cwd, flags.cacheDir);
  return join(context.env['XDG_CACHE_HOME'] || join(context.home, '.cache'), 'usage');
}

/** Reads stdin up to 1 MiB, giving up after `timeLimitMs` (Claude Code closes it at once; a terminal never does). */
export async function readInputText(stdin: AsyncIterable<Buffer | string> & { isTTY?: boolean }, timeLimitMs: number): Promise<string> {
  if (stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const reading = (async () => {
    for await (const chunk of stdin) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buffer);
      size += buffer.length;
      if (size > MAX_INPUT_BYTES) break;
    }
  })();
  const timeout = new Promise<void>((done) => {
    timer = setTimeout(done, timeLimitMs);
  });
  await Promise.race([reading, timeout]);
  clearTimeout(timer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface StatuslineResult {
  line: string;
  /** How the line was made: from a fresh cache, by a scan, or the last answer because the lock was taken or time ran out. */
  via: 'cache' | 'scan' | 'locked' | 'timeout';
}

export async function runStatuslineCore(paths: readonly string[], flags: StatuslineOptions, context: CliContext, inputText: string): Promise<StatuslineResult> {
  const input = readStatuslineInput(inputText);
  const now = context.now.getTime();
  const folder = statuslineFolder(resolveCacheFolder(flags, context));
  const key = hashText(JSON.stringify([input.sessionId, input.transcriptPath, flags.tz ?? context.env['TZ'] ?? null, paths, flags.config ?? null]));
  const file = join(folder, `${key}.json`);
  const cached = readCachedAnswer(file);
  const stamp = readTranscriptStamp(input.transcriptPath);
  const last = (): string => (cached === null ? PENDING_LINE : formatStatusline(cached.answer, now, input.model));
  if (cached !== null && isFresh(cached, stamp, now, (flags.maxAge ?? DEFAULT_MAX_AGE_SECONDS) * 1000)) {
    return { line: last(), via: 'cache' };
  }
  const lock = acquireLock(folder, now, LOCK_STALE_MS);
  if (lock === null) return { line: last(), via: 'locked' };
  let timer: NodeJS.Timeout | undefined;
  try {
    const { computeStatuslineAnswer } = await import('./compute.js');
    const scan = computeStatuslineAnswer(paths, flags, context, input.sessionId).then((answer): StatuslineAnswer => {
      writeCachedAnswer(file, { answer, transcript: stamp });
      return answer;
    });
    const timeout = new Promise<null>((done) => {
      timer = setTimeout(() => done(null), flags.timeLimit ?? DEFAULT_TIME_LIMIT_MS);
    });
    const answer = await Promise.race([scan, timeout]);
    if (answer === null) {
      // The scan goes on only until the caller ends the process; its failure then is nobody's business.
      scan.catch(() => undefined);
      return { line: last(), via: 'timeout' };
    }
    return { line: formatStatusline(answer, now, input.model), via: 'scan' };
  } finally {
    clearTimeout(timer);
    lock.release();
  }
}

/** The line to print, whatever happens: Claude Code blanks the status bar on an error exit, so a problem is said in the line itself. */
export async function runStatuslineLine(paths: readonly string[], options: StatuslineOptions, context: CliContext, inputText: string): Promise<string> {
  try {
    return (await runStatuslineCore(paths, options, context, inputText)).line;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    return `usage: ${message.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, 100)}`;
  }
}

/** The fast path's whole run: stdin in, one line out; always exit 0. */
export async function runStatusline(paths: readonly string[], options: StatuslineOptions, context: CliContext): Promise<number> {
  const text = await readInputText(context.stdin as AsyncIterable<Buffer | string> & { isTTY?: boolean }, 1000);
  context.stdout.write(`${await runStatuslineLine(paths, options, context, text)}\n`);
  return 0;
}

const VALUE_FLAGS: Record<string, 'cacheDir' | 'tz' | 'config' | 'maxAge' | 'timeLimit'> = {
  '--cache-dir': 'cacheDir',
  '--tz': 'tz',
  '--config': 'config',
  '--max-age': 'maxAge',
  '--time-limit': 'timeLimit',
};

/**
 * The statusline's flags without commander (which costs the warm path ~10 ms).
 * Returns null for anything it does not know (--help included): the caller
 * then hands the arguments to the full CLI, which explains them.
 */
export function parseStatuslineArguments(argv: readonly string[]): { paths: string[]; flags: StatuslineOptions } | null {
  const paths: string[] = [];
  const flags: StatuslineOptions = {};
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '-q' || argument === '--quiet') continue;
    if (argument === '--no-cache') {
      flags.cache = false;
      continue;
    }
    const [name, inline] = argument.startsWith('--') && argument.includes('=') ? [argument.slice(0, argument.indexOf('=')), argument.slice(argument.indexOf('=') + 1)] : [argument, undefined];
    const key = VALUE_FLAGS[name];
    if (key !== undefined) {
      const value = inline ?? argv[++index];
      if (value === undefined || value.trim() === '') return null;
      if (key === 'maxAge' || key === 'timeLimit') {
        // Plain non-negative decimals only; anything else goes to the full CLI, which names the flag.
        if (!/^\d+(?:\.\d+)?$/.test(value.trim())) return null;
        flags[key] = Number(value.trim());
      } else {
        flags[key] = value;
      }
      continue;
    }
    if (argument.startsWith('-') && argument !== '-') return null;
    paths.push(argument);
  }
  return { paths, flags };
}
