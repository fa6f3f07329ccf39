import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRecord, type PricedRecord } from '../src/core/record.js';
import {
  createPeriodKeyer,
  createPeriodReducer,
  listPeriodKeys,
  readNextPeriodKey,
  readSplits,
  readWeekKey,
} from '../src/reducers/periods.js';
import { reduceAll } from '../src/reducers/reducer.js';
import { metric, parseStartOfWeek, startOfWeek } from '../src/cli/flags.js';
import { buildPeriodChart, buildPeriodsReport } from '../src/reports/periods.js';
import type { IngestSummary } from '../src/ingest/ingest.js';

function priced(iso: string | null, model: string, input: number, output: number, cost: number | null): PricedRecord {
  const record = createRecord(
    { dialect: 'provider', timestamp: iso === null ? null : Date.parse(iso), model, cacheReported: false },
    { inputTokens: input, outputTokens: output },
  );
  return { ...record, costUsd: cost, calculatedCostUsd: cost, costSource: cost === null ? 'unknown' : 'calculated' };
}

describe('period keys', () => {
  it('names days, weeks and months in the given zone', () => {
    // 03:00 UTC on Monday 2026-11-02 is 22:00 on Sunday 2026-11-01 in New York (UTC-5 after DST ends on Nov 1).
    const instant = Date.parse('2026-11-02T03:00:00Z');
    expect(createPeriodKeyer({ span: 'day', zone: 'UTC' })(instant)).toBe('2026-11-02');
    expect(createPeriodKeyer({ span: 'day', zone: 'America/New_York' })(instant)).toBe('2026-11-01');
    // The Monday-started week of Sunday 2026-11-01 began on Monday 2026-10-26.
    expect(createPeriodKeyer({ span: 'week', zone: 'America/New_York' })(instant)).toBe('2026-10-26');
    expect(createPeriodKeyer({ span: 'week', zone: 'UTC' })(instant)).toBe('2026-11-02');
    expect(createPeriodKeyer({ span: 'month', zone: 'UTC' })(Date.parse('2026-12-31T23:30:00Z'))).toBe('2026-12');
    // 23:30 UTC on Dec 31 is already Jan 1 in Tokyo (UTC+9).
    expect(createPeriodKeyer({ span: 'month', zone: 'Asia/Tokyo' })(Date.parse('2026-12-31T23:30:00Z'))).toBe('2027-01');
    expect(createPeriodKeyer({ span: 'all', zone: 'UTC' })(instant)).toBe('all');
  });

  it('starts weeks on the chosen day', () => {
    // 2026-11-03 is a Tuesday.
    expect(readWeekKey('2026-11-03', 'monday')).toBe('2026-11-02');
    expect(readWeekKey('2026-11-03', 'sunday')).toBe('2026-11-01');
    expect(readWeekKey('2026-11-03', 'tuesday')).toBe('2026-11-03');
    expect(readWeekKey('2026-11-03', 'wednesday')).toBe('2026-10-28');
    // Across a year boundary: Friday 2027-01-01 belongs to the week of Monday 2026-12-28.
    expect(readWeekKey('2027-01-01', 'monday')).toBe('2026-12-28');
  });

  it('a week key is always on the start day and at most six days back', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1990-01-01'), max: new Date('2090-01-01'), noInvalidDate: true }), fc.integer({ min: 0, max: 6 }), (date, start) => {
        const days = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
        const day = date.toISOString().slice(0, 10);
        const week = readWeekKey(day, days[start]);
        const gap = (Date.parse(day) - Date.parse(week)) / 86_400_000;
        expect(gap).toBeGreaterThanOrEqual(0);
        expect(gap).toBeLessThanOrEqual(6);
        expect(new Date(`${week}T00:00:00Z`).getUTCDay()).toBe(start);
      }),
    );
  });

  it('steps to the next period and lists a span without gaps', () => {
    expect(readNextPeriodKey('2026-12', 'month')).toBe('2027-01');
    expect(readNextPeriodKey('2026-02-28', 'day')).toBe('2026-03-01');
    expect(readNextPeriodKey('2026-12-28', 'week')).toBe('2027-01-04');
    expect(listPeriodKeys('2026-10', '2027-02', 'month')).toEqual(['2026-10', '2026-11', '2026-12', '2027-01', '2027-02']);
    expect(listPeriodKeys('2026-10-30', '2026-11-02', 'day')).toEqual(['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
  });
});

