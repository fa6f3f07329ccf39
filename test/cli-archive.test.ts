/**
 * The archive through the command line: `--no-archive`, `--no-cache`,
 * `usage archive`, `--prune-before`, and `usage cache clear [--archive]`.
 *
 * Logs (Claude, each call input 10 + cache read 100 + output):
 * - a.jsonl: msg 1 on 2026-11-21, output 5 → 115; msg 2 on 2026-11-22, output 7 → 117; 232.
 * - b.jsonl: msg 3 on 2026-11-23, output 20 → 130; msg 4 on 2026-11-24, output 30 → 140; 270.
 * All: 502 tokens in 4 records; without b: 232 in 2.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHome, runCli } from './helpers/cli.js';

function claudeLine(id: number, output: number): string {
  return `${JSON.stringify({
    type: 'assistant',
    sessionId: 's1',
    uuid: `u${id}`,
    requestId: `req_${id}`,
    timestamp: `2026-11-2${id}T10:00:00.000Z`,
    message: { id: `msg_${id}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: output, cache_read_input_tokens: 100 } },
  })}\n`;
}

function setUp(): { home: string; logs: string; cache: string } {
  const home = createHome();
  const logs = join(home, 'logs');
  mkdirSync(logs);
  const past = new Date(Date.now() - 60_000);
  for (const [name, text] of [
    ['a.jsonl', claudeLine(1, 5) + claudeLine(2, 7)],
    ['b.jsonl', claudeLine(3, 20) + claudeLine(4, 30)],
  ] as const) {
    writeFileSync(join(logs, name), text);
    utimesSync(join(logs, name), past, past);
  }
  return { home, logs, cache: join(home, '.cache', 'usage') };
}

async function totals(home: string, args: string[]): Promise<{ records: number; tokens: number; stderr: string }> {
  const result = await runCli(['report', '--json', ...args], { home });
  expect(result.code).toBe(0);
  const json = JSON.parse(result.stdout) as { totals: { records: number; total_tokens: number } };
  return { records: json.totals.records, tokens: json.totals.total_tokens, stderr: result.stderr };
}

describe('usage and the archive', () => {
  it('keeps the totals after half of the logs are deleted; --no-archive leaves them out; --no-cache keeps them', async () => {
    const { home, logs } = setUp();
    expect(await totals(home, [logs])).toEqual({ records: 4, tokens: 502, stderr: '' });
    rmSync(join(logs, 'b.jsonl'));
    expect(await totals(home, [logs])).toEqual({ records: 4, tokens: 502, stderr: '' });
    expect(await totals(home, [logs, '--no-archive'])).toEqual({ records: 2, tokens: 232, stderr: '' });
    expect(await totals(home, [logs, '--no-cache'])).toEqual({ records: 4, tokens: 502, stderr: '' });
    expect(await totals(home, [logs, '--no-cache', '--no-archive'])).toEqual({ records: 2, tokens: 232, stderr: '' });
    // Put back: counted once.
    writeFileSync(join(logs, 'b.jsonl'), claudeLine(3, 20) + claudeLine(4, 30));
    expect(await totals(home, [logs])).toEqual({ records: 4, tokens: 502, stderr: '' });
  });

  it('shows what the archive holds, and prunes it by date', async () => {
    const { home, logs } = setUp();
    const empty = await runCli(['archive'], { home });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/^No archived records in /);
    await totals(home, [logs]);
    rmSync(join(logs, 'b.jsonl'));
    await totals(home, [logs]);
    const shown = await runCli(['archive'], { home });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Archive {2}.*archive-v1\.bin \(format 1\)$/m);
    expect(shown.stdout).toMatch(/^Size {5}[\d,]+ bytes$/m);
    expect(shown.stdout).toMatch(/^Files {4}1$/m);
    expect(shown.stdout).toMatch(/^Records {2}2$/m);
    expect(shown.stdout).toMatch(/^Dates {4}2026-11-23 to 2026-11-24 \(UTC\)$/m);
    expect(shown.stdout).toMatch(new RegExp(`^ +2 {2}2026-11-23 {2}2026-11-24 {2}deleted +${join(logs, 'b.jsonl').replace(/[.\\/]/g, '\\$&')}$`, 'm'));
    // Before 2026-11-24: msg 3 (130) goes; msg 4 (140) stays, so the report drops from 502 to 372.
    const pruned = await runCli(['archive', '--prune-before', '2026-11-24'], { home });
    expect(pruned.code).toBe(0);
    expect(pruned.stderr).toContain('Removed 1 archived record dated before 2026-11-24.');
    expect(pruned.stdout).toMatch(/^Records {2}1$/m);
    expect(await totals(home, [logs])).toEqual({ records: 3, tokens: 372, stderr: '' });
    const bad = await runCli(['archive', '--prune-before', 'soon'], { home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--prune-before "soon" is not a date');
  });

  it('cache clear keeps the archive unless --archive is given', async () => {
    const { home, logs, cache } = setUp();
    await totals(home, [logs]);
    rmSync(join(logs, 'b.jsonl'));
    await totals(home, [logs]);
    const cleared = await runCli(['cache', 'clear'], { home });
    expect(cleared.code).toBe(0);
    expect(cleared.stderr).toContain('Kept the archive of deleted logs');
    expect(readdirSync(cache)).toEqual(['archive-v1.bin']);
    // The index is rebuilt from a.jsonl alone; b's records still come from the archive.
    expect(await totals(home, [logs])).toEqual({ records: 4, tokens: 502, stderr: '' });
    const all = await runCli(['cache', 'clear', '--archive'], { home });
    expect(all.code).toBe(0);
    expect(all.stderr).toContain('Deleted the archive');
    expect(existsSync(join(cache, 'archive-v1.bin'))).toBe(false);
    expect(await totals(home, [logs])).toEqual({ records: 2, tokens: 232, stderr: '' });
  });

  it('a damaged archive is one warning, set aside, and the report still answers', async () => {
    const { home, logs, cache } = setUp();
    await totals(home, [logs]);
    rmSync(join(logs, 'b.jsonl'));
    await totals(home, [logs]);
    writeFileSync(join(cache, 'archive-v1.bin'), 'not an archive at all, just some bytes');
    const result = await runCli(['report', '--json', logs], { home });
    expect(result.code).toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^warning: the archive in .* is damaged .*moved it to .*\.damaged-/)]);
    const shown = await runCli(['archive'], { home });
    expect(shown.stderr).toMatch(/a damaged archive was set aside as /);
  });
});
