/**
 * Totals per calendar period (day, week, month, or the whole input), and
 * optionally per period × one more key (model, project). Period keys are
 * computed in a time zone so that a day means the reader's day, not UTC's:
 *
 * - day: 'YYYY-MM-DD'
 * - week: the 'YYYY-MM-DD' of the week's first day (given the start of week)
 * - month: 'YYYY-MM'
 * - all: 'all'
 *
 * Records without a timestamp cannot be placed in a period; they are counted
 * apart (`undated`) instead of being guessed into one.
 */
import type { PricedRecord } from '../core/record.js';
import { addDays, createDayKeyer, formatCalendarDate, parseDayKey } from '../time/zone.js';
import { createGroupReducer, type GroupState } from './group.js';
import type { Reducer } from './reducer.js';
import { addToTotals, createTokenTotals, type TokenTotals } from './totals.js';

export type PeriodUnit = 'day' | 'week' | 'month';
export type PeriodSpan = PeriodUnit | 'all';

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Weeks start on Monday (ISO 8601) unless a command is told otherwise. */
export const DEFAULT_START_OF_WEEK: Weekday = 'monday';

export const ALL_PERIOD_KEY = 'all';

export interface PeriodKeyOptions {
  span: PeriodSpan;
  zone: string;
  /** First day of a week; only read for weeks. Monday (ISO 8601) when absent. */
  startOfWeek?: Weekday | undefined;
}

/** The day of the week of a calendar day key, 0 = Sunday. */
function readWeekday(dayKey: string): number {
  const date = parseDayKey(dayKey);
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

/** The key of the week holding `dayKey`: the date its week starts on. */
export function readWeekKey(dayKey: string, startOfWeek: Weekday = DEFAULT_START_OF_WEEK): string {
  const back = (readWeekday(dayKey) - WEEKDAYS.indexOf(startOfWeek) + 7) % 7;
  return formatCalendarDate(addDays(parseDayKey(dayKey), -back));
}

/** Returns `instant → period key` in the zone; memoized per day, so it is cheap per record. */
export function createPeriodKeyer(options: PeriodKeyOptions): (instant: number) => string {
  if (options.span === 'all') return () => ALL_PERIOD_KEY;
  const dayKeyOf = createDayKeyer(options.zone);
  if (options.span === 'day') return dayKeyOf;
  if (options.span === 'month') return (instant) => dayKeyOf(instant).slice(0, 7);
  const startOfWeek = options.startOfWeek ?? DEFAULT_START_OF_WEEK;
  const weeks = new Map<string, string>();
  return (instant) => {
    const day = dayKeyOf(instant);
    let week = weeks.get(day);
    if (week === undefined) {
      week = readWeekKey(day, startOfWeek);
      weeks.set(day, week);
    }
    return week;
  };
}

/** The key of the period right after `key` (used to lay out gap-free time axes). */
export function readNextPeriodKey(key: string, span: PeriodUnit): string {
  if (span === 'month') {
    const [year, month] = key.split('-').map(Number) as [number, number];
    return month === 12 ? `${String(year + 1).padStart(4, '0')}-01` : `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}`;
  }
  return formatCalendarDate(addDays(parseDayKey(key), span === 'week' ? 7 : 1));
}

/** Every period key from `first` to `last`, both included. */
export function listPeriodKeys(first: string, last: string, span: PeriodUnit): string[] {
  const keys: string[] = [];
  for (let key = first; key <= last; key = readNextPeriodKey(key, span)) keys.push(key);
  return keys;
}

export interface PeriodState extends Record<string, unknown> {
  /** Totals per period key. */
  periods: GroupState;
  /** Totals per period × split key, keyed by `joinPeriodKey` (empty when no split was asked for). */
  splits: GroupState;
  /** Records with no timestamp: in no period (always empty for span 'all', which holds them). */
  undated: TokenTotals;
}

// A period key never holds this character, so the first one always separates
// the two halves, whatever the model or project name contains.
const SEPARATOR = '\u0000';

export function joinPeriodKey(period: string, split: string): string {
  return `${period}${SEPARATOR}${split}`;
}

export function splitPeriodKey(key: string): { period: string; split: string } {
  const at = key.indexOf(SEPARATOR);
  return { period: key.slice(0, at), split: key.slice(at + 1) };
}

export interface PeriodReducerOptions extends PeriodKeyOptions {
  /** A second grouping inside each period, e.g. the model. */
  splitBy?: ((record: PricedRecord) => string) | undefined;
}

export function createPeriodReducer(options: PeriodReducerOptions): Reducer<PeriodState> {
  const periodOf = createPeriodKeyer(options);
  // The key functions see an undated record only for span 'all', whose key ignores the instant.
  const periods = createGroupReducer((record) => periodOf(record.timestamp ?? 0));
  const splitBy = options.splitBy;
  // The split cell the last record went to, found again without joining and hashing its key (see group.ts).
  let lastSplits: GroupState | undefined;
  let lastPeriod = '';
  let lastSplit = '';
  let lastTotals = createTokenTotals();
  // Per state, its split cells by period, then split key (the same totals as in `splits`).
  const cellsOf = new WeakMap<GroupState, Map<string, Map<string, TokenTotals>>>();
  // The last record's period's cells: most records fall in the period of the one before.
  let lastPeriodCells = new Map<string, TokenTotals>();
  return {
    create: () => ({ periods: periods.create(), splits: new Map(), undated: createTokenTotals() }),
    add(state, record) {
      // The whole input has room for undated records; a day or month does not.
      if (record.timestamp === null && options.span !== ALL_PERIOD_KEY) {
        addToTotals(state.undated, record);
        return;
      }
      periods.add(state.periods, record);
      if (!splitBy) return;
      const period = periodOf(record.timestamp ?? 0);
      const split = splitBy(record);
      if (state.splits !== lastSplits || period !== lastPeriod || split !== lastSplit) {
        // Found by the two keys as they are: records of several models in turn (a flat log) missed the
        // last cell on most records, and joining and hashing a key each was a tenth of a warm run.
        if (state.splits !== lastSplits || period !== lastPeriod) {
          let cells = cellsOf.get(state.splits);
          if (cells === undefined) {
            cells = new Map();
            cellsOf.set(state.splits, cells);
          }
          let bySplit = cells.get(period);
          if (bySplit === undefined) {
            bySplit = new Map();
            cells.set(period, bySplit);
          }
          lastPeriodCells = bySplit;
        }
        const bySplit = lastPeriodCells;
        let totals = bySplit.get(split);
        if (totals === undefined) {
          const key = joinPeriodKey(period, split);
          totals = state.splits.get(key);
          if (totals === undefined) {
            totals = createTokenTotals();
            state.splits.set(key, totals);
          }
          bySplit.set(split, totals);
        }
        lastSplits = state.splits;
        lastPeriod = period;
        lastSplit = split;
        lastTotals = totals;
      }
      addToTotals(lastTotals, record);
    },
  };
}

/** The split groups of each period: period key → (split key → totals). */
export function readSplits(state: PeriodState): Map<string, GroupState> {
  const byPeriod = new Map<string, GroupState>();
  for (const [key, totals] of state.splits) {
    const { period, split } = splitPeriodKey(key);
    let groups = byPeriod.get(period);
    if (groups === undefined) {
      groups = new Map();
      byPeriod.set(period, groups);
    }
    groups.set(split, totals);
  }
  return byPeriod;
}
