/**
 * Totals per calendar day in one time zone. The zone is fixed when the
 * reducer is made, because a day key is only meaningful in a zone: two states
 * built for different zones must never be merged.
 */
import { createDayKeyer } from '../time/zone.js';
import type { Reducer } from './reducer.js';
import { addToTotals, createTokenTotals, type TokenTotals } from './totals.js';

export interface DaysState {
  /** Day key (YYYY-MM-DD in the zone) → totals of that day. */
  days: Map<string, TokenTotals>;
  /** Records without a timestamp: they belong to no day. */
  undatedRecords: number;
}

export function createDaysReducer(zone: string): Reducer<DaysState> {
  const keyDay = createDayKeyer(zone);
  return {
    create: () => ({ days: new Map(), undatedRecords: 0 }),
    add(state, record) {
      if (record.timestamp === null) {
        state.undatedRecords++;
        return;
      }
      const key = keyDay(record.timestamp);
      let totals = state.days.get(key);
      if (totals === undefined) {
        totals = createTokenTotals();
        state.days.set(key, totals);
      }
      addToTotals(totals, record);
    },
  };
}

/** Day keys in calendar order (YYYY-MM-DD sorts as text). */
export function listDays(state: DaysState): Array<[string, TokenTotals]> {
  return [...state.days].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
