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
});
