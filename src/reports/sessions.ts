/**
 * `usage sessions`: one row per session (first and last activity, models,
 * calls, tokens, cost, cache hit rate, cold rounds), or with an id, that
 * session's calls in time order.
 */
import type { Analysis } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import { addToCacheCounts, type CacheCounts, computeCacheRatios, createCacheCounts } from '../reducers/cache-health.js';
import { DEFAULT_COLD_THRESHOLD, detectColdRounds } from '../reducers/cold-rounds.js';
import {
  type CallEntry,
  readPromptTokens,
  type SessionState,
  type SessionsState,
  sortEntries,
} from '../reducers/sessions.js';
import type { Dataset, DatasetColumn, Document } from '../renderers/dataset.js';
import { roundCost, roundRatio } from '../renderers/format.js';
import { formatInstant, formatWallClock } from './analytics-json.js';
import { type ReportMeta, serializeRange } from './report.js';
import { JSON_SCHEMA_VERSION, serializeInput, serializeTotals, UNPRICED_COLUMN, costColumn } from './serialize.js';

export { sessionsReducer } from '../reducers/sessions.js';

export interface SessionsOptions extends ReportMeta {
  /** Cold-round threshold for the per-session count; docs/analytics.md. */
  coldThreshold?: number | undefined;
  /** Session titles from Claude `summary` lines (src/sources/session-titles.ts), by session id. */
  titles?: ReadonlyMap<string, string> | undefined;
}

interface SessionView {
  key: string;
  entries: CallEntry[];
  state: SessionState;
  first: number | null;
  last: number | null;
  models: string[];
  projects: string[];
  cache: CacheCounts;
  coldRounds: number;
}

function sumCache(entries: readonly CallEntry[]): CacheCounts {
  const counts = createCacheCounts();
  for (const entry of entries) addToCacheCounts(counts, entry);
  return counts;
}

/** Distinct values, most tokens first, then by name. */
function rankByTokens(entries: readonly CallEntry[], pick: (entry: CallEntry) => string | null): string[] {
  const tokens = new Map<string, number>();
  for (const entry of entries) {
    const value = pick(entry);
    if (value !== null) tokens.set(value, (tokens.get(value) ?? 0) + entry.totalTokens);
  }
  return [...tokens]
    .sort(([a, at], [b, bt]) => bt - at || (a < b ? -1 : a > b ? 1 : 0))
    .map(([value]) => value);
}

function viewSession(key: string, state: SessionState, threshold: number): SessionView {
  const entries = sortEntries(state.entries);
  let first: number | null = null;
  let last: number | null = null;
  for (const entry of entries) {
    if (entry.timestamp === null) continue;
    if (first === null || entry.timestamp < first) first = entry.timestamp;
    if (last === null || entry.timestamp > last) last = entry.timestamp;
  }
  return {
    key,
    entries,
    state,
    first,
    last,
    models: rankByTokens(entries, (entry) => entry.model),
    projects: rankByTokens(entries, (entry) => entry.project),
    cache: sumCache(entries),
    coldRounds: detectColdRounds(entries, threshold).length,
  };
}

/** Sessions in order of first activity; sessions with no dated call last; ties by id. */
export function viewSessions(sessions: SessionsState, threshold = DEFAULT_COLD_THRESHOLD): SessionView[] {
  return [...sessions]
    .map(([key, state]) => viewSession(key, state, threshold))
    .sort((a, b) => {
      if (a.first !== b.first) {
        if (a.first === null) return 1;
        if (b.first === null) return -1;
        return a.first - b.first;
      }
      return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    });
}

function serializeSession(view: SessionView, titles?: ReadonlyMap<string, string>) {
  const ratios = computeCacheRatios(view.cache);
  return {
    session: view.key,
    title: titles?.get(view.key) ?? null,
    first_activity: view.first === null ? null : formatInstant(view.first),
    last_activity: view.last === null ? null : formatInstant(view.last),
    duration_ms: view.first === null || view.last === null ? null : view.last - view.first,
    models: view.models,
    projects: view.projects,
    ...serializeTotals(view.state.totals),
    cache_hit_rate: roundRatio(ratios.cacheHitRate),
    cache_reuse_rate: roundRatio(ratios.cacheReuseRate),
    cold_rounds: view.coldRounds,
  };
}

function toWallClock(instant: number | null, zone: string): string | null {
  return instant === null ? null : formatWallClock(instant, zone);
}

