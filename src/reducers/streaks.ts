/**
 * Streaks and the trend, derived from the set of active days once every
 * record has been reduced. `anchor` (the day the CLI calls "today": the current
 * date in --tz, or --until when given) is a parameter so these stay pure.
 *
 * Rules (docs/analytics.md):
 * - an active day is a calendar day with at least one record;
 * - the longest streak is the longest run of consecutive active days;
 * - the current streak is the run of consecutive active days ending on the
 *   anchor; when the anchor itself has no activity (yet), the run ending the
 *   day before counts instead, so a streak is not broken before the day is
 *   over. Days after the anchor never count towards the current streak.
 */
import { addDays, type CalendarDate, formatCalendarDate, parseDayKey } from '../time/zone.js';
import { createTokenTotals, type TokenTotals } from './totals.js';

export interface Streaks {
  activeDays: number;
  currentStreak: number;
  longestStreak: number;
}

function nextDayKey(key: string): string {
  return formatCalendarDate(addDays(parseDayKey(key), 1));
}

export function computeStreaks(activeDayKeys: Iterable<string>, anchor: CalendarDate): Streaks {
  const active = new Set(activeDayKeys);
  const sorted = [...active].sort();
  let longest = 0;
  let run = 0;
  let previous: string | null = null;
  for (const key of sorted) {
    run = previous !== null && nextDayKey(previous) === key ? run + 1 : 1;
    longest = Math.max(longest, run);
    previous = key;
  }
  let day = anchor;
  if (!active.has(formatCalendarDate(day))) day = addDays(day, -1);
  let current = 0;
  while (active.has(formatCalendarDate(day))) {
    current++;
    day = addDays(day, -1);
  }
  return { activeDays: active.size, currentStreak: current, longestStreak: longest };
}

export interface TrendDay {
  date: string;
  totals: TokenTotals;
}

/**
 * The `length` calendar days ending on `anchor`, oldest first, with idle days
 * present as zero totals so the series has no holes.
 */
export function buildTrend(days: ReadonlyMap<string, TokenTotals>, anchor: CalendarDate, length: number): TrendDay[] {
  const trend: TrendDay[] = [];
  for (let offset = length - 1; offset >= 0; offset--) {
    const date = formatCalendarDate(addDays(anchor, -offset));
    trend.push({ date, totals: days.get(date) ?? createTokenTotals() });
  }
  return trend;
}
