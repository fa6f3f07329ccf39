/**
 * Folds the engine's bundles (records summed per group and quarter hour)
 * into the states of the built-in reducers, so that the report builders
 * (src/reports) serve both engines. Each fold mirrors the `add` of its
 * reducer with a bundle's sums in place of one record's figures;
 * test/engine.test.ts proves the JSON is identical.
 */
import type { BudgetLimits, BudgetState } from '../reports/budget.js';
import { type CostGroup, type CostKey, type CostState, createKeyReader } from '../reports/cost.js';
import type { PeriodsOptions } from '../reports/periods.js';
import { createReportReducer, type ReportState } from '../reports/report.js';
import { type CacheCounts, createCacheCounts } from '../reducers/cache-health.js';
import { readProject, readSource } from '../reducers/shares.js';
import { createDayKeyer } from '../time/zone.js';
import type { GroupState } from '../reducers/group.js';
import { ALL_PERIOD_KEY, createPeriodKeyer, joinPeriodKey, type PeriodSpan, type PeriodState, type Weekday } from '../reducers/periods.js';
import { createTokenTotals, mergeTotals, type TokenTotals } from '../reducers/totals.js';
import type { PricedRecord } from '../core/record.js';
import type { Bundle, GroupColumn, LakeResult } from './duckdb.js';

function addToGroupState(state: GroupState, key: string, bundle: Bundle): void {
  state.set(key, mergeTotals(state.get(key) ?? createTokenTotals(), bundle as TokenTotals));
}

/** The record columns a cost report needs from SQL: its non-calendar keys. */
export function listCostColumns(by: readonly CostKey[]): GroupColumn[] {
  return by.filter((key): key is CostKey & GroupColumn => key !== 'hour' && key !== 'day' && key !== 'week' && key !== 'month');
}

function createCostGroup(nested: boolean): CostGroup {
  return {
    totals: createTokenTotals(),
    recordedCostUsd: 0,
    recordedRecords: 0,
    calculatedCostUsd: 0,
    uncalculatedRecords: 0,
    children: nested ? new Map() : null,
  };
}

function addToCostGroup(group: CostGroup, bundle: Bundle): void {
  group.totals = mergeTotals(group.totals, bundle as TokenTotals);
  group.recordedCostUsd += bundle.recordedCostUsd;
  group.recordedRecords += bundle.recordedRecords;
  group.calculatedCostUsd += bundle.calculatedCostUsd;
  group.uncalculatedRecords += bundle.uncalculatedRecords;
}

/** As createCostReducer (src/reports/cost.ts). */
export function foldCost(bundles: readonly Bundle[], by: readonly CostKey[], zone: string): CostState {
  const readers = by.map((key) => createKeyReader(key, zone));
  const state: CostState = { root: createCostGroup(readers.length > 0), unpriced: new Map() };
  for (const bundle of bundles) {
    let group = state.root;
    addToCostGroup(group, bundle);
    for (let level = 0; level < readers.length; level++) {
      const key = (readers[level] as (record: PricedRecord) => string)(bundle.record);
      const children = group.children as Map<string, CostGroup>;
      let child = children.get(key);
      if (child === undefined) {
        child = createCostGroup(level < readers.length - 1);
        children.set(key, child);
      }
      addToCostGroup(child, bundle);
      group = child;
    }
    if (bundle.unpricedRecords > 0) {
      const entry = state.unpriced.get(bundle.record.model) ?? { records: 0, totalTokens: 0 };
      entry.records += bundle.unpricedRecords;
      entry.totalTokens += bundle.unpricedTokens;
      state.unpriced.set(bundle.record.model, entry);
    }
  }
  return state;
}

interface PeriodFoldOptions {
  span: PeriodSpan;
  zone: string;
  startOfWeek?: Weekday | undefined;
  splitBy?: ((record: PricedRecord) => string) | undefined;
}

/** As createPeriodReducer (src/reducers/periods.ts). */
function foldPeriodState(bundles: readonly Bundle[], options: PeriodFoldOptions): PeriodState {
  const periodOf = createPeriodKeyer(options);
  const state: PeriodState = { periods: new Map(), splits: new Map(), undated: createTokenTotals() };
  for (const bundle of bundles) {
    const timestamp = bundle.record.timestamp;
    if (timestamp === null && options.span !== ALL_PERIOD_KEY) {
      state.undated = mergeTotals(state.undated, bundle as TokenTotals);
      continue;
    }
    const period = periodOf(timestamp ?? 0);
    addToGroupState(state.periods, period, bundle);
    if (options.splitBy) addToGroupState(state.splits, joinPeriodKey(period, options.splitBy(bundle.record)), bundle);
  }
  return state;
}

