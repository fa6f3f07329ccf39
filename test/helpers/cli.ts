/**
 * Runs `usage` hermetically: HOME, the XDG folders, CLAUDE_CONFIG_DIR and
 * CODEX_HOME point into a fresh temporary folder, TZ is pinned, and colour is
 * off unless a test asks for it.
 *
 * `runCli` calls `main(argv, context)` in this process with a fake context
 * that captures stdout and stderr: fast, and what most CLI tests use.
 * `runUsage` spawns the real binary (dist/), for what only a process shows:
 * exit codes under EPIPE, TTYs, signals, worker threads.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hermeticEnvironment, prepareHome } from '../../scripts/hermetic-env.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'usage.js');
export const FIXTURES = join(ROOT, 'fixtures');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  home?: string;
  cwd?: string;
  /** The clock of an in-process run (runCli only); the real time when absent. */
  now?: Date;
}

/** A fresh, empty home with the XDG folders inside it. */
export function createHome(): string {
  return prepareHome(mkdtempSync(join(tmpdir(), 'usage-home-')));
}

export function hermeticEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return hermeticEnvironment(home, extra);
}

export function runUsage(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const home = options.home ?? createHome();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? home,
      env: hermeticEnv(home, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The in-process twin of runUsage: same hermetic environment, same result shape. */
export async function runCli(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const home = options.home ?? createHome();
  const env = hermeticEnv(home, options.env);
  const { main } = await import('../../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const columns = Number(env['COLUMNS']);
  const width = Number.isInteger(columns) && columns > 0 ? columns : Number.POSITIVE_INFINITY;
  const input = options.input ?? '';
  const code = await main(args, {
    stdout: {
      write: (text) => {
        stdout += text;
      },
      isTTY: false,
      columns: width,
    },
    stderr: {
      write: (text) => {
        stderr += text;
      },
      isTTY: false,
      columns: width,
    },
    stdin: Readable.from(input.length > 0 ? [typeof input === 'string' ? Buffer.from(input) : input] : []),
    env,
    home,
    cwd: options.cwd ?? home,
    now: options.now ?? new Date(),
    systemTimeZone: 'UTC',
    cores: 2,
    version: VERSION,
  });
  return { code, stdout, stderr };
}
