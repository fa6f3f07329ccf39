import { describe, expect, it } from 'vitest';
import { createDaysReducer, listDays } from '../src/reducers/days.js';
import { reduceAll } from '../src/reducers/reducer.js';
import { makeRecord } from './helpers/analytics.js';

describe('createDaysReducer', () => {
  it('buckets records by calendar day in UTC', () => {
    const state = reduceAll(createDaysReducer('UTC'), [
      makeRecord({ at: '2026-03-01T00:00:00Z', input: 10, output: 5 }),
      makeRecord({ at: '2026-03-01T23:59:59Z', input: 20 }),
      makeRecord({ at: '2026-03-02T00:00:00Z', input: 7 }),
      makeRecord({ at: null, input: 1000 }),
    ]);
    const days = listDays(state);
    expect(days.map(([key]) => key)).toEqual(['2026-03-01', '2026-03-02']);
    // 03-01: 10 + 5 + 20 = 35 tokens over 2 records; 03-02: 7.
    expect(days[0]![1].totalTokens).toBe(35);
    expect(days[0]![1].records).toBe(2);
    expect(days[1]![1].totalTokens).toBe(7);
    expect(state.undatedRecords).toBe(1);
  });

  it('uses the zone: records either side of Tokyo midnight fall on two days there and one day in UTC', () => {
    // 14:59Z is 23:59 in Tokyo (UTC+9) on 03-01; 15:01Z is 00:01 on 03-02.
    const records = [makeRecord({ at: '2026-03-01T14:59:00Z', input: 1 }), makeRecord({ at: '2026-03-01T15:01:00Z', input: 2 })];
    const tokyo = listDays(reduceAll(createDaysReducer('Asia/Tokyo'), records));
    expect(tokyo.map(([key, totals]) => [key, totals.totalTokens])).toEqual([
      ['2026-03-01', 1],
      ['2026-03-02', 2],
    ]);
    const utc = listDays(reduceAll(createDaysReducer('UTC'), records));
    expect(utc.map(([key, totals]) => [key, totals.totalTokens])).toEqual([['2026-03-01', 3]]);
  });

  it('puts a late-evening record in Los Angeles on the previous UTC day', () => {
    // 2026-01-10T07:30Z is 23:30 on 01-09 in Los Angeles (UTC-8 in January).
    const days = listDays(reduceAll(createDaysReducer('America/Los_Angeles'), [makeRecord({ at: '2026-01-10T07:30:00Z' })]));
    expect(days.map(([key]) => key)).toEqual(['2026-01-09']);
  });

  it('adds records of one day together and counts undated ones apart', () => {
    const state = reduceAll(createDaysReducer('UTC'), [
      makeRecord({ at: '2026-03-01T10:00:00Z', input: 3 }),
      makeRecord({ at: null }),
      makeRecord({ at: '2026-03-01T11:00:00Z', input: 4 }),
      makeRecord({ at: '2026-03-03T11:00:00Z', input: 5 }),
    ]);
    // 03-01: 3 + 4 = 7; 03-03: 5; one record without a time.
    expect(state.days.get('2026-03-01')?.totalTokens).toBe(7);
    expect(state.days.get('2026-03-03')?.totalTokens).toBe(5);
    expect(state.undatedRecords).toBe(1);
  });
});
