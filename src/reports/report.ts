/**
 * `usage report`: totals per token kind, one row per model with its share,
 * and the analytics over the same records: days, streaks and the trend,
 * shares per project/provider/source, cache health and context pressure.
 * Definitions of every derived figure are in docs/analytics.md.
 */
import type { Analysis } from '../core/analyze.js';
import {
  addToCacheCounts,
  type CacheCounts,
  cacheHealthReducer,
  type CacheHealthState,
  createCacheCounts,
  mergeCacheCounts,
} from '../reducers/cache-health.js';
import {
  contextPressureReducer,
  type ContextPressureState,
  summarizeContextPressure,
} from '../reducers/context-pressure.js';
import { createDaysReducer, type DaysState, listDays } from '../reducers/days.js';
import { computeShares, createGroupReducer, type GroupState, type Share } from '../reducers/group.js';
import { createPeriodReducer, type PeriodState, readSplits } from '../reducers/periods.js';
import { combineReducers, type Reducer } from '../reducers/reducer.js';
import { shortenProjectPaths } from '../dialects/project-path.js';
import { agentsReducer, NO_PROJECT, NO_SOURCE, projectsReducer, providersReducer, sourcesReducer } from '../reducers/shares.js';
import { buildTrend, computeStreaks } from '../reducers/streaks.js';
import { totalsReducer, type TokenTotals } from '../reducers/totals.js';
import type { Dataset, DatasetColumn, Document } from '../renderers/dataset.js';
import { roundRatio } from '../renderers/format.js';
import { type CalendarDate, createDayKeyer, formatCalendarDate, parseDayKey } from '../time/zone.js';
import { describeContextPressure, serializeCacheCounts, serializeContextPressure } from './analytics-json.js';
import { DEFAULT_TREND_DAYS } from './options.js';
import { JSON_SCHEMA_VERSION, readGroupCost, serializeInput, serializeTotals, UNPRICED_COLUMN, costColumn } from './serialize.js';

export interface ReportState extends Record<string, unknown> {
  totals: TokenTotals;
  models: GroupState;
  days: DaysState;
  projects: GroupState;
  providers: GroupState;
  agents: GroupState;
  sources: GroupState;
  cache: CacheHealthState;
  context: ContextPressureState;
  /** Per day × model, for the per-day `models` (a stacked daily chart needs each model's share of a day). */
  dayModels: PeriodState;
  /** Per day × agent, for the per-day `agents` (the daily chart stacked by agent). */
  dayAgents: PeriodState;
  /** Prompt-cache counts per day, for the per-day `cache` (cache health over time). */
  dayCache: Map<string, CacheCounts>;
}

/** Cache counts per day in the zone; undated records belong to no day (they are in the overall counts). */
function createDayCacheReducer(zone: string): Reducer<Map<string, CacheCounts>> {
  const keyDay = createDayKeyer(zone);
  return {
    create: () => new Map(),
    add(state, record) {
      if (record.timestamp === null) return;
      const key = keyDay(record.timestamp);
      let counts = state.get(key);
      if (counts === undefined) {
        counts = createCacheCounts();
        state.set(key, counts);
      }
      addToCacheCounts(counts, record);
    },
    merge(left, right) {
      const merged = new Map<string, CacheCounts>();
      for (const [key, counts] of left) merged.set(key, mergeCacheCounts(counts, createCacheCounts()));
      for (const [key, counts] of right) merged.set(key, mergeCacheCounts(merged.get(key) ?? createCacheCounts(), counts));
      return merged;
    },
  };
}

/** Day buckets depend on the zone, so the reducer is made for one. */
export function createReportReducer(zone: string): Reducer<ReportState> {
  return combineReducers<ReportState>({
    totals: totalsReducer,
    models: createGroupReducer((record) => record.model),
    days: createDaysReducer(zone),
    projects: projectsReducer,
    providers: providersReducer,
    agents: agentsReducer,
    sources: sourcesReducer,
    cache: cacheHealthReducer,
    context: contextPressureReducer,
    dayModels: createPeriodReducer({ span: 'day', zone, splitBy: (record) => record.model }),
    dayAgents: createPeriodReducer({ span: 'day', zone, splitBy: (record) => record.agent }),
    dayCache: createDayCacheReducer(zone),
  });
}

export interface ReportMeta {
  since: CalendarDate | null;
  until: CalendarDate | null;
  zone: string;
}

export interface ReportOptions extends ReportMeta {
  /** Today in the zone; the streak and trend anchor on it (or on --until when that is earlier). */
  today?: CalendarDate | null | undefined;
  /** Days in the trend; 14 when not given. */
  trendDays?: number | undefined;
  /** The price data used: stated in the JSON so a saved report (and the HTML page) says what it was priced with. */
  prices?: { builtIn: string; overrideFile: string | null } | undefined;
}

export { DEFAULT_TREND_DAYS };

export function serializeRange(meta: ReportMeta) {
  return {
    since: meta.since ? formatCalendarDate(meta.since) : null,
    until: meta.until ? formatCalendarDate(meta.until) : null,
    tz: meta.zone,
  };
}

