/**
 * The new agents end to end through the CLI: a HOME holding each agent's
 * default layout (copied from the fixtures), read with no path, against the
 * per-agent totals worked out by hand in test/dialects-<name>.test.ts; and a
 * Goose database read while a writer holds it open in WAL mode. Runs the
 * built CLI (dist/): `npm test` builds first.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHome, fixture, runUsage } from './helpers/cli.js';

// Where each fixture goes inside HOME (the layout each agent writes by default on Linux;
// the test environment sets XDG_CONFIG_HOME=~/.config and XDG_DATA_HOME=~/.local/share).
const LAYOUT: ReadonlyArray<readonly [string, string]> = [
  ['pi/sessions', '.pi/agent/sessions'],
  ['openclaw/agents', '.openclaw/agents'],
  ['kimi-cli/sessions', '.kimi/sessions'],
  ['droid/sessions', '.factory/sessions'],
  ['cline/Code', '.config/Code'],
  ['roo-code/Code', '.config/Code'],
  ['kilo-code/Code', '.config/Code'],
  ['goose/sessions', '.local/share/goose/sessions'],
];

let home: string;
let writer: ChildProcessWithoutNullStreams | undefined;

afterEach(() => {
  writer?.kill();
  writer = undefined;
  if (home) rmSync(home, { recursive: true, force: true });
});

function layOut(): string {
  const folder = createHome();
  for (const [from, to] of LAYOUT) {
    mkdirSync(join(folder, to), { recursive: true });
    cpSync(fixture('logs', from), join(folder, to), { recursive: true });
  }
  return folder;
}

describe('every new agent read from its default location', () => {
  it('finds each agent with no path and counts what each fixture holds', async () => {
    home = layOut();
    const validate = await runUsage(['validate', '--json'], { home });
    const accounting = JSON.parse(validate.stdout) as { records_by_dialect: Record<string, number> };
    expect(accounting.records_by_dialect).toEqual({
      pi: 3,
      openclaw: 2,
      'kimi-cli': 3,
      droid: 2,
      cline: 3,
      'roo-code': 2,
      'kilo-code': 2,
      goose: 3,
    });
    const report = await runUsage(['report', '--json'], { home });
    const totals = (JSON.parse(report.stdout) as { totals: Record<string, number> }).totals;
    // Per agent (pi, openclaw, kimi-cli, droid, cline, roo-code, kilo-code, goose):
    // input 1430 + 2300 + 4220 + 6000 + 21 + 4500 + 1020 + 64000 = 83491;
    // output 980 + 620 + 335 + 2300 + 1460 + 900 + 550 + 10400 = 17545;
    // cache read 14600 + 18200 + 2560 + 100000 + 44200 + 9000 + 10000 + 120000 = 318560;
    // cache write 4600 + 0 + 0 + 15000 + 17100 + 0 + 1200 + 18000 = 55900;
    // total 83491 + 17545 + 318560 + 55900 = 475496.
    expect({
      records: totals['records'],
      input: totals['input_tokens'],
      output: totals['output_tokens'],
      cacheRead: totals['cache_read_tokens'],
      cacheWrite: totals['cache_write_tokens'],
      total: totals['total_tokens'],
    }).toEqual({ records: 20, input: 83491, output: 17545, cacheRead: 318560, cacheWrite: 55900, total: 475496 });

    // The agent as a dimension: usage cost --by agent over the same HOME, each agent's total from the sums above
    // (input + output + cache read + cache write): pi 1430 + 980 + 14600 + 4600 = 21610; openclaw 2300 + 620 +
    // 18200 = 21120; kimi-cli 4220 + 335 + 2560 = 7115; droid 6000 + 2300 + 100000 + 15000 = 123300; cline 21 +
    // 1460 + 44200 + 17100 = 62781; roo-code 4500 + 900 + 9000 = 14400; kilo-code 1020 + 550 + 10000 + 1200 =
    // 12770; goose 64000 + 10400 + 120000 + 18000 = 212400 (together 475496, as above).
    const cost = await runUsage(['cost', '--by', 'agent', '--json'], { home });
    const rows = (JSON.parse(cost.stdout) as { rows: Array<{ agent: string; records: number; total_tokens: number }> }).rows;
    expect(Object.fromEntries(rows.map((row) => [row.agent, row.total_tokens]))).toEqual({
      pi: 21610,
      openclaw: 21120,
      'kimi-cli': 7115,
      droid: 123300,
      cline: 62781,
      'roo-code': 14400,
      'kilo-code': 12770,
      goose: 212400,
    });
    expect(rows.reduce((sum, row) => sum + row.records, 0)).toBe(20);
  });
});

describe('a Goose database being written', () => {
  it('is read through its WAL without blocking the writer', async () => {
    home = layOut();
    const database = join(home, '.local/share/goose/sessions/sessions.db');
    // The writer commits one more session (1000 in, 100 out) that stays in the WAL,
    // then holds an uncommitted second one open until told to commit.
    writer = spawn('python3', [
      '-c',
      `
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('PRAGMA journal_mode=WAL')
c.execute('PRAGMA wal_autocheckpoint=0')
insert = "INSERT INTO sessions (id, working_dir, created_at, updated_at, accumulated_input_tokens, accumulated_output_tokens, accumulated_total_tokens, provider_name, model_config_json) VALUES (?, '/home/dev/wal', '2026-11-28 12:00:00', '2026-11-28 12:05:00', ?, ?, ?, 'openai', '{\\"model_name\\":\\"gpt-4o\\"}')"
c.execute(insert, ('20261128_wal', 1000, 100, 1100))
c.execute('BEGIN IMMEDIATE')
c.execute(insert, ('20261128_open', 7000, 700, 7700))
print('ready', flush=True)
sys.stdin.readline()
c.execute('COMMIT')
print('committed', flush=True)
sys.stdin.readline()
`,
      database,
    ]);
    const lines: string[] = [];
    const next = () =>
      new Promise<string>((resolve) => {
        const take = () => (lines.length > 0 ? resolve(lines.shift() as string) : setTimeout(take, 20));
        take();
      });
    // Output may arrive in any pieces: whole lines only, blank ones dropped.
    let pending = '';
    writer.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      lines.push(...complete.filter((line) => line.trim() !== ''));
    });
    expect(await next()).toBe('ready');
    const report = await runUsage(['report', '--json', database], { home });
    const totals = (JSON.parse(report.stdout) as { totals: Record<string, number> }).totals;
    // The fixture's 3 sessions (64000 fresh input) + the WAL-only session (1000); the
    // uncommitted 7000 is not there yet.
    expect([totals['records'], totals['input_tokens']]).toEqual([4, 65000]);
    writer.stdin.write('\n');
    expect(await next()).toBe('committed');
  });
});