describe('createPeriodReducer', () => {
  const records = [
    priced('2026-10-31T12:00:00Z', 'alpha', 100, 50, 1.5),
    priced('2026-11-02T03:00:00Z', 'alpha', 20, 10, 0.25),
    priced('2026-11-02T10:00:00Z', 'beta', 10, 5, null),
    priced(null, 'alpha', 7, 3, 0.1),
  ];

  it('totals per period and per period × model, keeping undated records apart', () => {
    const state = reduceAll(createPeriodReducer({ span: 'day', zone: 'UTC', splitBy: (record) => record.model }), records);
    expect([...state.periods.keys()].sort()).toEqual(['2026-10-31', '2026-11-02']);
    // 2026-11-02: alpha 20+10 = 30 tokens and beta 10+5 = 15 tokens → 45; only alpha's $0.25 is known.
    const day = state.periods.get('2026-11-02')!;
    expect(day.totalTokens).toBe(45);
    expect(day.costUsd).toBeCloseTo(0.25, 12);
    expect(day.unpricedTokens).toBe(15);
    const splits = readSplits(state);
    expect(splits.get('2026-11-02')?.get('beta')?.totalTokens).toBe(15);
    expect(splits.get('2026-10-31')?.get('alpha')?.totalTokens).toBe(150);
    // The undated record (7 + 3 = 10 tokens) is in no day.
    expect(state.undated.records).toBe(1);
    expect(state.undated.totalTokens).toBe(10);
  });

  it('holds undated records in the single period of span "all"', () => {
    const state = reduceAll(createPeriodReducer({ span: 'all', zone: 'UTC' }), records);
    // 150 + 30 + 15 + 10 = 205 tokens, all four records.
    expect(state.periods.get('all')?.totalTokens).toBe(205);
    expect(state.undated.records).toBe(0);
  });

  it('merging the states of two halves equals reducing the whole', () => {
    const arbitraryRecord = fc
      .record({
        day: fc.integer({ min: 0, max: 60 }),
        hour: fc.integer({ min: 0, max: 23 }),
        model: fc.constantFrom('a', 'b', 'c'),
        input: fc.integer({ min: 0, max: 1000 }),
        output: fc.integer({ min: 0, max: 1000 }),
        dated: fc.boolean(),
      })
      .map((spec) =>
        priced(
          spec.dated ? new Date(Date.UTC(2026, 0, 1 + spec.day, spec.hour)).toISOString() : null,
          spec.model,
          spec.input,
          spec.output,
          spec.model === 'c' ? null : spec.input / 1000,
        ),
      );
    fc.assert(
      fc.property(fc.array(arbitraryRecord, { maxLength: 40 }), fc.nat(), (all, cut) => {
        const reducer = createPeriodReducer({ span: 'week', zone: 'Europe/Berlin', splitBy: (record) => record.model });
        const at = all.length === 0 ? 0 : cut % (all.length + 1);
        const merged = reducer.merge(reduceAll(reducer, all.slice(0, at)), reduceAll(reducer, all.slice(at)));
        const whole = reduceAll(reducer, all);
        const tokens = (state: typeof whole) => [...state.splits].map(([key, totals]) => [key, totals.totalTokens, totals.unpricedRecords]).sort();
        expect(tokens(merged)).toEqual(tokens(whole));
        expect(merged.undated.totalTokens).toBe(whole.undated.totalTokens);
      }),
    );
  });
});

/** An ingest summary of an empty read; the report only copies it through. */
const EMPTY_SUMMARY: IngestSummary = {
  files: 0,
  bytes: 0,
  lines: 0,
  records: 0,
  recordsByDialect: {},
  skipped: { lines: 0, reasons: {} },
  skippedByDialect: {},
  noUsageLines: 0,
  duplicateLines: 0,
  partialLines: 0,
  problems: [],
  unreadable: [],
};

