/**
 * Cold rounds: calls where the prompt cache stopped paying off inside a
 * session that had been using it (rule in docs/analytics.md).
 *
 * - Only calls that report cache counts take part, and compaction calls are
 *   left out of the test (they summarize with a prompt of their own).
 * - A call is cold when its cache read is below `threshold` × the median
 *   prompt (input + cache read + cache write) of the session's eligible calls.
 * - Calls are followed per lane (the record's `source`, so a subagent's calls
 *   do not interleave with the main turns); a cold call is a cold round when
 *   the previous eligible call of its lane was warm. A run of cold calls is
 *   one round, and the first call of a lane (nothing cached yet) never is.
 * - The round followed a compaction when its own context snapshot reports a
 *   truncation or removed segments, or the record just before it in the
 *   session has source `compaction`.
 */
import { computeMedian } from './context-pressure.js';
import { type CallEntry, readPromptTokens } from './sessions.js';

export const DEFAULT_COLD_THRESHOLD = 0.1;
const FIVE_MINUTES = 5 * 60 * 1000;
const ONE_HOUR = 60 * 60 * 1000;

export type ColdCause = 'compaction' | 'idle_over_1h' | 'idle_over_5m' | 'unexplained';

export interface ColdRound {
  /** Position of the call in the session's time-ordered entries. */
  index: number;
  entry: CallEntry;
  /** Time since the previous call of the same lane; null when either time is unknown. */
  gapMs: number | null;
  afterCompaction: boolean;
  medianPromptTokens: number;
  cause: ColdCause;
}

export function classifyColdRound(afterCompaction: boolean, gapMs: number | null): ColdCause {
  if (afterCompaction) return 'compaction';
  if (gapMs !== null && gapMs > ONE_HOUR) return 'idle_over_1h';
  if (gapMs !== null && gapMs > FIVE_MINUTES) return 'idle_over_5m';
  return 'unexplained';
}

const isEligible = (entry: CallEntry): boolean => entry.cacheReported && entry.source !== 'compaction';

/** `entries` must be in time order (sortEntries). */
export function detectColdRounds(entries: readonly CallEntry[], threshold: number): ColdRound[] {
  const median = computeMedian(entries.filter(isEligible).map(readPromptTokens));
  if (median === null || median === 0) return [];
  const limit = threshold * median;
  const lanes = new Map<string, { warm: boolean; previous: CallEntry }>();
  const rounds: ColdRound[] = [];
  entries.forEach((entry, index) => {
    if (!isEligible(entry)) return;
    const lane = entry.source ?? '';
    const state = lanes.get(lane);
    const cold = entry.cacheReadTokens < limit;
    if (cold && state?.warm) {
      const gapMs =
        entry.timestamp !== null && state.previous.timestamp !== null ? entry.timestamp - state.previous.timestamp : null;
      const afterCompaction = entry.truncated || (index > 0 && entries[index - 1]?.source === 'compaction');
      rounds.push({
        index,
        entry,
        gapMs,
        afterCompaction,
        medianPromptTokens: median,
        cause: classifyColdRound(afterCompaction, gapMs),
      });
    }
    lanes.set(lane, { warm: !cold, previous: entry });
  });
  return rounds;
}
