import type { PricedRecord } from '../core/record.js';
import type { Reducer } from './reducer.js';

export interface TokenTotals {
  records: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  unattributedTokens: number;
  totalTokens: number;
  /** Records whose source reports prompt-cache counts at all. */
  cacheReportedRecords: number;
  /** Sum of known costs. */
  costUsd: number;
  /** Records whose cost is unknown; when > 0 the cost sum is incomplete. */
  unpricedRecords: number;
  unpricedTokens: number;
}

export function createTokenTotals(): TokenTotals {
  return {
    records: 0,
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    unattributedTokens: 0,
    totalTokens: 0,
    cacheReportedRecords: 0,
    costUsd: 0,
    unpricedRecords: 0,
    unpricedTokens: 0,
  };
}

export function addToTotals(totals: TokenTotals, record: PricedRecord): void {
  totals.records++;
  totals.calls += record.calls;
  totals.inputTokens += record.inputTokens;
  totals.outputTokens += record.outputTokens;
  totals.reasoningTokens += record.reasoningTokens;
  totals.cacheReadTokens += record.cacheReadTokens;
  totals.cacheWriteTokens += record.cacheWriteTokens;
  totals.cacheWrite5mTokens += record.cacheWrite5mTokens;
  totals.cacheWrite1hTokens += record.cacheWrite1hTokens;
  totals.unattributedTokens += record.unattributedTokens;
  totals.totalTokens += record.totalTokens;
  if (record.cacheReported) totals.cacheReportedRecords++;
  if (record.costUsd === null) {
    totals.unpricedRecords++;
    totals.unpricedTokens += record.totalTokens;
  } else {
    totals.costUsd += record.costUsd;
  }
}

export function mergeTotals(left: TokenTotals, right: TokenTotals): TokenTotals {
  const merged = createTokenTotals();
  for (const key of Object.keys(merged) as Array<keyof TokenTotals>) merged[key] = left[key] + right[key];
  return merged;
}

/** The cost, or null when any record in it could not be priced. */
export function readKnownCost(totals: TokenTotals): number | null {
  return totals.unpricedRecords > 0 ? null : totals.costUsd;
}

export const totalsReducer: Reducer<TokenTotals> = {
  create: createTokenTotals,
  add: addToTotals,
};
