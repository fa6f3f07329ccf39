/**
 * Prompt-cache counts and the two ratios built from them (docs/analytics.md):
 *
 * - cache_hit_rate   = cache read / (input + cache read + cache write): the
 *   share of all prompt tokens that were served from the cache.
 * - cache_reuse_rate = cache read / (cache read + cache write): how often a
 *   token put into the cache was read back rather than written (again).
 *
 * Only records whose source reports cache counts at all enter the ratios; a
 * record from a log without cache fields would otherwise look like a miss.
 * With no such record, both ratios are null ("n/a"), never 0.
 */
import type { PricedRecord } from '../core/record.js';
import type { Reducer } from './reducer.js';

export interface CacheCounts {
  /** All records seen, with or without cache information. */
  records: number;
  /** Records whose source reports prompt-cache counts. */
  reportedRecords: number;
  /** The token fields below sum only the reporting records. */
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export function createCacheCounts(): CacheCounts {
  return { records: 0, reportedRecords: 0, inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
}

export interface CacheSample {
  cacheReported: boolean;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export function addToCacheCounts(counts: CacheCounts, sample: CacheSample): void {
  counts.records++;
  if (!sample.cacheReported) return;
  counts.reportedRecords++;
  counts.inputTokens += sample.inputTokens;
  counts.cacheReadTokens += sample.cacheReadTokens;
  counts.cacheWriteTokens += sample.cacheWriteTokens;
}

export interface CacheRatios {
  cacheHitRate: number | null;
  cacheReuseRate: number | null;
}

export function computeCacheRatios(counts: CacheCounts): CacheRatios {
  if (counts.reportedRecords === 0) return { cacheHitRate: null, cacheReuseRate: null };
  const prompt = counts.inputTokens + counts.cacheReadTokens + counts.cacheWriteTokens;
  const cached = counts.cacheReadTokens + counts.cacheWriteTokens;
  return {
    cacheHitRate: prompt > 0 ? counts.cacheReadTokens / prompt : null,
    cacheReuseRate: cached > 0 ? counts.cacheReadTokens / cached : null,
  };
}

export interface CacheHealthState {
  overall: CacheCounts;
  models: Map<string, CacheCounts>;
}

export const cacheHealthReducer: Reducer<CacheHealthState> = {
  create: () => ({ overall: createCacheCounts(), models: new Map() }),
  add(state, record: PricedRecord) {
    addToCacheCounts(state.overall, record);
    let counts = state.models.get(record.model);
    if (counts === undefined) {
      counts = createCacheCounts();
      state.models.set(record.model, counts);
    }
    addToCacheCounts(counts, record);
  },
};
