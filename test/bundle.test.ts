/**
 * The start-up build (scripts/bundle.mjs, bin/usage.js): the code caches
 * beside dist/bundle/usage.cjs and worker-body.cjs must be ones V8 accepts
 * as bin/usage.js and worker.js run, or every run (every worker) silently
 * compiles the whole bundle again; and the binary's shortcuts
 * for standard streams (a file or /dev/null read at once, output written to
 * the descriptor) must print what the streams would.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, createHome, hermeticEnv, ROOT } from './helpers/cli.js';

const BUNDLE = join(ROOT, 'dist', 'bundle');

describe('the bundle', () => {
  const home = createHome();
  const env = hermeticEnv(home);
  const logs = join(home, 'cache-logs');
  mkdirSync(logs);
  // Two files, so that USAGE_WORKERS=2 starts two worker threads.
  for (const name of ['a.jsonl', 'b.jsonl']) writeFileSync(join(logs, name), `${JSON.stringify(assistantLine(name))}\n`);
  /** Runs bin/usage.js as scripts/code-cache.mjs does, asking for the cache `variable` names to be written; returns that file's path and the run. */
  const runKeepingCache = (args: string[], variable: string, extra: Record<string, string> = {}) => {
    const target = join(home, `${variable}-${args[0]}.cache`);
    rmSync(target, { force: true });
    const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...env, ...extra, [variable]: target }, cwd: home, encoding: 'utf8' });
    return { target, result };
  };

  // Through bin/usage.js and worker.js themselves: a V8 flag set there makes V8 refuse a cache made without it.
  it('has code caches that V8 accepts as bin/usage.js and the worker load them', () => {
    for (const [cache, args] of [
      ['report.cache', ['report', '--json', '-q', '--no-cache', logs]],
      ['usage.cache', ['sessions', '--json', '-q', '--no-cache', logs]],
      ['statusline.cache', ['statusline', logs]],
    ] as const) {
      expect(existsSync(join(BUNDLE, cache)), cache).toBe(true);
      const { target, result } = runKeepingCache([...args], 'USAGE_CODE_CACHE_OUT', { USAGE_WORKERS: '0' });
      expect(result.stderr).not.toMatch(/refused/);
      expect(result.status).toBe(0);
      // Written only when the cache given was accepted.
      expect(existsSync(target), `usage ${args[0]}: ${result.stderr}`).toBe(true);
    }
    expect(existsSync(join(BUNDLE, 'worker.cache'))).toBe(true);
    const { target, result } = runKeepingCache(['report', '--json', '-q', '--no-cache', logs], 'USAGE_WORKER_CODE_CACHE_OUT', { USAGE_WORKERS: '2' });
    expect(result.stderr).not.toMatch(/refused/);
    expect(result.status).toBe(0);
    // 2 files of one call each: 2 × (3 + 10 + 20 + 5) = 76 tokens, read by the workers.
    expect(JSON.parse(result.stdout).totals.total_tokens).toBe(76);
    expect(existsSync(target), result.stderr).toBe(true);
  });

  it('is ASCII, as bin/usage.js and worker.js read it (latin1)', () => {
    for (const name of ['usage.cjs', 'report.cjs', 'statusline.cjs', 'worker-body.cjs']) {
      const text = readFileSync(join(BUNDLE, name), 'utf8');
      expect(text.length, name).toBeGreaterThan(0);
      expect(/[^\0-\x7f]/.test(text), name).toBe(false);
    }
  });
});

describe('the binary and its standard streams', () => {
  const home = createHome();
  const env = hermeticEnv(home);
  const logs = join(home, 'logs');
  mkdirSync(logs);
  // One Claude call: 3 + 10 + 20 + 5 = 38 tokens.
  writeFileSync(join(logs, 'session.jsonl'), `${JSON.stringify(assistantLine('tiny'))}\n`);
  const run = (args: string[], stdin: 'pipe' | 'ignore' | number, input?: string) =>
    spawnSync(process.execPath, [BIN, ...args], { env, cwd: home, encoding: 'utf8', stdio: [stdin, 'pipe', 'pipe'], ...(input === undefined ? {} : { input }) });

  it('writes a report to a pipe and to a file alike', () => {
    const piped = run(['report', '--json', '-q', '--no-cache', logs], 'ignore');
    expect(piped.status).toBe(0);
    expect(JSON.parse(piped.stdout).totals.total_tokens).toBe(38);
    const file = join(home, 'report.json');
    const descriptor = openSync(file, 'w');
    try {
      const result = spawnSync(process.execPath, [BIN, 'report', '--json', '-q', '--no-cache', logs], { env, cwd: home, stdio: ['ignore', descriptor, 'pipe'] });
      expect(result.status).toBe(0);
    } finally {
      closeSync(descriptor);
    }
    expect(readFileSync(file, 'utf8')).toBe(piped.stdout);
  });

  it('serves report, daily, weekly, monthly and cost from report.cjs, which holds no other command', () => {
    const source = readFileSync(join(BUNDLE, 'report.cjs'), 'utf8');
    expect(source).toContain('usage sessions is not in the report bundle');
    expect(source).not.toContain('usage report is not in the report bundle');
    // Help for a command of the report bundle comes from it, as from the full CLI.
    const help = run(['daily', '--help'], 'ignore');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: usage daily \[options\]/);
  });

  it('hands the statusline over to the full CLI (its own bundle has no commander) for --help and a flag it does not take', () => {
    const help = run(['statusline', '--help'], 'ignore');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: usage statusline \[options\] \[paths\.\.\.\]/);
    const unknown = run(['statusline', '--bogus', logs], 'ignore');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('error: usage statusline does not take --bogus');
  });

  it('prints the same statusline whether stdin is a pipe, a file or /dev/null', () => {
    const input = JSON.stringify({ session_id: 'tiny-session' });
    const viaPipe = run(['statusline', logs], 'pipe', input);
    expect(viaPipe.status).toBe(0);
    // The session named on stdin is found in the logs: its cost (38 tokens, $0.000128, shown as $0.00), not "?", shows the input was read.
    expect(viaPipe.stdout).toMatch(/^session \$0\.00 \| today /);
    const file = join(home, 'input.json');
    writeFileSync(file, input);
    const descriptor = openSync(file, 'r');
    try {
      const viaFile = run(['statusline', logs], descriptor);
      expect(viaFile.stdout).toBe(viaPipe.stdout);
    } finally {
      closeSync(descriptor);
    }
    if (existsSync('/dev/null')) {
      // No session named: the session figure is unknown.
      const viaNull = run(['statusline', logs], 'ignore');
      expect(viaNull.status).toBe(0);
      expect(viaNull.stdout).toMatch(/^session \$\? \| today /);
    }
  });
});

/** A Claude assistant line of 3 + 10 + 20 + 5 = 38 tokens, its ids made from `name`. */
function assistantLine(name: string) {
  return {
    type: 'assistant',
    timestamp: '2025-06-01T10:00:05.000Z',
    sessionId: `${name}-session`,
    requestId: `req_${name}`,
    cwd: '/home/dev/tiny',
    message: {
      id: `msg_${name}`,
      model: 'claude-sonnet-4-5-20250929',
      usage: { input_tokens: 3, cache_creation_input_tokens: 10, cache_read_input_tokens: 20, output_tokens: 5 },
    },
  };
}
