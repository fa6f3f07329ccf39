/**
 * `usage daily`, `usage weekly` and `usage monthly`: one row per period with
 * tokens and cost, optionally with a row per model under each period, and the
 * figures behind `--chart`. The three commands differ only in the period unit.
 */
import type { Analysis } from '../core/analyze.js';
import { computeShares, type GroupState } from '../reducers/group.js';
import {
  createPeriodReducer,
  DEFAULT_START_OF_WEEK,
  listPeriodKeys,
  type PeriodState,
  type PeriodUnit,
  readSplits,
  type Weekday,
} from '../reducers/periods.js';
import type { Reducer } from '../reducers/reducer.js';
import { createTokenTotals, mergeTotals, type TokenTotals } from '../reducers/totals.js';
import type { Bar } from '../renderers/chart.js';
import type { Dataset, DatasetColumn, Document, Row } from '../renderers/dataset.js';
import { formatCompact, formatCost } from '../renderers/format.js';
import type { PeriodMetric } from './options.js';
import { type ReportMeta, serializeRange } from './report.js';
import { JSON_SCHEMA_VERSION, readGroupCost, serializeInput, serializeTotals, UNPRICED_COLUMN, costColumn } from './serialize.js';

export type { PeriodMetric };

export const PERIOD_KINDS: Readonly<Record<PeriodUnit, string>> = { day: 'daily', week: 'weekly', month: 'monthly' };

export interface PeriodsOptions {
  unit: PeriodUnit;
  zone: string;
  startOfWeek?: Weekday | undefined;
  breakdown: boolean;
}

export function createPeriodsReducer(options: PeriodsOptions): Reducer<PeriodState> {
  return createPeriodReducer({
    span: options.unit,
    zone: options.zone,
    startOfWeek: options.startOfWeek,
    splitBy: options.breakdown ? (record) => record.model : undefined,
  });
}

