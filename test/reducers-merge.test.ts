/**
 * The mergeability contract: for any records and any split point, reducing
 * the two halves and merging gives the same view as reducing everything.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PricedRecord } from '../src/core/record.js';
import { type Reducer, reduceAll } from '../src/reducers/reducer.js';
import { sessionsReducer } from '../src/reducers/sessions.js';
import type { Document } from '../src/renderers/dataset.js';
import { buildCacheReport, cacheReducer } from '../src/reports/cache.js';
import { buildReport, createReportReducer } from '../src/reports/report.js';
import { buildSessionsReport } from '../src/reports/sessions.js';
import { parseDayKey } from '../src/time/zone.js';
import { makeRecord, wrapAnalysis } from './helpers/analytics.js';

const DAY = 86_400_000;
const base = Date.parse('2026-02-25T00:00:00Z');

const recordArbitrary: fc.Arbitrary<PricedRecord> = fc
  .record({
    at: fc.option(fc.integer({ min: 0, max: 10 * DAY }), { nil: null, freq: 10 }),
    model: fc.constantFrom('claude-sonnet-4-5', 'gpt-5', 'gemini-2.5-pro'),
    session: fc.option(fc.constantFrom('s1', 's2', 's3'), { nil: null }),
    project: fc.option(fc.constantFrom('alpha', 'beta'), { nil: null }),
    source: fc.option(fc.constantFrom('turn', 'subagent', 'compaction'), { nil: null }),
    input: fc.nat(5000),
    output: fc.nat(2000),
    cacheRead: fc.nat(20000),
    cacheWrite: fc.nat(5000),
    cacheReported: fc.boolean(),
    // Multiples of 1/64 add exactly in binary, so a different summation order
    // cannot change a cost by a rounding error and the states compare exactly.
    cost: fc.option(fc.integer({ min: 0, max: 10_000 }).map((units) => units / 64), { nil: null }),
    context: fc.option(
      fc.record({
        promptTokens: fc.nat(200_000),
        maxContextTokens: fc.constantFrom(0, 200_000),
        truncationOccurred: fc.boolean(),
        segmentsRemoved: fc.nat(5),
      }),
      { nil: null },
    ),
  })
  .map(({ at, ...fields }) => makeRecord({ ...fields, at: at === null ? null : base + at }));

function checkSplit<State>(reducer: Reducer<State>, build: (state: State) => Document) {
  fc.assert(
    fc.property(fc.array(recordArbitrary, { maxLength: 40 }), fc.nat(), (records, cut) => {
      const split = records.length === 0 ? 0 : cut % (records.length + 1);
      const left = reduceAll(reducer, records.slice(0, split));
      const right = reduceAll(reducer, records.slice(split));
      const leftBefore = structuredClone(left);
      const rightBefore = structuredClone(right);
      const merged = reducer.merge(left, right);
      expect(build(merged)).toEqual(build(reduceAll(reducer, records)));
      expect(merged).toEqual(reduceAll(reducer, records));
      // merge must leave its inputs alone.
      expect(left).toEqual(leftBefore);
      expect(right).toEqual(rightBefore);
    }),
    { numRuns: 200 },
  );
}

describe('merging halves equals reducing the whole', () => {
  const meta = { since: null, until: null, zone: 'Asia/Kolkata' };

  it('report (totals, days, streaks, trend, shares, cache, context)', () => {
    checkSplit(createReportReducer('Asia/Kolkata'), (state) =>
      buildReport(wrapAnalysis(state), { ...meta, today: parseDayKey('2026-03-03'), trendDays: 5 }),
    );
  });

  it('sessions', () => {
    checkSplit(sessionsReducer, (state) => buildSessionsReport(wrapAnalysis(state), meta));
  });

  it('cache (ratios, cold rounds, context pressure)', () => {
    checkSplit(cacheReducer, (state) => buildCacheReport(wrapAnalysis(state), { ...meta, coldThreshold: 0.1 }));
  });
});
