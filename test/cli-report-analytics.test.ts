/**
 * `usage report` analytics through the real binary. The activity fixture is
 * six jcode turns without cache counts (tokens = prompt + completion):
 *
 *   2026-01-30T10:00Z alpha claude-sonnet-4-5 1000 + 200 = 1200
 *   2026-01-31T10:00Z alpha claude-sonnet-4-5 2000 + 300 = 2300
 *   2026-02-01T10:00Z beta  gpt-5              500 + 100 =  600
 *   2026-02-01T23:30Z beta  gpt-5              300 + 100 =  400   (02-02 08:30 in Tokyo)
 *   2026-02-03T10:00Z beta  claude-sonnet-4-5 1500 + 500 = 2000
 *   2026-02-04T10:00Z alpha claude-sonnet-4-5  800 + 200 = 1000
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { fixture, runCli } from './helpers/cli.js';

const activity = fixture('cases', 'analytics', 'activity');
const cacheLogs = fixture('cases', 'analytics', 'cache');

interface ReportJson {
  schema: number;
  kind: string;
  totals: { total_tokens: number };
  models: Array<{ model: string; total_tokens: number; share: number }>;
  most_used_model: string | null;
  streaks: { anchor: string; active_days: number; current: number; longest: number };
  days: Array<{ date: string; total_tokens: number }>;
  trend: Array<{ date: string; total_tokens: number; records: number }>;
  projects: Array<{ project: string; total_tokens: number; share: number }>;
  providers: Array<{ provider: string; share: number }>;
  call_sources: Array<{ source: string; total_tokens: number; share: number }>;
  cache: { cache_reported: boolean; cache_hit_rate: number | null; cache_reuse_rate: number | null };
  context_pressure: { peak_ratio: number; median_ratio: number; truncation_events: number; segments_removed: number } | null;
  sources: { files: number };
}

async function reportJson(args: string[]): Promise<ReportJson> {
  const result = await runCli(['report', ...args, '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as ReportJson;
}

describe('usage report analytics', () => {
  it('reports days, streaks, trend, most-used model and shares in UTC', async () => {
    const json = await reportJson([activity, '--until', '2026-02-04', '--trend-days', '3']);
    expect(json.schema).toBe(1);
    expect(json.kind).toBe('report');
    // 1200 + 2300 + 600 + 400 + 2000 + 1000 = 7500.
    expect(json.totals.total_tokens).toBe(7500);
    // UTC days: 01-30, 01-31, 02-01 (two records), 02-03, 02-04 → 5 active days.
    expect(json.days.map((day) => [day.date, day.total_tokens])).toEqual([
      ['2026-01-30', 1200],
      ['2026-01-31', 2300],
      ['2026-02-01', 1000],
      ['2026-02-03', 2000],
      ['2026-02-04', 1000],
    ]);
    // Runs: 01-30..02-01 (3, across the month boundary) and 02-03..02-04 (2, ending on the anchor).
    expect(json.streaks).toEqual({ anchor: '2026-02-04', active_days: 5, current: 2, longest: 3 });
    expect(json.trend.map((day) => [day.date, day.total_tokens])).toEqual([
      ['2026-02-02', 0],
      ['2026-02-03', 2000],
      ['2026-02-04', 1000],
    ]);
    // claude: 1200 + 2300 + 2000 + 1000 = 6500 of 7500.
    expect(json.most_used_model).toBe('claude-sonnet-4-5');
    // alpha: 1200 + 2300 + 1000 = 4500 → 0.6; beta: 600 + 400 + 2000 = 3000 → 0.4.
    expect(json.projects.map((row) => [row.project, row.total_tokens, row.share])).toEqual([
      ['alpha', 4500, 0.6],
      ['beta', 3000, 0.4],
    ]);
    // anthropic 6500 / 7500 = 0.8666666… → 0.866667; openai 1000 / 7500 → 0.133333.
    expect(json.providers.map((row) => [row.provider, row.share])).toEqual([
      ['anthropic', 0.866667],
      ['openai', 0.133333],
    ]);
    // jcode lines with no cache counts: the ratios are unknown, not 0.
    expect(json.cache).toMatchObject({ cache_reported: false, cache_hit_rate: null, cache_reuse_rate: null });
    expect(json.context_pressure).toBeNull();
  });

  it('anchors the current streak on a past --until', async () => {
    const json = await reportJson([activity, '--until', '2026-02-02']);
    // Records through 02-02: days 01-30, 01-31, 02-01. The anchor 02-02 is idle,
    // so the streak counts back from 02-01: 3 days.
    expect(json.streaks).toEqual({ anchor: '2026-02-02', active_days: 3, current: 3, longest: 3 });
    expect(json.trend).toHaveLength(14);
    expect(json.trend.at(-1)?.date).toBe('2026-02-02');
  });

  it('buckets days in --tz: in Tokyo the 23:30Z record fills the gap', async () => {
    const json = await reportJson([activity, '--until', '2026-02-04', '--tz', 'Asia/Tokyo']);
    // Tokyo (UTC+9) days: 01-30, 01-31, 02-01, 02-02 (the 23:30Z record), 02-03, 02-04: six in a row.
    expect(json.streaks).toEqual({ anchor: '2026-02-04', active_days: 6, current: 6, longest: 6 });
    expect(json.days.find((day) => day.date === '2026-02-02')?.total_tokens).toBe(400);
  });

  it('reports call sources, cache health and context pressure when the logs have them', async () => {
    const json = await reportJson([cacheLogs]);
    // lash turns: 1100+100 + 100+9000+900+100 + 100+9900+200+100 + 100+10300+100 + 100+10300+100+100
    //   + 200+500+3000+100 (s-alpha) + 2000+50 + 200+1800+50 (s-beta) = 59,500; compaction 5000 + 500 = 5,500;
    // bamboo (no source): 2010 + 2010 + 2110 = 6,130. All: 71,130.
    expect(json.call_sources.map((row) => [row.source, row.total_tokens])).toEqual([
      ['turn', 59_500],
      ['(no source)', 6130],
      ['compaction', 5500],
    ]);
    // 59500 / 71130 = 0.836496…
    expect(json.call_sources[0]?.share).toBeCloseTo(59_500 / 71_130, 6);
    // input 6600 + 2200 + 300 = 9100; read 29700 + 1800 + 1900 = 33400; write 23500 + 0 + 3900 = 27400.
    // hit = 33400 / (9100 + 33400 + 27400) = 33400 / 69900; reuse = 33400 / 60800.
    expect(json.cache.cache_reported).toBe(true);
    expect(json.cache.cache_hit_rate).toBeCloseTo(33_400 / 69_900, 6);
    expect(json.cache.cache_reuse_rate).toBeCloseTo(33_400 / 60_800, 6);
    // bamboo snapshots: 50k, 150k, 100k of 200k → 0.25, 0.75, 0.5: peak 0.75, median 0.5;
    // two truncations, 3 + 2 segments removed.
    expect(json.context_pressure).toEqual({ snapshots: 3, peak_ratio: 0.75, median_ratio: 0.5, truncation_events: 2, segments_removed: 5 });
  });

  it('prints the analytics as tables, with n/a for unknown cache ratios', async () => {
    const result = await runCli(['report', activity, '--until', '2026-02-04', '--trend-days', '3']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Activity');
    expect(result.stdout).toMatch(/│\s+5 │\s+2 │\s+3 │ claude-sonnet-4-5 │ 2026-02-04 │/);
    expect(result.stdout).toContain('Last 3 days');
    expect(result.stdout).toMatch(/Prompt cache\n[\s\S]*│\s+n\/a │\s+n\/a │/);
    expect(result.stdout).not.toContain('NaN');
    // No record has a call source, so that table is left out.
    expect(result.stdout).not.toContain('By call source');
  });

  it('writes the models table as CSV that parses back', async () => {
    const result = await runCli(['report', activity, '--csv']);
    expect(result.code).toBe(0);
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((row) => [row['model'], row['total_tokens'], row['share']])).toEqual([
      ['claude-sonnet-4-5', '6500', '0.866667'],
      ['gpt-5', '1000', '0.133333'],
      ['total', '7500', '1'],
    ]);
  });

  it('writes every analytics dataset as NDJSON and Markdown', async () => {
    const ndjson = await runCli(['report', activity, '--until', '2026-02-04', '--trend-days', '3', '--ndjson']);
    expect(ndjson.code).toBe(0);
    const lines = ndjson.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const sections = new Set(lines.map((line) => line['section']));
    for (const name of ['models', 'totals', 'activity', 'trend', 'projects', 'providers', 'cache']) expect(sections).toContain(name);
    expect(lines.find((line) => line['section'] === 'activity')).toMatchObject({ active_days: 5, current_streak: 2, longest_streak: 3 });
    expect(lines.filter((line) => line['section'] === 'trend')).toHaveLength(3);
    expect(lines.find((line) => line['section'] === 'cache')).toMatchObject({ cache_hit_rate: null });

    const markdown = await runCli(['report', cacheLogs, '--markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain('### By call source');
    expect(markdown.stdout).toContain('| compaction | 1 | 5,500 |');
    expect(markdown.stdout).toContain('### Context pressure');
    expect(markdown.stdout).toContain('| 3 | 75.0% | 50.0% | 2 | 5 |');
  });

  it('rejects a bad --trend-days with one sentence and exit 2', async () => {
    const result = await runCli(['report', activity, '--trend-days', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--trend-days "0" is not a number of days/);
    expect(result.stdout).toBe('');
  });
});
