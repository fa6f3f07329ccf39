import { describe, expect, it } from 'vitest';
import { classifyColdRound, detectColdRounds } from '../src/reducers/cold-rounds.js';
import { reduceAll } from '../src/reducers/reducer.js';
import { sessionsReducer, sortEntries } from '../src/reducers/sessions.js';
import { makeRecord, type RecordFields } from './helpers/analytics.js';

const MINUTE = 60_000;
const start = Date.parse('2026-03-01T09:00:00Z');

function entriesOf(calls: RecordFields[]) {
  const state = reduceAll(
    sessionsReducer,
    calls.map((call) => makeRecord({ session: 's', ...call })),
  );
  return sortEntries(state.get('s')!.entries);
}

describe('detectColdRounds', () => {
  // Prompts (input + read + write): 10000, 10000, 10200, 10400, 10500, [compaction excluded], 3700.
  const session: RecordFields[] = [
    { at: start, input: 1000, cacheWrite: 9000 },
    { at: start + 1 * MINUTE, input: 100, cacheRead: 9000, cacheWrite: 900 },
    { at: start + 2 * MINUTE, input: 100, cacheRead: 9900, cacheWrite: 200 },
    { at: start + 12 * MINUTE, input: 100, cacheRead: 0, cacheWrite: 10300 },
    { at: start + 13 * MINUTE, input: 100, cacheRead: 10300, cacheWrite: 100 },
    { at: start + 14 * MINUTE, input: 5000, source: 'compaction' },
    { at: start + 15 * MINUTE, input: 200, cacheRead: 500, cacheWrite: 3000 },
  ];

  it('finds collapses after warm calls, with gap, cause and re-written tokens', () => {
    const rounds = detectColdRounds(entriesOf(session), 0.1);
    // Median of 3700, 10000, 10000, 10200, 10400, 10500 = (10000 + 10200) / 2 = 10100; cold below 1010.
    // Call 1 reads 0 but nothing was warm before it; call 4 (read 0) follows warm call 3;
    // call 7 (read 500) follows warm call 5, with the compaction record just before it.
    expect(
      rounds.map((round) => ({
        index: round.index,
        gap: round.gapMs,
        compaction: round.afterCompaction,
        cause: round.cause,
        rewritten: round.entry.cacheWriteTokens,
        median: round.medianPromptTokens,
      })),
    ).toEqual([
      { index: 3, gap: 10 * MINUTE, compaction: false, cause: 'idle_over_5m', rewritten: 10300, median: 10100 },
      // The gap is to call 5, the previous call of the same lane: 15 − 13 = 2 minutes.
      { index: 6, gap: 2 * MINUTE, compaction: true, cause: 'compaction', rewritten: 3000, median: 10100 },
    ]);
  });

  it('honours the threshold', () => {
    // Threshold 0.04 → cold below 404: call 7 (read 500) is no longer cold.
    expect(detectColdRounds(entriesOf(session), 0.04).map((round) => round.index)).toEqual([3]);
  });

  it('counts a run of cold calls once, flags truncation, idle hours and unexplained collapses', () => {
    const calls: RecordFields[] = [
      { at: start, input: 100, cacheWrite: 900 },
      { at: start + MINUTE, input: 100, cacheRead: 900 },
      { at: start + 2 * MINUTE, input: 100, cacheRead: 900 },
      // 2 hours idle, then cold.
      { at: start + 122 * MINUTE, input: 100, cacheWrite: 900 },
      { at: start + 123 * MINUTE, input: 100, cacheRead: 900 },
      // Cold right after a warm call, with the prompt truncated.
      { at: start + 124 * MINUTE, input: 100, cacheWrite: 900, context: { truncationOccurred: true } },
      // Still cold: part of the same run, not a new round.
      { at: start + 125 * MINUTE, input: 100, cacheWrite: 900 },
      { at: start + 126 * MINUTE, input: 100, cacheRead: 900 },
      // Cold one minute after a warm call, no compaction: unexplained.
      { at: start + 127 * MINUTE, input: 100, cacheWrite: 900 },
    ];
    // Every prompt is 1000, so the median is 1000 and cold means a read below 100.
    const rounds = detectColdRounds(entriesOf(calls), 0.1);
    expect(rounds.map((round) => [round.index, round.cause, round.gapMs])).toEqual([
      [3, 'idle_over_1h', 120 * MINUTE],
      [5, 'compaction', MINUTE],
      [8, 'unexplained', MINUTE],
    ]);
  });

  it('follows each source lane separately and ignores calls without cache counts', () => {
    const calls: RecordFields[] = [
      { at: start, input: 100, cacheWrite: 900, source: 'turn' },
      { at: start + MINUTE, input: 100, cacheRead: 900, source: 'turn' },
      // A subagent's first call is cold, but its lane had nothing cached: not a round.
      { at: start + 2 * MINUTE, input: 100, cacheWrite: 900, source: 'subagent' },
      { at: start + 3 * MINUTE, input: 1000, cacheReported: false, source: 'turn' },
      { at: start + 4 * MINUTE, input: 100, cacheRead: 900, source: 'turn' },
    ];
    expect(detectColdRounds(entriesOf(calls), 0.1)).toEqual([]);
  });

  it('finds nothing in a session without cache counts', () => {
    expect(detectColdRounds(entriesOf([{ input: 10, cacheReported: false }, { input: 10, cacheReported: false }]), 0.1)).toEqual([]);
  });
});

describe('classifyColdRound', () => {
  it('puts compaction first, then idle over an hour, then over five minutes', () => {
    expect(classifyColdRound(true, 2 * 60 * MINUTE)).toBe('compaction');
    expect(classifyColdRound(false, 60 * MINUTE + 1)).toBe('idle_over_1h');
    expect(classifyColdRound(false, 60 * MINUTE)).toBe('idle_over_5m');
    expect(classifyColdRound(false, 5 * MINUTE)).toBe('unexplained');
    expect(classifyColdRound(false, null)).toBe('unexplained');
  });
});
