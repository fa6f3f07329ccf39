/**
 * The day keyer takes shortcuts around Intl (one offset lookup per UTC day);
 * it must agree with asking Intl about every instant, DST changes included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDayKeyer, formatCalendarDate, readCalendarDate, readZoneOffset } from '../src/time/zone.js';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'America/Santiago'];

describe('createDayKeyer', () => {
  it('agrees with Intl on every instant, across offset changes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        // 2020 to 2030, where every zone above changes its offset at least once a year or not at all.
        fc.array(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }), { minLength: 1, maxLength: 50 }),
        (zone, instants) => {
          const keyDay = createDayKeyer(zone);
          for (const instant of instants) expect(keyDay(instant)).toBe(formatCalendarDate(readCalendarDate(instant, zone)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('agrees with Intl on runs of nearby instants, in order and out of order (the last-day shortcut)', () => {
    // Days around the 2026 offset changes of the zones above, and local midnights: where a cached answer would go stale.
    const anchors = [Date.UTC(2026, 2, 29), Date.UTC(2026, 9, 25), Date.UTC(2026, 3, 5), Date.UTC(2026, 8, 27), Date.UTC(2026, 10, 1), Date.UTC(2026, 6, 1)];
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.constantFrom(...anchors),
        fc.array(fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }), { minLength: 1, maxLength: 80 }),
        fc.boolean(),
        (zone, anchor, steps, sorted) => {
          const instants = steps.map((step) => anchor + step);
          if (sorted) instants.sort((a, b) => a - b);
          const keyDay = createDayKeyer(zone);
          for (const instant of instants) expect(keyDay(instant)).toBe(formatCalendarDate(readCalendarDate(instant, zone)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keys instants on either side of a DST change and of local midnight', () => {
    const keyDay = createDayKeyer('Europe/Berlin');
    // 2026-03-29: clocks go from 02:00 CET to 03:00 CEST (01:00 UTC).
    expect(keyDay(Date.UTC(2026, 2, 28, 22, 59, 59))).toBe('2026-03-28');
    expect(keyDay(Date.UTC(2026, 2, 28, 23, 0, 0))).toBe('2026-03-29');
    expect(keyDay(Date.UTC(2026, 2, 29, 21, 59, 59))).toBe('2026-03-29');
    expect(keyDay(Date.UTC(2026, 2, 29, 22, 0, 0))).toBe('2026-03-30');
  });
});

describe('UTC without Intl', () => {
  it('reads the same calendar date as Intl does for UTC', () => {
    const intl = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', year: 'numeric', month: 'numeric', day: 'numeric' });
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2100, 0, 1) }), (instant) => {
        const parts = Object.fromEntries(intl.formatToParts(instant).map((part) => [part.type, part.value]));
        expect(readCalendarDate(instant, 'UTC')).toEqual({ year: Number(parts['year']), month: Number(parts['month']), day: Number(parts['day']) });
        expect(readZoneOffset(instant, 'Etc/UTC')).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
