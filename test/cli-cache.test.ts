/**
 * `usage cache` through the real binary, on fixtures/cases/analytics/cache (the
 * sessions are spelled out in test/cli-sessions.test.ts).
 *
 * Cold rounds at the default threshold 0.1:
 * - s-alpha: eligible prompts (the compaction call is left out) 10000, 10000, 10200, 10400, 10500, 3700;
 *   median (10000 + 10200) / 2 = 10100, cold below 1010. 09:12 (read 0) follows a warm call after
 *   10 minutes idle → idle_over_5m, re-writes 10300; 09:15 (read 500) follows the compaction record
 *   → compaction, re-writes 3000, gap 2 minutes to the previous turn (09:13).
 * - s-beta: prompts 2000, 2000; the first call is cold but nothing was warm before it.
 * - s-gamma: prompts 2000, 2000, 2100, median 2000, cold below 200; 11:02 (read 0, truncated)
 *   follows the warm 11:01 → compaction, re-writes 2000.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { fixture, runCli } from './helpers/cli.js';

const logs = fixture('cases', 'analytics', 'cache');
const noCache = fixture('cases', 'analytics', 'activity');

interface CacheJson {
  schema: number;
  kind: string;
  cache_reported: boolean;
  overall: { cache_hit_rate: number | null; cache_reuse_rate: number | null; cache_reported_records: number };
  models: Array<{ model: string; cache_hit_rate: number | null; cache_reuse_rate: number | null }>;
  cold_rounds: {
    threshold: number;
    count: number;
    rewritten_tokens: number;
    by_cause: Record<string, number>;
    rounds: Array<{ session: string; timestamp: string; gap_ms: number; after_compaction: boolean; cause: string; cache_write_tokens: number }>;
  };
  context_pressure: unknown;
}

async function cacheJson(args: string[]): Promise<CacheJson> {
  const result = await runCli(['cache', ...args, '--json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as CacheJson;
}

describe('usage cache', () => {
  it('reports both ratios overall and per model', async () => {
    const json = await cacheJson([logs]);
    expect(json.schema).toBe(1);
    expect(json.kind).toBe('cache');
    expect(json.cache_reported).toBe(true);
    // Overall: input 9100, read 33400, write 27400 → hit 33400 / 69900, reuse 33400 / 60800.
    expect(json.overall.cache_hit_rate).toBeCloseTo(33_400 / 69_900, 6);
    expect(json.overall.cache_reuse_rate).toBeCloseTo(33_400 / 60_800, 6);
    // claude (s-alpha + s-gamma): input 6900, read 31600, write 27400 → 31600 / 65900 and 31600 / 59000.
    // gpt-5: input 2200, read 1800, write 0 → 1800 / 4000 = 0.45 and 1800 / 1800 = 1.
    expect(json.models.map((row) => row.model)).toEqual(['claude-sonnet-4-5', 'gpt-5']);
    expect(json.models[0]?.cache_hit_rate).toBeCloseTo(31_600 / 65_900, 6);
    expect(json.models[0]?.cache_reuse_rate).toBeCloseTo(31_600 / 59_000, 6);
    expect(json.models[1]).toMatchObject({ cache_hit_rate: 0.45, cache_reuse_rate: 1 });
  });

  it('finds the cold rounds, their gaps, causes and re-written tokens', async () => {
    const json = await cacheJson([logs]);
    expect(json.cold_rounds.threshold).toBe(0.1);
    expect(json.cold_rounds.count).toBe(3);
    // 10300 + 3000 + 2000.
    expect(json.cold_rounds.rewritten_tokens).toBe(15_300);
    expect(json.cold_rounds.by_cause).toEqual({ compaction: 2, idle_over_1h: 0, idle_over_5m: 1, unexplained: 0 });
    expect(json.cold_rounds.rounds.map((round) => [round.session, round.timestamp, round.gap_ms, round.cause, round.cache_write_tokens])).toEqual([
      ['s-alpha', '2026-02-10T09:12:00.000Z', 600_000, 'idle_over_5m', 10_300],
      ['s-alpha', '2026-02-10T09:15:00.000Z', 120_000, 'compaction', 3000],
      ['s-gamma', '2026-02-10T11:02:00.000Z', 60_000, 'compaction', 2000],
    ]);
    expect(json.context_pressure).toMatchObject({ peak_ratio: 0.75, median_ratio: 0.5 });
  });

  it('honours --cold-threshold', async () => {
    // 0.04 × 10100 = 404: the 09:15 call (read 500) is no longer cold; s-gamma's limit is 80, read 0 still is.
    const json = await cacheJson([logs, '--cold-threshold', '0.04']);
    expect(json.cold_rounds.count).toBe(2);
    expect(json.cold_rounds.rewritten_tokens).toBe(10_300 + 2000);
  });

  it('rejects a bad --cold-threshold with exit 2', async () => {
    for (const value of ['0', '1.5', 'abc']) {
      const result = await runCli(['cache', logs, '--cold-threshold', value]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--cold-threshold "${value}" is not a fraction`);
    }
  });

  it('says n/a (null in JSON) when the logs carry no cache information', async () => {
    const json = await cacheJson([noCache]);
    expect(json.cache_reported).toBe(false);
    expect(json.overall).toMatchObject({ cache_hit_rate: null, cache_reuse_rate: null, cache_reported_records: 0 });
    expect(json.cold_rounds.count).toBe(0);
    const table = await runCli(['cache', noCache]);
    expect(table.stdout).toMatch(/│ total\s+│\s+6 │.*│\s+n\/a │\s+n\/a │/);
    expect(table.stdout).not.toMatch(/NaN|0\.0%/);
  });

  it('prints tables, CSV, NDJSON and Markdown', async () => {
    const table = await runCli(['cache', logs]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ claude-sonnet-4-5 │\s+10 │\s+6,900 │\s+31\.6k │\s+27\.4k │\s+48\.0% │\s+53\.6% │/);
    expect(table.stdout).toMatch(/│ 2026-02-10 09:12:00 │ s-alpha │ claude-sonnet-4-5 │\s+10m │ idle_over_5m │/);

    const csv = await runCli(['cache', logs, '--csv']);
    const rows = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    // gpt-5 hit 0.45, reuse 1; the total row carries the overall figures.
    expect(rows.map((row) => [row['model'], row['cache_read_tokens'], row['cache_hit_rate'], row['cache_reuse_rate']])).toEqual([
      ['claude-sonnet-4-5', '31600', String(Math.round((31_600 / 65_900) * 1e6) / 1e6), String(Math.round((31_600 / 59_000) * 1e6) / 1e6)],
      ['gpt-5', '1800', '0.45', '1'],
      ['total', '33400', String(Math.round((33_400 / 69_900) * 1e6) / 1e6), String(Math.round((33_400 / 60_800) * 1e6) / 1e6)],
    ]);

    const ndjson = await runCli(['cache', logs, '--ndjson']);
    const lines = ndjson.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line['section'] === 'cold_rounds').map((line) => line['cause'])).toEqual([
      'idle_over_5m',
      'compaction',
      'compaction',
    ]);
    expect(lines.find((line) => line['section'] === 'cold_summary')).toMatchObject({ count: 3, rewritten_tokens: 15_300 });

    const markdown = await runCli(['cache', logs, '--markdown']);
    expect(markdown.stdout).toContain('### Prompt cache by model');
    expect(markdown.stdout).toContain('| gpt-5 | 2 | 2,200 | 1,800 | 0 | 45.0% | 100.0% |');
  });
});
