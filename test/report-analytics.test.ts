import { describe, expect, it } from 'vitest';
import { reduceAll } from '../src/reducers/reducer.js';
import { buildReport, chooseAnchor, createReportReducer } from '../src/reports/report.js';
import { parseDayKey } from '../src/time/zone.js';
import { makeRecord, wrapAnalysis } from './helpers/analytics.js';

const meta = { since: null, until: null, zone: 'UTC' };

describe('chooseAnchor', () => {
  it('uses --until when it is in the past, today otherwise', () => {
    const today = parseDayKey('2026-03-10');
    expect(chooseAnchor({ ...meta, until: parseDayKey('2026-03-04'), today }, null)).toEqual(parseDayKey('2026-03-04'));
    // A future --until would make every streak look broken: today wins.
    expect(chooseAnchor({ ...meta, until: parseDayKey('2026-04-01'), today }, null)).toEqual(today);
    expect(chooseAnchor({ ...meta, today }, '2026-01-01')).toEqual(today);
    // A library caller without today: the last active day.
    expect(chooseAnchor(meta, '2026-01-01')).toEqual(parseDayKey('2026-01-01'));
    expect(chooseAnchor(meta, null)).toBeNull();
  });
});

describe('buildReport analytics', () => {
  const records = [
    makeRecord({ at: '2026-03-01T10:00:00Z', model: 'claude-opus-4-1', project: 'alpha', input: 300, cost: 6 }),
    makeRecord({ at: '2026-03-02T10:00:00Z', model: 'gpt-5', project: 'beta', input: 100, cacheRead: 100, cost: 2 }),
    makeRecord({ at: '2026-03-02T11:00:00Z', model: 'gpt-5', project: 'alpha', input: 100, cost: 2 }),
  ];

  it('adds streaks, trend, shares with cost fractions, and cache health', () => {
    const document = buildReport(wrapAnalysis(reduceAll(createReportReducer('UTC'), records)), {
      ...meta,
      today: parseDayKey('2026-03-03'),
      trendDays: 2,
    });
    const json = document.json as Record<string, unknown>;
    // opus 300 tokens, gpt-5 100 + 100 + 100 = 300: a tie, broken by name.
    expect(json['most_used_model']).toBe('claude-opus-4-1');
    // Active 03-01, 03-02; today 03-03 idle → count from 03-02: 2.
    expect(json['streaks']).toEqual({ anchor: '2026-03-03', active_days: 2, current: 2, longest: 2 });
    expect((json['trend'] as Array<{ date: string; total_tokens: number }>).map((day) => [day.date, day.total_tokens])).toEqual([
      ['2026-03-02', 300],
      ['2026-03-03', 0],
    ]);
    // alpha: 300 + 100 = 400 of 600 tokens (0.666667), $6 + $2 = $8 of $10 (0.8).
    const projects = json['projects'] as Array<Record<string, unknown>>;
    expect(projects[0]).toMatchObject({ project: 'alpha', total_tokens: 400, cost_usd: 8, share: 0.666667, cost_share: 0.8 });
    expect(projects[1]).toMatchObject({ project: 'beta', total_tokens: 200, cost_usd: 2, share: 0.333333, cost_share: 0.2 });
    // read 100 of prompts 300 + 200 + 100 = 600 → 0.166667; nothing written → reuse 100 / 100 = 1.
    expect(json['cache']).toMatchObject({ cache_reported: true, cache_hit_rate: 0.166667, cache_reuse_rate: 1 });
    // The existing fields stay.
    expect(json).toHaveProperty('unpriced_models', []);
    expect((json['totals'] as Record<string, unknown>)['cost_usd']).toBe(10);
  });
});
