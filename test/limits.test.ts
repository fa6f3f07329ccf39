import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCodexRateLimits } from '../src/dialects/codex.js';
import { addReading, createRateLimitsState, mergeRateLimits, traceWindow } from '../src/reducers/rate-limits.js';
import { buildLimitsReport } from '../src/reports/limits.js';
import { scanMatchingLines } from '../src/sources/side-scan.js';

const seconds = (iso: string) => Date.parse(iso) / 1000;

function line(time: string, rateLimits: unknown): Record<string, unknown> {
  return { timestamp: time, type: 'event_msg', payload: { type: 'token_count', info: null, rate_limits: rateLimits } };
}

// One day of readings (UTC). The primary window resets at 12:00; the 12:30
// reading is in the next window (reset until 17:00). The 13:00 line is in the
// older shape, with resets_in_seconds: 13:00 + 14,400 s = 17:00.
const LINES = [
  line('2026-11-10T09:00:00Z', {
    primary: { used_percent: 10, window_minutes: 300, resets_at: seconds('2026-11-10T12:00:00Z') },
    secondary: { used_percent: 3, window_minutes: 10080, resets_at: seconds('2026-11-15T00:00:00Z') },
    plan_type: 'plus',
  }),
  line('2026-11-10T10:00:00Z', { primary: { used_percent: 10, window_minutes: 300, resets_at: seconds('2026-11-10T12:00:00Z') }, secondary: null }),
  line('2026-11-10T11:30:00Z', { primary: { used_percent: 40, window_minutes: 300, resets_at: seconds('2026-11-10T12:00:00Z') } }),
  line('2026-11-10T12:30:00Z', { primary: { used_percent: 5, window_minutes: 300, resets_at: seconds('2026-11-10T17:00:00Z') } }),
  line('2026-11-10T13:00:00Z', { primary: { used_percent: 8, window_minutes: 300, resets_in_seconds: 14_400 } }),
];
const DAY = { start: Date.parse('2026-11-10T00:00:00Z'), end: Date.parse('2026-11-11T00:00:00Z') };

function reduce(lines: Array<Record<string, unknown>>) {
  const state = createRateLimitsState();
  for (const value of lines) for (const reading of readCodexRateLimits(value)) addReading(state, reading, DAY);
  return state;
}

describe('rate limits', () => {
  it('reads both reset shapes and ignores lines without rate limits', () => {
    expect(readCodexRateLimits({ type: 'turn_context', payload: { model: 'gpt-5' } })).toEqual([]);
    expect(readCodexRateLimits(line('2026-11-10T09:00:00Z', null))).toEqual([]);
    const [older] = readCodexRateLimits(LINES[4]!);
    expect(older?.resetsAt).toBe(Date.parse('2026-11-10T17:00:00Z'));
    // A null secondary is no reading.
    expect(readCodexRateLimits(LINES[1]!).map((reading) => reading.window)).toEqual(['primary']);
  });

  it('traces how a window moved, marking the reset', () => {
    const state = reduce(LINES);
    // 6 readings: 2 in the first line, 1 in each of the other four.
    expect(state.readings).toBe(6);
    const points = traceWindow(state.history, 'primary').map((point) => [new Date(point.timestamp).toISOString().slice(11, 16), point.usedPercent, point.reset]);
    // 10:00 repeats 10% in the same window: no point. 12:30 is after the 12:00 reset.
    expect(points).toEqual([
      ['09:00', 10, false],
      ['11:30', 40, false],
      ['12:30', 5, true],
      ['13:00', 8, false],
    ]);
  });

  it('shows the latest state, time to reset, and a reset that passed since', () => {
    const state = reduce(LINES);
    const scan = { files: 1, bytes: 0, unreadable: [] };
    const at1330 = buildLimitsReport(state, scan, { zone: 'UTC', now: Date.parse('2026-11-10T13:30:00Z'), day: '2026-11-10' }).json as {
      windows: Array<{ window: string; used_percent: number; resets_in_ms: number | null; reset_since: boolean; plan_type: string | null }>;
    };
    // 13:30 → 17:00 is 3.5 h = 12,600,000 ms; the secondary resets on Nov 15 00:00, 4 d 10.5 h away = 383,400,000 ms.
    expect(at1330.windows).toMatchObject([
      { window: 'primary', used_percent: 8, resets_in_ms: 12_600_000, reset_since: false },
      { window: 'secondary', used_percent: 3, resets_in_ms: 383_400_000, reset_since: false, plan_type: 'plus' },
    ]);
    const at1800 = buildLimitsReport(state, scan, { zone: 'UTC', now: Date.parse('2026-11-10T18:00:00Z'), day: '2026-11-10' }).json as typeof at1330;
    expect(at1800.windows[0]).toMatchObject({ used_percent: 8, resets_in_ms: null, reset_since: true });
  });

  it('merges halves into the same state as the whole', () => {
    const whole = reduce(LINES);
    const merged = mergeRateLimits(reduce(LINES.slice(0, 2)), reduce(LINES.slice(2)));
    expect(merged.readings).toBe(whole.readings);
    expect(merged.latest).toEqual(whole.latest);
    expect(traceWindow(merged.history, 'primary')).toEqual(traceWindow(whole.history, 'primary'));
  });

  it('merges any split of any readings into the state of the whole (property)', () => {
    const reading = fc.record({
      minute: fc.integer({ min: 0, max: 2 * 24 * 60 }),
      window: fc.constantFrom('primary' as const, 'secondary' as const),
      usedPercent: fc.integer({ min: 0, max: 100 }),
      resetMinute: fc.option(fc.integer({ min: 0, max: 3 * 24 * 60 }), { nil: null }),
    });
    const base = Date.parse('2026-11-09T12:00:00Z');
    fc.assert(
      fc.property(fc.array(reading, { maxLength: 30 }), fc.nat(), (raw, cut) => {
        // Distinct times per window, so "the latest" is one reading whatever the order.
        const seen = new Set<string>();
        const readings = raw
          .filter((item) => !seen.has(`${item.window}${item.minute}`) && seen.add(`${item.window}${item.minute}`))
          .map((item) => ({
            timestamp: base + item.minute * 60_000,
            window: item.window,
            usedPercent: item.usedPercent,
            windowMinutes: 300,
            resetsAt: item.resetMinute === null ? null : base + item.resetMinute * 60_000,
            planType: null,
          }));
        const fold = (list: typeof readings) => {
          const state = createRateLimitsState();
          for (const item of list) addReading(state, item, DAY);
          return state;
        };
        const at = cut % (readings.length + 1);
        const merged = mergeRateLimits(fold(readings.slice(0, at)), fold(readings.slice(at)));
        const whole = fold(readings);
        expect(merged.latest).toEqual(whole.latest);
        expect(traceWindow(merged.history, 'primary')).toEqual(traceWindow(whole.history, 'primary'));
        expect(traceWindow(merged.history, 'secondary')).toEqual(traceWindow(whole.history, 'secondary'));
      }),
    );
  });

  it('lists a file that cannot be read instead of failing the pass', async () => {
    const scan = await scanMatchingLines([{ kind: 'file', path: '/nonexistent/usage-test/rollout.jsonl' }], '"rate_limits"', () => undefined);
    expect(scan.files).toBe(0);
    expect(scan.unreadable).toHaveLength(1);
    expect(scan.unreadable[0]?.path).toBe('/nonexistent/usage-test/rollout.jsonl');
  });
});
