/**
 * The start-up build (scripts/bundle.mjs, bin/usage.js): the code caches
 * beside dist/bundle/usage.cjs must be ones this Node's V8 accepts, or every
 * run silently compiles the whole bundle again; and the binary's shortcuts
 * for standard streams (a file or /dev/null read at once, output written to
 * the descriptor) must print what the streams would.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, createHome, hermeticEnv, ROOT } from './helpers/cli.js';

const BUNDLE = join(ROOT, 'dist', 'bundle');

describe('the bundle', () => {
  it('has code caches that V8 accepts, compiled as bin/usage.js compiles the bundle', () => {
    for (const cache of ['usage.cache', 'statusline.cache']) {
      // In a fresh process, as bin/usage.js runs (vitest's own process may run V8 with other flags).
      const script = `
        const { readFileSync } = require('node:fs');
        const { Script } = require('node:vm');
        const file = ${JSON.stringify(join(BUNDLE, 'usage.cjs'))};
        const script = new Script(readFileSync(file, 'latin1'), { filename: file, cachedData: readFileSync(${JSON.stringify(join(BUNDLE, cache))}) });
        process.stdout.write(String(script.cachedDataRejected));`;
      const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(result.stdout, `${cache}: ${result.stderr}`).toBe('false');
    }
  });

  it('is ASCII, as bin/usage.js reads it (latin1)', () => {
    const result = spawnSync(process.execPath, ['-e', `process.stdout.write(String(/[^\\0-\\x7f]/.test(require('node:fs').readFileSync(${JSON.stringify(join(BUNDLE, 'usage.cjs'))}, 'utf8'))))`], {
      encoding: 'utf8',
    });
    expect(result.stdout).toBe('false');
  });
});

describe('the binary and its standard streams', () => {
  const home = createHome();
  const env = hermeticEnv(home);
  const logs = join(home, 'logs');
  mkdirSync(logs);
  // One Claude call: 3 + 10 + 20 + 5 = 38 tokens.
  const line = {
    type: 'assistant',
    timestamp: '2025-06-01T10:00:05.000Z',
    sessionId: 'tiny-session',
    requestId: 'req_tiny',
    cwd: '/home/dev/tiny',
    message: {
      id: 'msg_tiny',
      model: 'claude-sonnet-4-5-20250929',
      usage: { input_tokens: 3, cache_creation_input_tokens: 10, cache_read_input_tokens: 20, output_tokens: 5 },
    },
  };
  writeFileSync(join(logs, 'session.jsonl'), `${JSON.stringify(line)}\n`);
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
