import { describe, expect, it } from 'vitest';
import { cacheHealthReducer, computeCacheRatios, createCacheCounts } from '../src/reducers/cache-health.js';
import { reduceAll } from '../src/reducers/reducer.js';
import { makeRecord } from './helpers/analytics.js';

describe('cache health', () => {
  it('computes both ratios from the records that report cache counts only', () => {
    const state = reduceAll(cacheHealthReducer, [
      makeRecord({ model: 'a', input: 100, cacheRead: 800, cacheWrite: 100 }),
      makeRecord({ model: 'a', input: 50, cacheRead: 0, cacheWrite: 50 }),
      // A source without cache fields: its input must not count as a miss.
      makeRecord({ model: 'b', input: 1000, cacheReported: false }),
    ]);
    // Reporting records: input 150, read 800, write 150.
    // hit = 800 / (150 + 800 + 150) = 800 / 1100; reuse = 800 / (800 + 150) = 800 / 950.
    const ratios = computeCacheRatios(state.overall);
    expect(ratios.cacheHitRate).toBeCloseTo(800 / 1100, 12);
    expect(ratios.cacheReuseRate).toBeCloseTo(800 / 950, 12);
    expect(state.overall.records).toBe(3);
    expect(state.overall.reportedRecords).toBe(2);
    expect(state.overall.inputTokens).toBe(150);
    // Model b never reported: both ratios unknown, not 0.
    expect(computeCacheRatios(state.models.get('b')!)).toEqual({ cacheHitRate: null, cacheReuseRate: null });
  });

  it('is null rather than NaN when nothing reports cache or nothing was cached', () => {
    expect(computeCacheRatios(createCacheCounts())).toEqual({ cacheHitRate: null, cacheReuseRate: null });
    const noCacheActivity = reduceAll(cacheHealthReducer, [makeRecord({ input: 10 })]);
    // Reported, 10 prompt tokens, none from cache: hit rate 0 / 10 = 0; reuse 0 / 0 is undefined.
    expect(computeCacheRatios(noCacheActivity.overall)).toEqual({ cacheHitRate: 0, cacheReuseRate: null });
  });

  it('sums per model', () => {
    const state = reduceAll(cacheHealthReducer, [
      makeRecord({ model: 'a', cacheRead: 30, input: 10 }),
      makeRecord({ model: 'b', cacheRead: 5, input: 5 }),
      makeRecord({ model: 'a', cacheRead: 50, cacheWrite: 10 }),
    ]);
    // Model a: read 30 + 50 = 80; input 10; write 10 → hit 80 / 100. Model b stays apart: 5 / 10.
    expect(computeCacheRatios(state.models.get('a')!).cacheHitRate).toBe(0.8);
    expect(computeCacheRatios(state.models.get('b')!).cacheHitRate).toBe(0.5);
  });
});
