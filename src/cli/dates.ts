/**
 * The date flags (--since, --until, --against-since, --against-until): an
 * absolute day, or one relative to today in --tz. Parsing checks the text
 * once, at the edge; the day itself is settled later, when the zone and the
 * first day of the week are known.
 *
 * - `YYYY-MM-DD`, `YYYYMMDD`: that day.
 * - `today`, `yesterday`.
 * - `Nd` (N ≥ 1): the first of the last N days, today included, so
 *   `--since 7d` covers today and the six days before it.
 * - `this-week`, `this-month`: the first day of the current week or month
 *   as a start (--since), the last day as an end (--until).
 */
import { UsageError } from '../core/errors.js';
import { WEEKDAYS, type Weekday } from '../reducers/periods.js';
import { addDays, type CalendarDate, parseCalendarDate } from '../time/zone.js';

/** Which end of a range a date flag gives: a start keeps the first day of a period, an end its last. */
export type RangeEdge = 'start' | 'end';

export interface DateExpression {
  /** As typed, for messages. */
  text: string;
  resolve(edge: RangeEdge, today: CalendarDate, startOfWeek: Weekday): CalendarDate;
}

export const DATE_SYNTAX = 'YYYY-MM-DD, YYYYMMDD, today, yesterday, Nd (the last N days), this-week or this-month';

// Past a century of days a relative date is surely a typo.
const MAX_RELATIVE_DAYS = 36_600;

function readWeekday(date: CalendarDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

function resolveWeek(edge: RangeEdge, today: CalendarDate, startOfWeek: Weekday): CalendarDate {
  const back = (readWeekday(today) - WEEKDAYS.indexOf(startOfWeek) + 7) % 7;
  const first = addDays(today, -back);
  return edge === 'start' ? first : addDays(first, 6);
}

function resolveMonth(edge: RangeEdge, today: CalendarDate): CalendarDate {
  const first = { year: today.year, month: today.month, day: 1 };
  if (edge === 'start') return first;
  // The day before the first of next month.
  const next = today.month === 12 ? { year: today.year + 1, month: 1, day: 1 } : { year: today.year, month: today.month + 1, day: 1 };
  return addDays(next, -1);
}

/** Parses a date flag's text; throws one sentence naming the flag when it is no date. */
export function parseDateExpression(flag: string, text: string): DateExpression {
  const trimmed = text.trim().toLowerCase();
  const absolute = parseCalendarDate(trimmed);
  if (absolute) return { text, resolve: () => absolute };
  if (trimmed === 'today') return { text, resolve: (_edge, today) => today };
  if (trimmed === 'yesterday') return { text, resolve: (_edge, today) => addDays(today, -1) };
  if (trimmed === 'this-week') return { text, resolve: resolveWeek };
  if (trimmed === 'this-month') return { text, resolve: (edge, today) => resolveMonth(edge, today) };
  const relative = /^(\d{1,6})d$/.exec(trimmed);
  if (relative) {
    const days = Number(relative[1]);
    if (days >= 1 && days <= MAX_RELATIVE_DAYS) return { text, resolve: (_edge, today) => addDays(today, -(days - 1)) };
  }
  throw new UsageError(`${flag} "${text}" is not a date: use ${DATE_SYNTAX}.`);
}