describe('periods report', () => {
  const analysis = (state: ReturnType<ReturnType<typeof createPeriodReducer>['create']>) => ({
    state,
    summary: EMPTY_SUMMARY,
    excluded: { outOfRange: 2, undated: 0 },
  });

  it('lists periods in time order, with model rows under each when asked', () => {
    const records = [
      priced('2026-11-09T10:00:00Z', 'alpha', 100, 0, 1),
      priced('2026-10-31T10:00:00Z', 'beta', 10, 0, 2),
      priced('2026-10-31T11:00:00Z', 'alpha', 30, 0, 3),
      priced(null, 'alpha', 1, 0, 0),
    ];
    const state = reduceAll(createPeriodReducer({ span: 'month', zone: 'UTC', splitBy: (record) => record.model }), records);
    const document = buildPeriodsReport(analysis(state), { since: null, until: null, zone: 'UTC', unit: 'month', breakdown: true });
    const json = document.json as {
      periods: Array<{ period: string; total_tokens: number; cost_usd: number; models: Array<{ model: string; total_tokens: number }> }>;
      totals: { total_tokens: number; cost_usd: number };
      excluded: { out_of_range: number; undated: number };
    };
    expect(json.periods.map((row) => row.period)).toEqual(['2026-10', '2026-11']);
    // October: beta 10 + alpha 30 = 40 tokens, $2 + $3 = $5; alpha (30) first, being larger.
    expect(json.periods[0]).toMatchObject({ total_tokens: 40, cost_usd: 5 });
    expect(json.periods[0]?.models.map((row) => [row.model, row.total_tokens])).toEqual([
      ['alpha', 30],
      ['beta', 10],
    ]);
    // Totals are the dated records only: 40 + 100 = 140; the undated one is reported as excluded.
    expect(json.totals).toMatchObject({ total_tokens: 140, cost_usd: 6 });
    expect(json.excluded).toEqual({ out_of_range: 2, undated: 1 });
    // Table rows: October's own row (no model), its two models, then November and its one model.
    const rows = document.datasets[0]!.rows.map((row) => [row['period'], row['model']]);
    expect(rows).toEqual([
      ['2026-10', null],
      ['2026-10', 'alpha'],
      ['2026-10', 'beta'],
      ['2026-11', null],
      ['2026-11', 'alpha'],
    ]);
  });

  it('charts cost with gaps filled, and falls back to tokens when no cost is known', () => {
    const state = reduceAll(createPeriodReducer({ span: 'day', zone: 'UTC' }), [
      priced('2026-11-01T10:00:00Z', 'alpha', 100, 0, 2),
      priced('2026-11-03T10:00:00Z', 'alpha', 300, 0, 4),
      priced('2026-11-03T11:00:00Z', 'gamma', 5, 0, null),
    ]);
    const chart = buildPeriodChart(state, 'day', 'cost');
    expect(chart.bars.map((bar) => [bar.label, bar.value, bar.text])).toEqual([
      ['2026-11-01', 2, '$2.00'],
      ['2026-11-02', 0, '$0.00'],
      // $4 is known, 5 tokens are not: a lower bound.
      ['2026-11-03', 4, '≥$4.00'],
    ]);
    expect(chart.shape).toBe('bars');
    const unpriced = reduceAll(createPeriodReducer({ span: 'day', zone: 'UTC' }), [priced('2026-11-01T10:00:00Z', 'gamma', 5, 0, null)]);
    const fallback = buildPeriodChart(unpriced, 'day', 'cost');
    expect(fallback.bars.map((bar) => bar.text)).toEqual(['5']);
    expect(fallback.notes.join(' ')).toMatch(/tokens instead/);
  });

  it('draws a sparkline when there are too many periods for a bar each', () => {
    const state = reduceAll(createPeriodReducer({ span: 'day', zone: 'UTC' }), [
      priced('2026-01-01T10:00:00Z', 'alpha', 1, 0, 1),
      priced('2026-12-31T10:00:00Z', 'alpha', 1, 0, 1),
    ]);
    const chart = buildPeriodChart(state, 'day', 'tokens');
    // 2026 has 365 days, first to last.
    expect(chart.bars).toHaveLength(365);
    expect(chart.shape).toBe('sparkline');
  });

  it('parses --metric and --start-of-week, rejecting anything else', () => {
    const parseMetric = metric.parse ?? ((text: string) => text);
    expect(metric.defaultValue).toBe('cost');
    expect(parseMetric('tokens')).toBe('tokens');
    expect(() => parseMetric('dollars')).toThrow(/--metric "dollars"/);
    expect(startOfWeek.defaultValue).toBe('monday');
    expect(parseStartOfWeek('Sun')).toBe('sunday');
    expect(parseStartOfWeek('SATURDAY')).toBe('saturday');
    expect(() => parseStartOfWeek('mo')).toThrow(/--start-of-week/);
    expect(() => parseStartOfWeek('someday')).toThrow(/--start-of-week/);
  });
});
