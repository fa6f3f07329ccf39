import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliContext } from '../src/cli/context.js';
import { resolveIndexDirectory } from '../src/cli/inputs.js';
import { formatStatusline } from '../src/statusline/answer.js';
import { acquireLock, statuslineFolder } from '../src/statusline/cache.js';
import { parseStatuslineArguments, PENDING_LINE, resolveCacheFolder, runStatuslineCore } from '../src/statusline/run.js';
import { createHome, runUsage } from './helpers/cli.js';

const NOW = new Date('2026-11-10T12:30:00Z');
const SESSION = 'aaaaaaaa-1111-4222-8333-444444444444';

function assistant(time: string, session: string, id: string, input: number, output: number): string {
  return JSON.stringify({
    type: 'assistant',
    timestamp: time,
    sessionId: session,
    requestId: `req_${id}`,
    message: { id: `msg_${id}`, model: 'claude-sonnet-4-5', usage: { input_tokens: input, output_tokens: output } },
  });
}

/**
 * Two sessions today in one block (11:00–16:00 UTC), priced at Sonnet 4.5's
 * $3 input / $15 output per million tokens:
 * - this session, 11:10: 100,000 in + 100,000 out = $0.30 + $1.50 = $1.80
 * - another, 12:00: 150,000 in + 10,000 out = $0.45 + $0.15 = $0.60
 * Today $2.40. At 12:30 the block has 3 h 30 m left and burned $2.40 in
 * 90 minutes = $1.60/h.
 */
function createLogs(): { home: string; transcript: string } {
  const home = createHome();
  const project = join(home, '.claude-config', 'projects', '-home-dev-app');
  mkdirSync(project, { recursive: true });
  const transcript = join(project, `${SESSION}.jsonl`);
  writeFileSync(transcript, `${assistant('2026-11-10T11:10:00Z', SESSION, '1', 100_000, 100_000)}\n`);
  writeFileSync(join(project, 'bbbbbbbb-1111-4222-8333-444444444444.jsonl'), `${assistant('2026-11-10T12:00:00Z', 'other', '2', 150_000, 10_000)}\n`);
  return { home, transcript };
}

function createContext(home: string, now = NOW): CliContext & { out: string[] } {
  const out: string[] = [];
  const sink = { write: (text: string) => void out.push(text), isTTY: false, columns: 80 };
  return {
    out,
    stdout: sink,
    stderr: { write: () => undefined, isTTY: false, columns: 80 },
    stdin: (async function* () {})(),
    env: { HOME: home, XDG_CACHE_HOME: join(home, '.cache'), XDG_CONFIG_HOME: join(home, '.config'), CLAUDE_CONFIG_DIR: join(home, '.claude-config'), TZ: 'UTC' },
    home,
    cwd: home,
    now,
    systemTimeZone: 'UTC',
    cores: 1,
    version: '0.0.0-test',
  };
}

const EXPECTED = 'Sonnet | session $1.80 | today $2.40 | block 3h30m left, $1.60/h';