function compareDates(a: CalendarDate, b: CalendarDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

/**
 * The day streaks and the trend end on: --until when given and not in the
 * future, else today; without either (a library caller), the last active day.
 */
export function chooseAnchor(options: ReportOptions, lastActiveDay: string | null): CalendarDate | null {
  const today = options.today ?? null;
  const until = options.until;
  if (until && today) return compareDates(until, today) < 0 ? until : today;
  if (until) return until;
  if (today) return today;
  return lastActiveDay === null ? null : parseDayKey(lastActiveDay);
}

function serializeShares<Key extends string>(shares: readonly Share[], keyName: Key) {
  return shares.map((share) => ({
    ...({ [keyName]: share.key } as Record<Key, string>),
    ...serializeTotals(share.totals),
    share: roundRatio(share.tokenShare),
    cost_share: roundRatio(share.costShare),
  }));
}

function describeShares(name: string, title: string, keyName: string, rows: Array<Record<string, unknown>>): Dataset {
  const columns: DatasetColumn[] = [
    { key: keyName, header: keyName, kind: 'text' },
    { key: 'records', header: 'records', kind: 'integer', priority: 1 },
    { key: 'total_tokens', header: 'tokens', kind: 'tokens', priority: 5 },
    costColumn(6),
    { key: 'share', header: 'share', kind: 'ratio', priority: 4 },
    { key: 'cost_share', header: 'cost share', kind: 'ratio', priority: 3 },
    UNPRICED_COLUMN,
  ];
  return { name, title, columns, rows };
}

export function buildReport(analysis: Analysis<ReportState>, options: ReportOptions): Document {
  const { state } = analysis;
  const shares = computeShares(state.models);
  const models = serializeShares(shares, 'model');
  const unpricedModels = shares
    .filter((share) => share.totals.unpricedRecords > 0)
    .map((share) => ({ model: share.key, records: share.totals.unpricedRecords, total_tokens: share.totals.unpricedTokens }));

  const days = listDays(state.days);
  const dayModels = readSplits(state.dayModels);
  const dayAgents = readSplits(state.dayAgents);
  const lastActiveDay = days.length > 0 ? days[days.length - 1]![0] : null;
  const anchor = chooseAnchor(options, lastActiveDay);
  const streaks = anchor
    ? computeStreaks(
        days.map(([key]) => key),
        anchor,
      )
    : { activeDays: 0, currentStreak: 0, longestStreak: 0 };
  const trendDays = options.trendDays ?? DEFAULT_TREND_DAYS;
  const trend = anchor ? buildTrend(state.days.days, anchor, trendDays) : [];
  // Most used by tokens; computeShares already orders by tokens, then name.
  const mostUsedModel = shares[0]?.key ?? null;
  const projectShares = computeShares(state.projects);
  // Short readable names (last path segment, widened only where two differ); the full path beside them.
  const projectNames = shortenProjectPaths(projectShares.map((share) => share.key).filter((key) => key !== NO_PROJECT));
  const projects = serializeShares(projectShares, 'project').map((row, index) => {
    const key = projectShares[index]?.key ?? '';
    return { ...row, project: projectNames.get(key) ?? key, project_path: key.includes('/') ? key : null };
  });
  const providers = serializeShares(computeShares(state.providers), 'provider');
  const agents = serializeShares(computeShares(state.agents), 'agent');
  // Named call_sources in JSON: `sources` already describes the files read.
  const sources = serializeShares(computeShares(state.sources), 'source');
  const cache = serializeCacheCounts(state.cache.overall);
  const pressure = summarizeContextPressure(state.context);

  const json = {
    schema: JSON_SCHEMA_VERSION,
    kind: 'report',
    range: serializeRange(options),
    prices: { built_in: options.prices?.builtIn ?? 'none', override_file: options.prices?.overrideFile ?? null },
    totals: serializeTotals(state.totals),
    models,
    unpriced_models: unpricedModels,
    most_used_model: mostUsedModel,
    streaks: {
      anchor: anchor ? formatCalendarDate(anchor) : null,
      active_days: streaks.activeDays,
      current: streaks.currentStreak,
      longest: streaks.longestStreak,
    },
    days: days.map(([date, totals]) => ({
      date,
      ...serializeTotals(totals),
      models: computeShares(dayModels.get(date) ?? new Map()).map((share) => ({ model: share.key, ...serializeTotals(share.totals) })),
      agents: computeShares(dayAgents.get(date) ?? new Map()).map((share) => ({ agent: share.key, ...serializeTotals(share.totals) })),
      cache: serializeCacheCounts(state.dayCache.get(date) ?? createCacheCounts()),
    })),
    undated_records: state.days.undatedRecords,
    trend: trend.map((day) => ({ date: day.date, ...serializeTotals(day.totals) })),
    projects,
    providers,
    agents,
    call_sources: sources,
    cache: { cache_reported: state.cache.overall.reportedRecords > 0, ...cache },
    context_pressure: serializeContextPressure(pressure),
    ...serializeInput(analysis.summary, analysis.excluded),
  };

  const t = state.totals;
  const summary: Dataset = {
    name: 'totals',
    title: 'Totals',
    columns: [
      { key: 'metric', header: 'metric', kind: 'text' },
      { key: 'value', header: 'value', kind: 'integer', priority: 10 },
    ],
    rows: [
      { metric: 'records', value: t.records },
      { metric: 'calls', value: t.calls },
      { metric: 'input tokens (fresh)', value: t.inputTokens },
      { metric: 'output tokens', value: t.outputTokens },
      { metric: '  of which reasoning', value: t.reasoningTokens },
      { metric: 'cache read tokens', value: t.cacheReadTokens },
      { metric: 'cache write tokens', value: t.cacheWriteTokens },
      { metric: '  5-minute writes', value: t.cacheWrite5mTokens },
      { metric: '  1-hour writes', value: t.cacheWrite1hTokens },
      ...(t.unattributedTokens > 0 ? [{ metric: 'unattributed tokens', value: t.unattributedTokens }] : []),
      { metric: 'total tokens', value: t.totalTokens },
      { metric: 'skipped lines', value: analysis.summary.skipped.lines },
    ],
  };
  const modelRows: Dataset = {
    name: 'models',
    title: 'By model',
    columns: [
      { key: 'model', header: 'model', kind: 'text' },
      { key: 'records', header: 'records', kind: 'integer', priority: 1 },
      { key: 'input_tokens', header: 'input', kind: 'tokens', priority: 2 },
      { key: 'output_tokens', header: 'output', kind: 'tokens', priority: 2 },
      { key: 'cache_read_tokens', header: 'cache read', kind: 'tokens', priority: 1 },
      { key: 'cache_write_tokens', header: 'cache write', kind: 'tokens', priority: 1 },
      { key: 'total_tokens', header: 'total', kind: 'tokens', priority: 5 },
      costColumn(6),
      { key: 'share', header: 'share', kind: 'ratio', priority: 4 },
      // Last, so CSV readers that go by position keep their columns.
      UNPRICED_COLUMN,
    ],
    rows: models,
    footer: [{ model: 'total', ...serializeTotals(state.totals), cost_usd: readGroupCost(state.totals), share: models.length ? 1 : null }],
  };
  const activity: Dataset = {
    name: 'activity',
    title: 'Activity',
    columns: [
      { key: 'active_days', header: 'active days', kind: 'integer', priority: 9 },
      { key: 'current_streak', header: 'current streak', kind: 'integer', priority: 8 },
      { key: 'longest_streak', header: 'longest streak', kind: 'integer', priority: 7 },
      { key: 'most_used_model', header: 'most used model', kind: 'text', priority: 6 },
      { key: 'anchor', header: 'as of', kind: 'text', priority: 5 },
    ],
    rows: [
      {
        active_days: streaks.activeDays,
        current_streak: streaks.currentStreak,
        longest_streak: streaks.longestStreak,
        most_used_model: mostUsedModel,
        anchor: json.streaks.anchor,
      },
    ],
  };
  const trendRows: Dataset = {
    name: 'trend',
    title: `Last ${trendDays} days`,
    columns: [
      { key: 'date', header: 'day', kind: 'text' },
      { key: 'records', header: 'records', kind: 'integer', priority: 2 },
      { key: 'calls', header: 'calls', kind: 'integer', priority: 1 },
      { key: 'total_tokens', header: 'tokens', kind: 'tokens', priority: 5 },
      costColumn(4),
      UNPRICED_COLUMN,
    ],
    rows: json.trend,
  };
  const cacheRows: Dataset = {
    name: 'cache',
    title: 'Prompt cache',
    columns: [
      { key: 'cache_hit_rate', header: 'hit rate', kind: 'ratio', priority: 9 },
      { key: 'cache_reuse_rate', header: 'reuse rate', kind: 'ratio', priority: 8 },
      { key: 'cache_read_tokens', header: 'cache read', kind: 'tokens', priority: 5 },
      { key: 'cache_write_tokens', header: 'cache write', kind: 'tokens', priority: 5 },
      { key: 'input_tokens', header: 'fresh input', kind: 'tokens', priority: 4 },
      { key: 'cache_reported_records', header: 'records with cache data', kind: 'integer', priority: 3 },
    ],
    rows: [{ ...cache }],
  };
  const datasets: Dataset[] = [
    modelRows,
    summary,
    activity,
    ...(trend.length > 0 ? [trendRows] : []),
    describeShares('projects', 'By project', 'project', projects),
    describeShares('providers', 'By provider', 'provider', providers),
  ];
  // One agent's table would repeat the totals; with several, the split is the point.
  if (agents.length > 1) datasets.push(describeShares('agents', 'By agent', 'agent', agents));
  // Most dialects have no notion of a source; a table of one "(no source)" row says nothing.
  if (sources.some((row) => row.source !== NO_SOURCE)) {
    datasets.push(describeShares('call_sources', 'By call source', 'source', sources));
  }
  datasets.push(cacheRows);
  if (pressure !== null) datasets.push(describeContextPressure(pressure));
  return { json, datasets };
}