/** Periods in time order; keys sort chronologically because they are zero-padded dates. */
function sortPeriods(groups: GroupState): Array<[string, TokenTotals]> {
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sumGroups(groups: GroupState): TokenTotals {
  let sum = createTokenTotals();
  for (const totals of groups.values()) sum = mergeTotals(sum, totals);
  return sum;
}

function describeTitle(options: Pick<PeriodsOptions, 'unit' | 'startOfWeek'>): string {
  if (options.unit === 'day') return 'Daily';
  if (options.unit === 'month') return 'Monthly';
  const day = options.startOfWeek ?? DEFAULT_START_OF_WEEK;
  return `Weekly (weeks start on ${day[0]?.toUpperCase()}${day.slice(1)})`;
}

export function buildPeriodsReport(analysis: Analysis<PeriodState>, meta: ReportMeta & Omit<PeriodsOptions, 'zone'>): Document {
  const { state } = analysis;
  const periods = sortPeriods(state.periods);
  const splits = meta.breakdown ? readSplits(state) : new Map<string, GroupState>();
  const totals = sumGroups(state.periods);
  const periodRows = periods.map(([period, periodTotals]) => {
    const models = computeShares(splits.get(period) ?? new Map()).map((share) => ({
      model: share.key,
      ...serializeTotals(share.totals),
    }));
    return { period, ...serializeTotals(periodTotals), ...(meta.breakdown ? { models } : {}) };
  });
  const json = {
    schema: JSON_SCHEMA_VERSION,
    kind: PERIOD_KINDS[meta.unit],
    range: serializeRange(meta),
    period: meta.unit,
    ...(meta.unit === 'week' ? { start_of_week: meta.startOfWeek ?? DEFAULT_START_OF_WEEK } : {}),
    periods: periodRows,
    totals: serializeTotals(totals),
    // Undated records fit no period: they are reported as excluded, not hidden in a total.
    ...serializeInput(analysis.summary, {
      outOfRange: analysis.excluded.outOfRange,
      undated: analysis.excluded.undated + state.undated.records,
    }),
  };

  const columns: DatasetColumn[] = [
    { key: 'period', header: meta.unit, kind: 'text' },
    ...(meta.breakdown ? [{ key: 'model', header: 'model', kind: 'text' as const, priority: 9 }] : []),
    { key: 'records', header: 'records', kind: 'integer', priority: 1 },
    { key: 'input_tokens', header: 'input', kind: 'tokens', priority: 2 },
    { key: 'output_tokens', header: 'output', kind: 'tokens', priority: 2 },
    { key: 'cache_read_tokens', header: 'cache read', kind: 'tokens', priority: 1 },
    { key: 'cache_write_tokens', header: 'cache write', kind: 'tokens', priority: 1 },
    { key: 'total_tokens', header: 'total', kind: 'tokens', priority: 5 },
    costColumn(6),
    UNPRICED_COLUMN,
  ];
  const rows: Row[] = [];
  for (const row of periodRows) {
    const { models, ...periodFields } = row as typeof row & { models?: Array<Record<string, unknown>> };
    // The period's own row has no model, so a CSV reader can tell totals from their parts.
    rows.push(meta.breakdown ? { ...periodFields, model: null } : periodFields);
    for (const model of models ?? []) rows.push({ period: row.period, ...model });
  }
  const dataset: Dataset = {
    name: 'periods',
    title: describeTitle(meta),
    columns,
    rows,
    footer: [{ period: 'total', ...(meta.breakdown ? { model: null } : {}), ...serializeTotals(totals) }],
  };
  return { json, datasets: [dataset] };
}

export interface PeriodChart {
  title: string;
  /** Bars for short spans; a sparkline when there are too many periods for one line each. */
  shape: 'bars' | 'sparkline';
  bars: Bar[];
  notes: string[];
}

/** More periods than this are drawn as a sparkline: a bar per line would scroll away. */
export const MAX_CHART_BARS = 62;

/**
 * The chart's figures, one per period from the first to the last with gaps
 * filled by zero, so the horizontal axis is even. Costs that are unknown are
 * never drawn as $0 silently: a partly priced period is marked as a lower bound,
 * and when no cost at all is known the chart falls back to tokens and says so.
 */
export function buildPeriodChart(state: PeriodState, unit: PeriodUnit, requested: PeriodMetric): PeriodChart {
  const periods = sortPeriods(state.periods);
  const notes: string[] = [];
  const anyCost = periods.some(([, totals]) => readGroupCost(totals) !== null);
  let metric = requested;
  if (metric === 'cost' && periods.length > 0 && !anyCost) {
    notes.push('no cost is known for any period (unpriced models), so the chart shows tokens instead');
    metric = 'tokens';
  }
  const byKey = new Map(periods);
  const first = periods[0]?.[0];
  const last = periods[periods.length - 1]?.[0];
  const keys = first !== undefined && last !== undefined ? listPeriodKeys(first, last, unit) : [];
  let partial = false;
  const bars = keys.map((key): Bar => {
    const totals = byKey.get(key) ?? createTokenTotals();
    if (metric === 'tokens') return { label: key, value: totals.totalTokens, text: formatCompact(totals.totalTokens) };
    const cost = readGroupCost(totals);
    if (cost === null) {
      partial = true;
      return { label: key, value: 0, text: '?' };
    }
    if (totals.unpricedTokens > 0) {
      partial = true;
      return { label: key, value: cost, text: `≥${formatCost(cost)}` };
    }
    return { label: key, value: cost, text: formatCost(cost) };
  });
  if (partial) notes.push('some usage has no price: ≥ marks a lower bound and ? an unknown cost');
  const noun = unit === 'day' ? 'Daily' : unit === 'week' ? 'Weekly' : 'Monthly';
  const title =
    first !== undefined && last !== undefined ? `${noun} ${metric}, ${first} – ${last}` : `${noun} ${metric}: no usage in range`;
  return { title, shape: bars.length > MAX_CHART_BARS ? 'sparkline' : 'bars', bars, notes };
}