describe('usage statusline', () => {
  it('scans once, then answers from the cache while the transcript is unchanged', async () => {
    const { home, transcript } = createLogs();
    const input = JSON.stringify({ session_id: SESSION, transcript_path: transcript, model: { id: 'claude-sonnet-4-5', display_name: 'Sonnet' } });
    const first = await runStatuslineCore([], {}, createContext(home), input);
    expect(first).toEqual({ line: EXPECTED, via: 'scan' });
    // Ten seconds later, nothing written: the cached answer, with the remaining time moved on (3h30m − 10 s → 3h29m).
    const later = new Date(NOW.getTime() + 10_000);
    expect(await runStatuslineCore([], {}, createContext(home, later), input)).toEqual({
      line: 'Sonnet | session $1.80 | today $2.40 | block 3h29m left, $1.60/h',
      via: 'cache',
    });
    // No lock is left behind.
    expect(readdirSync(statuslineFolder(join(home, '.cache', 'usage')))).not.toContain('scan.lock');
  });

  it('prints the last answer at once when another process holds the lock', async () => {
    const { home, transcript } = createLogs();
    const input = JSON.stringify({ session_id: SESSION, transcript_path: transcript, model: { display_name: 'Sonnet' } });
    await runStatuslineCore([], {}, createContext(home), input);
    // A new message makes the answer stale; a live process (this one) holds the lock.
    writeFileSync(transcript, `${assistant('2026-11-10T12:20:00Z', SESSION, '3', 1, 1)}\n`, { flag: 'a' });
    const lock = acquireLock(statuslineFolder(join(home, '.cache', 'usage')), NOW.getTime(), 30_000);
    expect(lock).not.toBeNull();
    const started = performance.now();
    const result = await runStatuslineCore([], {}, createContext(home), input);
    const elapsed = performance.now() - started;
    expect(result).toEqual({ line: EXPECTED, via: 'locked' });
    expect(elapsed).toBeLessThan(200);
    lock?.release();
  });

  it('takes over a lock whose process is gone', async () => {
    const { home, transcript } = createLogs();
    const folder = statuslineFolder(join(home, '.cache', 'usage'));
    mkdirSync(folder, { recursive: true });
    // pid 2^22 + 1 is above Linux's pid_max limit: no such process.
    writeFileSync(join(folder, 'scan.lock'), JSON.stringify({ pid: 4_194_305, startedAt: NOW.getTime() }));
    const input = JSON.stringify({ session_id: SESSION, transcript_path: transcript });
    expect(await runStatuslineCore([], {}, createContext(home), input)).toEqual({ line: EXPECTED.replace('Sonnet | ', ''), via: 'scan' });
  });

  it('gives up after the time limit with the last known line', async () => {
    const { home, transcript } = createLogs();
    const input = JSON.stringify({ session_id: SESSION, transcript_path: transcript });
    expect(await runStatuslineCore([], { timeLimit: 0 }, createContext(home), input)).toEqual({ line: PENDING_LINE, via: 'timeout' });
  });

  it('keeps the cache folder rule in step with the index folder', () => {
    const context = createContext('/home/someone');
    expect(resolveCacheFolder({}, context)).toBe(resolveIndexDirectory({}, context));
    expect(resolveCacheFolder({ cacheDir: 'c' }, context)).toBe(resolveIndexDirectory({ cacheDir: 'c' }, context));
  });

  it('words the line without control characters, and knows its flags', () => {
    const answer = { sessionCostUsd: null, todayCostUsd: 1.5, todayPartial: true, day: '2026-11-10', dayEnd: Date.parse('2026-11-11T00:00:00Z'), block: null, computedAt: 0 };
    expect(formatStatusline(answer, NOW.getTime(), 'Op\u001b[31mus')).toBe('Op[31mus | session $? | today ≥$1.50 | no active block');
    expect(parseStatuslineArguments(['--tz', 'UTC', '--time-limit=500', 'logs'])).toEqual({ paths: ['logs'], flags: { tz: 'UTC', timeLimit: 500 } });
    expect(parseStatuslineArguments(['--help'])).toBeNull();
  });

  it('runs through the binary and leaves no lock behind', async () => {
    const { home, transcript } = createLogs();
    const input = JSON.stringify({ session_id: SESSION, transcript_path: transcript, model: { display_name: 'Sonnet' } });
    const result = await runUsage(['statusline'], { home, input });
    expect(result.code).toBe(0);
    // The real clock is not 2026-11-10, so the figures of "today" and the block are not this test's concern here.
    expect(result.stdout).toMatch(/^Sonnet \| session \$1\.80 \| today \$[\d.]+ \| /);
    expect(result.stdout.split('\n')).toHaveLength(2);
    expect(readdirSync(statuslineFolder(join(home, '.cache', 'usage')))).not.toContain('scan.lock');
  });

  it('ends the process at the time limit, printing the last known line, with no lock left', async () => {
    const { home, transcript } = createLogs();
    const input = JSON.stringify({ session_id: SESSION, transcript_path: transcript });
    const started = performance.now();
    const result = await runUsage(['statusline', '--time-limit', '1'], { home, input });
    expect(result).toMatchObject({ code: 0, stdout: `${PENDING_LINE}\n` });
    // Loading the pricing alone outlasts 1 ms; the process did not wait for the scan to finish.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(readdirSync(statuslineFolder(join(home, '.cache', 'usage')))).not.toContain('scan.lock');
  });
});
