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
  const copy = Float64Array.from(values);
  const middle = Math.floor(copy.length / 2);
  // Selecting the middle is linear; sorting 1.8 million ratios of a flat log took 0.4 s. NaN has no
  // place in an order of comparisons: such a list (and a selection that takes too many rounds) is sorted.
  let hasNaN = false;
  for (let at = 0; at < copy.length; at++) if (Number.isNaN(copy[at])) hasNaN = true;
  if (hasNaN || !selectNth(copy, middle)) copy.sort();
  const upper = copy[middle] as number;
  if (copy.length % 2 === 1) return upper;
  // After selection every value before `middle` is at most the middle one: the largest of them is the other middle value.
  let lower = copy[0] as number;
  for (let at = 1; at < middle; at++) if ((copy[at] as number) > lower) lower = copy[at] as number;
  return (lower + upper) / 2;
}

/**
 * Moves the value that would sit at `nth` in sorted order there, smaller or
 * equal values before it and larger or equal ones after (Hoare's selection,
 * median-of-three pivots). False when it gave up after too many rounds
 * (an order crafted against the pivots), leaving the values permuted.
 */
function selectNth(values: Float64Array, nth: number): boolean {
  let low = 0;
  let high = values.length - 1;
  for (let rounds = 0; high > low; rounds++) {
    if (rounds > 64) return false;
    const mid = low + ((high - low) >> 1);
    const a = values[low] as number;
    const b = values[mid] as number;
    const c = values[high] as number;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = low;
    let j = high;
    while (i <= j) {
      while ((values[i] as number) < pivot) i++;
      while ((values[j] as number) > pivot) j--;
      if (i <= j) {
        const swap = values[i] as number;
        values[i] = values[j] as number;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (nth <= j) high = j;
    else if (nth >= i) low = i;
    else return true;
  }
  return true;
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
