/**
 * The whole pipeline in one call: ingest → date filter → pricing → reducer.
 * Commands call this and render what comes back; nothing here touches the
 * terminal or the process.
 */
import type { Reducer } from '../reducers/reducer.js';
import { ingest, type IngestOptions, type IngestSummary } from '../ingest/ingest.js';
import type { Source } from '../sources/discover.js';
import type { PricedRecord, UsageRecord } from './record.js';

/** A half-open range of instants, [start, end); null ends are open. */
export interface TimeRange {
  start: number | null;
  end: number | null;
}

export type PriceRecord = (record: UsageRecord) => PricedRecord;

/** Used until a pricing engine is plugged in: every cost is unknown, never $0. */
export const leaveUnpriced: PriceRecord = (record) => ({
  ...record,
  costUsd: null,
  calculatedCostUsd: null,
  costSource: 'unknown',
});

export interface AnalyzeOptions extends IngestOptions {
  range?: TimeRange | undefined;
  priceRecord?: PriceRecord | undefined;
  /** Only records it accepts are counted (./filter.ts: --agent, --machine, --project, --model). */
  filter?: ((record: UsageRecord) => boolean) | undefined;
}

export interface Exclusions {
  /** Records outside --since/--until. */
  outOfRange: number;
  /** Records without a timestamp, left out because a date range was asked for. */
  undated: number;
  /** Records a --agent/--machine/--project/--model filter left out. */
  filtered?: number | undefined;
}

export interface Analysis<State> {
  state: State;
  summary: IngestSummary;
  excluded: Exclusions;
}

export function isRangeOpen(range: TimeRange | undefined): boolean {
  return range === undefined || (range.start === null && range.end === null);
}

export async function analyze<State>(
  sources: readonly Source[],
  reducer: Reducer<State>,
  options: AnalyzeOptions = {},
): Promise<Analysis<State>> {
  const state = reducer.create();
  const excluded: Exclusions = { outOfRange: 0, undated: 0 };
  const range = options.range;
  const bounded = !isRangeOpen(range);
  const priceRecord = options.priceRecord ?? leaveUnpriced;
  const filter = options.filter;
  const summary = await ingest(
    sources,
    (record) => {
      if (bounded && range) {
        if (record.timestamp === null) {
          excluded.undated++;
          return;
        }
        if ((range.start !== null && record.timestamp < range.start) || (range.end !== null && record.timestamp >= range.end)) {
          excluded.outOfRange++;
          return;
        }
      }
      if (filter !== undefined && !filter(record)) {
        excluded.filtered = (excluded.filtered ?? 0) + 1;
        return;
      }
      reducer.add(state, priceRecord(record));
    },
    options,
  );
  return { state, summary, excluded };
}
