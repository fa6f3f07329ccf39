import type { PricedRecord } from '../core/record.js';
import type { Reducer } from './reducer.js';
import { addToTotals, createTokenTotals, type TokenTotals } from './totals.js';

export type GroupState = Map<string, TokenTotals>;

/** Totals per key; the key function decides the grouping (model, project, day, ...). */
export function createGroupReducer(keyOf: (record: PricedRecord) => string): Reducer<GroupState> {
  // The group the last record went to. Records come in runs (one file, one
  // session, one model at a time), so most find their totals here without
  // hashing their key: at 180,000 records a report's dozen group lookups per
  // record were a third of its time.
  let lastState: GroupState | undefined;
  let lastKey = '';
  let lastTotals = createTokenTotals();
  return {
    create: () => new Map(),
    add(state, record) {
      const key = keyOf(record);
      if (state !== lastState || key !== lastKey) {
        let totals = state.get(key);
        if (totals === undefined) {
          totals = createTokenTotals();
          state.set(key, totals);
        }
        lastState = state;
        lastKey = key;
        lastTotals = totals;
      }
      addToTotals(lastTotals, record);
    },
  };
}

export interface Share {
  key: string;
  totals: TokenTotals;
  /** Fraction of all tokens, 0–1. */
  tokenShare: number;
  /** Fraction of all known cost, 0–1; null when there is no known cost at all. */
  costShare: number | null;
}

/**
 * Turns group totals into shares ordered by tokens (then key, so ties are
 * stable). Shares are exact fractions of the group sums and add up to 1.
 */
export function computeShares(groups: GroupState, order: 'tokens' | 'cost' = 'tokens'): Share[] {
  let tokens = 0;
  let cost = 0;
  for (const totals of groups.values()) {
    tokens += totals.totalTokens;
    cost += totals.costUsd;
  }
  const shares = [...groups].map(([key, totals]) => ({
    key,
    totals,
    tokenShare: tokens > 0 ? totals.totalTokens / tokens : 0,
    // A group whose every record has an unknown cost has no share of the known cost (null, as its cost is).
    costShare: cost > 0 && !(totals.records > 0 && totals.unpricedRecords === totals.records) ? totals.costUsd / cost : null,
  }));
  shares.sort((a, b) => {
    const primary =
      order === 'cost' ? b.totals.costUsd - a.totals.costUsd : b.totals.totalTokens - a.totals.totalTokens;
    if (primary !== 0) return primary;
    const secondary = b.totals.totalTokens - a.totals.totalTokens;
    if (secondary !== 0) return secondary;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
  return shares;
}
