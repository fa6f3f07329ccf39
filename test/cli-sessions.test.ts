/**
 * `usage sessions` through the real binary, on fixtures/cases/analytics/cache:
 *
 * s-alpha (lash, claude-sonnet-4-5, 2026-02-10 09:00–09:15, 7 records):
 *   input 1000+100+100+100+100+5000+200 = 6600, read 0+9000+9900+0+10300+0+500 = 29700,
 *   write 9000+900+200+10300+100+0+3000 = 23500, output 6×100 + 500 = 1100 → 60,900 tokens.
 * s-beta (lash, gpt-5, 10:00–10:05): input 2200, read 1800, output 100 → 4,100.
 * s-gamma (bamboo, claude-sonnet-4-5, 11:00–11:02): input 300, read 1900, write 3900, output 30 → 6,130.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { fixture, runCli } from './helpers/cli.js';

const logs = fixture('cases', 'analytics', 'cache');

interface SessionRow {
  session: string;
  first_activity: string;
  last_activity: string;
  duration_ms: number;
  models: string[];
  calls: number;
  total_tokens: number;
  cost_usd: number | null;
  cache_hit_rate: number | null;
  cold_rounds: number;
}

describe('usage sessions', () => {
  it('prints one JSON row per session in order of first activity', async () => {
    const result = await runCli(['sessions', logs, '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { schema: number; kind: string; sessions: SessionRow[] };
    expect(json.schema).toBe(1);
    expect(json.kind).toBe('sessions');
    expect(json.sessions.map((row) => [row.session, row.first_activity, row.last_activity, row.duration_ms, row.calls, row.total_tokens])).toEqual([
      ['s-alpha', '2026-02-10T09:00:00.000Z', '2026-02-10T09:15:00.000Z', 15 * 60_000, 7, 60_900],
      ['s-beta', '2026-02-10T10:00:00.000Z', '2026-02-10T10:05:00.000Z', 5 * 60_000, 2, 4100],
      ['s-gamma', '2026-02-10T11:00:00.000Z', '2026-02-10T11:02:00.000Z', 2 * 60_000, 3, 6130],
    ]);
    const [alpha, beta, gamma] = json.sessions;
    expect(alpha?.models).toEqual(['claude-sonnet-4-5']);
    // 29700 / (6600 + 29700 + 23500) = 29700 / 59800.
    expect(alpha?.cache_hit_rate).toBeCloseTo(29_700 / 59_800, 6);
    // 1800 / (2200 + 1800) = 0.45.
    expect(beta?.cache_hit_rate).toBe(0.45);
    // 1900 / (300 + 1900 + 3900) = 1900 / 6100.
    expect(gamma?.cache_hit_rate).toBeCloseTo(1900 / 6100, 6);
    expect(json.sessions.map((row) => row.cold_rounds)).toEqual([2, 0, 1]);
  });

  it('lists one session’s calls in order with --id', async () => {
    const result = await runCli(['sessions', logs, '--id', 's-gamma', '--json']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as {
      kind: string;
      session: SessionRow;
      calls: Array<{ index: number; timestamp: string; cache_hit_rate: number; gap_ms: number | null; truncated: boolean; cold_round: boolean }>;
    };
    expect(json.kind).toBe('session');
    expect(json.session.session).toBe('s-gamma');
    // Prompts 2000, 2000, 2100; reads 0, 1900, 0 → per-call hit rates 0, 0.95, 0.
    expect(json.calls.map((call) => [call.index, call.timestamp, call.cache_hit_rate, call.gap_ms, call.truncated, call.cold_round])).toEqual([
      [1, '2026-02-10T11:00:00.000Z', 0, null, false, false],
      [2, '2026-02-10T11:01:00.000Z', 0.95, 60_000, true, false],
      [3, '2026-02-10T11:02:00.000Z', 0, 60_000, true, true],
    ]);
  });

  it('marks cold rounds with "cold" in the --id table and Markdown, and keeps booleans in CSV', async () => {
    // Calls 4 and 7 of s-alpha are its two cold rounds.
    const table = await runCli(['sessions', logs, '--id', 's-alpha']);
    expect(table.code).toBe(0);
    const coldCells = table.stdout
      .split('\n')
      .filter((line) => /^│ \d /.test(line))
      .map((line) => line.split('│').at(-2)?.trim());
    expect(coldCells).toEqual(['', '', '', 'cold', '', '', 'cold']);
    expect(table.stdout).not.toMatch(/\b(true|false)\b/);

    const markdown = await runCli(['sessions', logs, '--id', 's-alpha', '--markdown']);
    const rows = markdown.stdout.split('\n').filter((line) => /^\| \d /.test(line));
    expect(rows.map((line) => line.split('|').at(-2)?.trim())).toEqual(['', '', '', 'cold', '', '', 'cold']);
    expect(markdown.stdout).not.toMatch(/\b(true|false)\b/);

    const csv = await runCli(['sessions', logs, '--id', 's-alpha', '--csv']);
    const calls = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(calls.map((call) => call['cold_round'])).toEqual(['false', 'false', 'false', 'true', 'false', 'false', 'true']);
  });

  it('rejects an unknown --id with exit 2', async () => {
    const result = await runCli(['sessions', logs, '--id', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--id "nope" matches no session/);
    expect(result.stdout).toBe('');
  });

  it('prints a table with wall-clock times in --tz', async () => {
    const result = await runCli(['sessions', logs, '--tz', 'Asia/Tokyo']);
    expect(result.code).toBe(0);
    // 09:00Z is 18:00 in Tokyo.
    expect(result.stdout).toMatch(/│ s-alpha │ 2026-02-10 18:00:00 │ 2026-02-10 18:15:00 │\s+15m │ claude-sonnet-4-5 │\s+7 │\s+60\.9k │/);
    expect(result.stdout).toMatch(/│ s-beta .*│\s+45\.0% │/);
  });

  it('writes CSV that parses back, NDJSON rows and Markdown', async () => {
    const csv = await runCli(['sessions', logs, '--csv']);
    expect(csv.code).toBe(0);
    const rows = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((row) => [row['session'], row['first'], row['duration_ms'], row['calls'], row['total_tokens'], row['cold_rounds']])).toEqual([
      ['s-alpha', '2026-02-10 09:00:00', '900000', '7', '60900', '2'],
      ['s-beta', '2026-02-10 10:00:00', '300000', '2', '4100', '0'],
      ['s-gamma', '2026-02-10 11:00:00', '120000', '3', '6130', '1'],
    ]);

    const ndjson = await runCli(['sessions', logs, '--id', 's-alpha', '--ndjson']);
    expect(ndjson.code).toBe(0);
    const calls = ndjson.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(calls).toHaveLength(7);
    expect(calls.map((call) => call['cold_round'])).toEqual([false, false, false, true, false, false, true]);
    expect(calls[5]).toMatchObject({ section: 'calls', source: 'compaction', input_tokens: 5000 });

    const markdown = await runCli(['sessions', logs, '--markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain('### Sessions');
    expect(markdown.stdout).toMatch(/\| s-beta \| 2026-02-10 10:00:00 \| 2026-02-10 10:05:00 \| 5m \| gpt-5 \| 2 \| 4,100 \|/);
  });
});