export function buildSessionsReport(analysis: Analysis<SessionsState>, options: SessionsOptions): Document {
  const views = viewSessions(analysis.state, options.coldThreshold);
  const sessions = views.map((view) => serializeSession(view, options.titles));
  const json = {
    schema: JSON_SCHEMA_VERSION,
    kind: 'sessions',
    range: serializeRange(options),
    cold_threshold: options.coldThreshold ?? DEFAULT_COLD_THRESHOLD,
    sessions,
    ...serializeInput(analysis.summary, analysis.excluded),
  };
  const columns: DatasetColumn[] = [
    { key: 'session', header: 'session', kind: 'text' },
    // Only logs with summary lines have titles: no empty column for the rest.
    ...(sessions.some((session) => session.title !== null) ? [{ key: 'title', header: 'title', kind: 'text' as const, priority: 4 }] : []),
    { key: 'first', header: 'first', kind: 'text', priority: 7 },
    { key: 'last', header: 'last', kind: 'text', priority: 3 },
    { key: 'duration_ms', header: 'duration', kind: 'duration', priority: 6 },
    { key: 'models', header: 'models', kind: 'text', priority: 4 },
    { key: 'calls', header: 'calls', kind: 'integer', priority: 5 },
    { key: 'total_tokens', header: 'tokens', kind: 'tokens', priority: 8 },
    costColumn(8),
    { key: 'cache_hit_rate', header: 'cache hit', kind: 'ratio', priority: 6 },
    { key: 'cold_rounds', header: 'cold', kind: 'integer', priority: 2 },
    UNPRICED_COLUMN,
  ];
  const rows = sessions.map((session, index) => ({
    ...session,
    first: toWallClock(views[index]!.first, options.zone),
    last: toWallClock(views[index]!.last, options.zone),
    models: session.models.join(', '),
    projects: session.projects.join(', '),
  }));
  const dataset: Dataset = { name: 'sessions', title: 'Sessions', columns, rows };
  return { json, datasets: [dataset] };
}

/** Cache read share of one call's prompt; null when its source reports no cache counts. */
function readCallHitRate(entry: CallEntry): number | null {
  if (!entry.cacheReported) return null;
  const prompt = readPromptTokens(entry);
  return prompt > 0 ? entry.cacheReadTokens / prompt : null;
}

export function buildSessionCallsReport(analysis: Analysis<SessionsState>, id: string, options: SessionsOptions): Document {
  const state = analysis.state.get(id);
  if (state === undefined) {
    throw new UsageError(`--id "${id}" matches no session in the logs read (run \`usage sessions\` to list them).`);
  }
  const threshold = options.coldThreshold ?? DEFAULT_COLD_THRESHOLD;
  const view = viewSession(id, state, threshold);
  const cold = new Set(detectColdRounds(view.entries, threshold).map((round) => round.index));
  let previous: number | null = null;
  const calls = view.entries.map((entry, index) => {
    const gap = entry.timestamp !== null && previous !== null ? entry.timestamp - previous : null;
    if (entry.timestamp !== null) previous = entry.timestamp;
    return {
      index: index + 1,
      timestamp: entry.timestamp === null ? null : formatInstant(entry.timestamp),
      model: entry.model,
      source: entry.source,
      project: entry.project,
      calls: entry.calls,
      input_tokens: entry.inputTokens,
      cache_read_tokens: entry.cacheReadTokens,
      cache_write_tokens: entry.cacheWriteTokens,
      output_tokens: entry.outputTokens,
      total_tokens: entry.totalTokens,
      cost_usd: roundCost(entry.costUsd),
      cache_reported: entry.cacheReported,
      cache_hit_rate: roundRatio(readCallHitRate(entry)),
      gap_ms: gap,
      truncated: entry.truncated,
      cold_round: cold.has(index),
    };
  });
  const json = {
    schema: JSON_SCHEMA_VERSION,
    kind: 'session',
    range: serializeRange(options),
    cold_threshold: threshold,
    session: serializeSession(view, options.titles),
    calls,
    ...serializeInput(analysis.summary, analysis.excluded),
  };
  const columns: DatasetColumn[] = [
    { key: 'index', header: '#', kind: 'integer' },
    { key: 'time', header: 'time', kind: 'text', priority: 9 },
    { key: 'model', header: 'model', kind: 'text', priority: 6 },
    { key: 'source', header: 'source', kind: 'text', priority: 1 },
    { key: 'input_tokens', header: 'input', kind: 'tokens', priority: 4 },
    { key: 'cache_read_tokens', header: 'cache read', kind: 'tokens', priority: 5 },
    { key: 'cache_write_tokens', header: 'cache write', kind: 'tokens', priority: 5 },
    { key: 'output_tokens', header: 'output', kind: 'tokens', priority: 4 },
    { key: 'cost_usd', header: 'cost', kind: 'cost', priority: 7 },
    { key: 'cache_hit_rate', header: 'cache hit', kind: 'ratio', priority: 7 },
    { key: 'gap_ms', header: 'gap', kind: 'duration', priority: 3 },
    { key: 'cold_round', header: 'cold', kind: 'flag', mark: 'cold', priority: 8 },
  ];
  const rows = calls.map((call, index) => ({
    ...call,
    time: toWallClock(view.entries[index]!.timestamp, options.zone),
  }));
  return { json, datasets: [{ name: 'calls', title: `Session ${id}`, columns, rows }] };
}
