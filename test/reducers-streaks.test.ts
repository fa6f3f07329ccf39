import { describe, expect, it } from 'vitest';
import { createDaysReducer } from '../src/reducers/days.js';
import { reduceAll } from '../src/reducers/reducer.js';
import { buildTrend, computeStreaks } from '../src/reducers/streaks.js';
import { createTokenTotals } from '../src/reducers/totals.js';
import { parseDayKey } from '../src/time/zone.js';
import { makeRecord } from './helpers/analytics.js';

const day = parseDayKey;

describe('computeStreaks', () => {
  const withGap = ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-05', '2026-03-06'];

  it('counts runs across a gap: longest is the first run, current the run ending today', () => {
    // Runs: 01–03 (3 days), 05–06 (2 days); 03-04 is the gap.
    expect(computeStreaks(withGap, day('2026-03-06'))).toEqual({ activeDays: 5, currentStreak: 2, longestStreak: 3 });
  });

  it('counts from yesterday when today has no activity yet, and is 0 once yesterday is idle too', () => {
    // Today 03-07 is idle: the run ending 03-06 (05, 06) still counts.
    expect(computeStreaks(withGap, day('2026-03-07')).currentStreak).toBe(2);
    // Today 03-08: yesterday 03-07 idle, so the streak is broken.
    expect(computeStreaks(withGap, day('2026-03-08')).currentStreak).toBe(0);
  });

  it('continues across month boundaries, including February in leap and common years', () => {
    // 01-30, 01-31, 02-01, 02-02: four consecutive days.
    expect(computeStreaks(['2026-01-30', '2026-01-31', '2026-02-01', '2026-02-02'], day('2026-02-02'))).toEqual({
      activeDays: 4,
      currentStreak: 4,
      longestStreak: 4,
    });
    // 2026 is not a leap year: 02-28 is followed by 03-01.
    expect(computeStreaks(['2026-02-28', '2026-03-01'], day('2026-03-01')).longestStreak).toBe(2);
    // 2028 is: 02-28, 02-29, 03-01 are three days; 02-28 → 03-01 alone would be a gap.
    expect(computeStreaks(['2028-02-28', '2028-02-29', '2028-03-01'], day('2028-03-01')).longestStreak).toBe(3);
    expect(computeStreaks(['2028-02-28', '2028-03-01'], day('2028-03-01')).longestStreak).toBe(1);
    // Year boundary: 12-31 → 01-01.
    expect(computeStreaks(['2025-12-31', '2026-01-01'], day('2026-01-01')).currentStreak).toBe(2);
  });

  it('anchors on a past --until: later activity does not count towards the current streak', () => {
    const days = ['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13'];
    // Anchor 03-04 (idle) → count from 03-03: 03, 02, 01 = 3. Longest is 10–13 = 4.
    expect(computeStreaks(days, day('2026-03-04'))).toEqual({ activeDays: 7, currentStreak: 3, longestStreak: 4 });
    // Anchor 03-02 (active) → 02, 01 = 2.
    expect(computeStreaks(days, day('2026-03-02')).currentStreak).toBe(2);
  });

  it('is all zeros with no activity', () => {
    expect(computeStreaks([], day('2026-03-02'))).toEqual({ activeDays: 0, currentStreak: 0, longestStreak: 0 });
  });

  it('follows the zone for records near midnight (Asia/Tokyo)', () => {
    // In Tokyo (UTC+9): 03-01T14:30Z = 03-01 23:30, 03-01T15:30Z = 03-02 00:30, 03-02T15:10Z = 03-03 00:10.
    // Three consecutive local days; in UTC the same instants cover only 03-01 and 03-02.
    const records = [
      makeRecord({ at: '2026-03-01T14:30:00Z' }),
      makeRecord({ at: '2026-03-01T15:30:00Z' }),
      makeRecord({ at: '2026-03-02T15:10:00Z' }),
    ];
    const tokyo = reduceAll(createDaysReducer('Asia/Tokyo'), records);
    expect(computeStreaks(tokyo.days.keys(), day('2026-03-03'))).toEqual({ activeDays: 3, currentStreak: 3, longestStreak: 3 });
    const utc = reduceAll(createDaysReducer('UTC'), records);
    // UTC anchor 03-03 is idle → from 03-02: 02, 01 = 2.
    expect(computeStreaks(utc.days.keys(), day('2026-03-03'))).toEqual({ activeDays: 2, currentStreak: 2, longestStreak: 2 });
  });
});

describe('buildTrend', () => {
  it('lists the last N days ending on the anchor, oldest first, idle days as zeros', () => {
    const totals = createTokenTotals();
    totals.totalTokens = 42;
    totals.records = 1;
    const days = new Map([
      ['2026-02-28', totals],
      ['2026-03-02', totals],
    ]);
    // Three days ending 03-02 in 2026 (not a leap year): 02-28, 03-01, 03-02.
    const trend = buildTrend(days, day('2026-03-02'), 3);
    expect(trend.map((entry) => [entry.date, entry.totals.totalTokens])).toEqual([
      ['2026-02-28', 42],
      ['2026-03-01', 0],
      ['2026-03-02', 42],
    ]);
  });
});