/** As createPeriodsReducer (src/reports/periods.ts). */
export function foldPeriods(bundles: readonly Bundle[], options: PeriodsOptions): PeriodState {
  return foldPeriodState(bundles, {
    span: options.unit,
    zone: options.zone,
    startOfWeek: options.startOfWeek,
    splitBy: options.breakdown ? (record) => record.model : undefined,
  });
}

/** The record columns a budget needs from SQL. */
export function listBudgetColumns(limits: BudgetLimits): GroupColumn[] {
  return limits.by === 'project' ? ['project'] : limits.by === 'agent' ? ['agent'] : [];
}

/** As createBudgetReducer (src/reports/budget.ts). */
export function foldBudget(bundles: readonly Bundle[], limits: BudgetLimits, zone: string): BudgetState {
  const by = limits.by;
  const models: GroupState = new Map();
  for (const bundle of bundles) addToGroupState(models, bundle.record.model, bundle);
  return {
    periods: foldPeriodState(bundles, {
      span: limits.period,
      zone,
      startOfWeek: 'monday',
      splitBy:
        by === 'model'
          ? (record) => record.model
          : by === 'project'
            ? readProject
            : by === 'agent'
              ? (record) => record.agent
              : undefined,
    }),
    models,
  };
}

/** The record columns usage report needs by quarter hour (days, and each day's models, agents and cache). */
export const REPORT_COLUMNS: readonly GroupColumn[] = ['model', 'agent'];
/** …and without time, for its shares by project, provider and call source. */
export const REPORT_SHARE_COLUMNS: readonly GroupColumn[] = ['provider', 'source', 'project'];

function addToCacheCounts(counts: CacheCounts, bundle: Bundle): void {
  counts.records += bundle.records;
  counts.reportedRecords += bundle.cacheReportedRecords;
  counts.inputTokens += bundle.reportedInputTokens;
  counts.cacheReadTokens += bundle.reportedCacheReadTokens;
  counts.cacheWriteTokens += bundle.reportedCacheWriteTokens;
}

function addToCacheMap(map: Map<string, CacheCounts>, key: string, bundle: Bundle): void {
  let counts = map.get(key);
  if (counts === undefined) {
    counts = createCacheCounts();
    map.set(key, counts);
  }
  addToCacheCounts(counts, bundle);
}

/**
 * As createReportReducer (src/reports/report.ts), whose `create` makes the
 * state: `bundles` by quarter hour, model and agent; `shareBundles` (no
 * time) by model, provider, call source and project. Context pressure: counts and the peak add up per bundle; the median
 * comes from its own query (`contextMiddle`: the middle one or two ratios),
 * so `ratios` holds only values that give the same peak and median as all of
 * them would ([low, low, high, peak]: sorted, its middle two are low and
 * high, its largest the peak), not one ratio per snapshot.
 */
export function foldReport(
  bundles: readonly Bundle[],
  shareBundles: readonly Bundle[],
  zone: string,
  contextMiddle: LakeResult['contextMiddle'],
): ReportState {
  const state = createReportReducer(zone).create();
  const dayOf = createDayKeyer(zone);
  let peak: number | null = null;
  for (const bundle of bundles) {
    const totals = bundle as TokenTotals;
    const record = bundle.record;
    state.totals = mergeTotals(state.totals, totals);
    addToGroupState(state.models, record.model, bundle);
    if (record.timestamp === null) state.days.undatedRecords += bundle.records;
    else {
      const day = dayOf(record.timestamp);
      state.days.days.set(day, mergeTotals(state.days.days.get(day) ?? createTokenTotals(), totals));
      addToCacheMap(state.dayCache, day, bundle);
    }
    addToGroupState(state.agents, record.agent, bundle);
    addToCacheCounts(state.cache.overall, bundle);
    addToCacheMap(state.cache.models, record.model, bundle);
    state.context.snapshots += bundle.contextSnapshots;
    state.context.truncationEvents += bundle.contextTruncations;
    state.context.segmentsRemoved += bundle.contextSegmentsRemoved;
    if (bundle.peakContextRatio !== null) peak = peak === null ? bundle.peakContextRatio : Math.max(peak, bundle.peakContextRatio);
  }
  for (const bundle of shareBundles) {
    addToGroupState(state.projects, readProject(bundle.record), bundle);
    addToGroupState(state.providers, bundle.record.provider, bundle);
    addToGroupState(state.sources, readSource(bundle.record), bundle);
  }
  if (contextMiddle !== null && peak !== null) {
    const [low, high] = contextMiddle;
    state.context.ratios = [low, low, high, peak];
  }
  state.dayModels = foldPeriodState(bundles, { span: 'day', zone, splitBy: (record) => record.model });
  state.dayAgents = foldPeriodState(bundles, { span: 'day', zone, splitBy: (record) => record.agent });
  return state;
}
