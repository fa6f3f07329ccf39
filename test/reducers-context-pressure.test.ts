import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeMedian, contextPressureReducer, summarizeContextPressure } from '../src/reducers/context-pressure.js';
import { reduceAll } from '../src/reducers/reducer.js';
import { makeRecord } from './helpers/analytics.js';

describe('context pressure', () => {
  it('reports peak and median fill, truncations and removed segments', () => {
    const state = reduceAll(contextPressureReducer, [
      makeRecord({ context: { promptTokens: 50_000, maxContextTokens: 100_000 } }),
      makeRecord({ context: { promptTokens: 50_000, maxContextTokens: 200_000 } }),
      makeRecord({ context: { promptTokens: 150_000, maxContextTokens: 200_000, truncationOccurred: true, segmentsRemoved: 4 } }),
      makeRecord({ context: { promptTokens: 180_000, maxContextTokens: 200_000, segmentsRemoved: 2 } }),
      // A snapshot without a window size: counted, but gives no ratio.
      makeRecord({ context: { promptTokens: 10 } }),
      makeRecord({ context: null }),
    ]);
    // Ratios: 0.5, 0.25, 0.75, 0.9 → peak 0.9; median of 0.25, 0.5, 0.75, 0.9 = (0.5 + 0.75) / 2 = 0.625.
    expect(summarizeContextPressure(state)).toEqual({
      snapshots: 5,
      peakRatio: 0.9,
      medianRatio: 0.625,
      truncationEvents: 1,
      segmentsRemoved: 6,
    });
  });

  it('is null when no record carries a snapshot', () => {
    expect(summarizeContextPressure(reduceAll(contextPressureReducer, [makeRecord()]))).toBeNull();
  });

  it('computes medians of odd and even counts', () => {
    expect(computeMedian([3, 1, 2])).toBe(2);
    expect(computeMedian([4, 1, 3, 2])).toBe(2.5);
    expect(computeMedian([])).toBeNull();
  });

  it('selects the same median as sorting does, for any list (property)', () => {
    const bySorting = (values: number[]): number | null => {
      if (values.length === 0) return null;
      const sorted = [...values].sort((a, b) => a - b);
      const middle = Math.floor(sorted.length / 2);
      return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
    };
    // Ratios are never -0 (0 / a positive window is +0), whose place beside +0 no order of comparisons fixes.
    const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }).map((ratio) => (ratio === 0 ? 0 : ratio)), fc.integer({ min: 0, max: 4 }));
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), (values) => {
        expect(computeMedian(values)).toBe(bySorting(values));
      }),
      { numRuns: 500 },
    );
    // Many equal values, and a long list: 0..100,000 in a scrambled order has the median 50,000.
    expect(computeMedian(Array.from({ length: 5001 }, () => 0.25))).toBe(0.25);
    expect(computeMedian(Array.from({ length: 100_001 }, (_, at) => (at * 7919) % 100_001))).toBe(50_000);
  });
});
