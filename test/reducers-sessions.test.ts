import { describe, expect, it } from 'vitest';
import { reduceAll } from '../src/reducers/reducer.js';
import { NO_SESSION, readPromptTokens, sessionsReducer, sortEntries } from '../src/reducers/sessions.js';
import { buildSessionCallsReport, buildSessionsReport } from '../src/reports/sessions.js';
import { makeRecord, wrapAnalysis } from './helpers/analytics.js';

const meta = { since: null, until: null, zone: 'UTC' };

describe('sessionsReducer', () => {
  const records = [
    makeRecord({ session: 'b', at: '2026-03-01T10:05:00Z', input: 10, cacheRead: 90, output: 5, cost: 0.5 }),
    makeRecord({ session: 'a', at: '2026-03-01T09:00:00Z', input: 100, cacheWrite: 300, output: 20, cost: 1, model: 'm1' }),
    makeRecord({ session: 'a', at: '2026-03-01T09:30:00Z', input: 50, cacheRead: 350, output: 30, cost: 2, model: 'm2' }),
    makeRecord({ session: 'a', at: '2026-03-01T09:10:00Z', input: 40, cacheRead: 360, output: 10, cost: 0.25, model: 'm2' }),
    makeRecord({ session: null, at: null, input: 7 }),
  ];

  it('keeps totals and compact entries per session; entries sort by time', () => {
    const state = reduceAll(sessionsReducer, records);
    expect([...state.keys()].sort()).toEqual([NO_SESSION, 'a', 'b']);
    const a = state.get('a')!;
    // 100+300+20 + 50+350+30 + 40+360+10 = 420 + 430 + 410 = 1260.
    expect(a.totals.totalTokens).toBe(1260);
    expect(sortEntries(a.entries).map((entry) => entry.timestamp)).toEqual([
      Date.parse('2026-03-01T09:00:00Z'),
      Date.parse('2026-03-01T09:10:00Z'),
      Date.parse('2026-03-01T09:30:00Z'),
    ]);
    expect(readPromptTokens(a.entries[0]!)).toBe(400);
  });

  it('builds one row per session in order of first activity', () => {
    const document = buildSessionsReport(wrapAnalysis(reduceAll(sessionsReducer, records)), meta);
    const json = document.json as { sessions: Array<Record<string, unknown>> };
    expect(json.sessions.map((row) => row['session'])).toEqual(['a', 'b', NO_SESSION]);
    const a = json.sessions[0]!;
    // 09:00 → 09:30 = 30 minutes; m2 has 430 + 410 = 840 tokens, m1 420.
    expect(a['first_activity']).toBe('2026-03-01T09:00:00.000Z');
    expect(a['last_activity']).toBe('2026-03-01T09:30:00.000Z');
    expect(a['duration_ms']).toBe(30 * 60_000);
    expect(a['models']).toEqual(['m2', 'm1']);
    expect(a['calls']).toBe(3);
    // $1 + $2 + $0.25.
    expect(a['cost_usd']).toBe(3.25);
    // read 350 + 360 = 710 of prompts 400 + 400 + 400 = 1200.
    expect(a['cache_hit_rate']).toBeCloseTo(710 / 1200, 6);
    // reuse = 710 / (710 + 300) = 710 / 1010.
    expect(a['cache_reuse_rate']).toBeCloseTo(710 / 1010, 6);
    const none = json.sessions[2]!;
    expect(none['first_activity']).toBeNull();
    expect(none['duration_ms']).toBeNull();
    expect(none['cost_usd']).toBeNull();
  });

  it("lists one session's calls in order with the gap since the previous call", () => {
    const document = buildSessionCallsReport(wrapAnalysis(reduceAll(sessionsReducer, records)), 'a', meta);
    const calls = (document.json as { calls: Array<Record<string, unknown>> }).calls;
    expect(calls.map((call) => [call['index'], call['model'], call['gap_ms']])).toEqual([
      [1, 'm1', null],
      [2, 'm2', 10 * 60_000],
      [3, 'm2', 20 * 60_000],
    ]);
    // Reads over 400-token prompts: 0 / 400 = 0, 360 / 400 = 0.9, 350 / 400 = 0.875.
    expect(calls.map((call) => call['cache_hit_rate'])).toEqual([0, 0.9, 0.875]);
  });

  it('rejects an unknown session id', () => {
    expect(() => buildSessionCallsReport(wrapAnalysis(reduceAll(sessionsReducer, records)), 'zzz', meta)).toThrow(/matches no session/);
  });
});
