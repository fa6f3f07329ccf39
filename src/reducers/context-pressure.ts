/**
 * How full the context window was, where the dialect records it (bamboo's
 * prompt-side budget snapshot): the ratio promptTokens / maxContextTokens per
 * call, and how often the prompt had to be truncated.
 */
import type { Reducer } from './reducer.js';

export interface ContextPressureState {
  /** Records that carry a context snapshot. */
  snapshots: number;
  /** promptTokens / maxContextTokens, one per snapshot with a known window; in input order. */
  ratios: number[];
  truncationEvents: number;
  segmentsRemoved: number;
}

export const contextPressureReducer: Reducer<ContextPressureState> = {
  create: () => ({ snapshots: 0, ratios: [], truncationEvents: 0, segmentsRemoved: 0 }),
  add(state, record) {
    const context = record.context;
    if (context === null) return;
    state.snapshots++;
    if (context.maxContextTokens > 0) state.ratios.push(context.promptTokens / context.maxContextTokens);
    if (context.truncationOccurred) state.truncationEvents++;
    state.segmentsRemoved += context.segmentsRemoved;
  },
};

/** The middle value (mean of the two middle values for an even count); null when empty. */
export function computeMedian(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  // A typed array sorts numerically in native code: ~10x faster than a comparator over an array.
  const sorted = Float64Array.from(values).sort();
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export interface ContextPressure {
  snapshots: number;
  peakRatio: number | null;
  medianRatio: number | null;
  truncationEvents: number;
  segmentsRemoved: number;
}

/** The summary view; null when no record carried a snapshot at all. */
export function summarizeContextPressure(state: ContextPressureState): ContextPressure | null {
  if (state.snapshots === 0) return null;
  let peak: number | null = null;
  for (const ratio of state.ratios) peak = peak === null ? ratio : Math.max(peak, ratio);
  return {
    snapshots: state.snapshots,
    peakRatio: peak,
    medianRatio: computeMedian(state.ratios),
    truncationEvents: state.truncationEvents,
    segmentsRemoved: state.segmentsRemoved,
  };
}
