/**
 * `usage cache`: both cache ratios overall and per model, the cold rounds of
 * every session and what preceded them, and context pressure where the logs
 * record it. Definitions in docs/analytics.md.
 */
import type { Analysis } from '../core/analyze.js';
import { cacheHealthReducer, type CacheHealthState } from '../reducers/cache-health.js';
import { type ColdCause, type ColdRound, detectColdRounds } from '../reducers/cold-rounds.js';
import {
  contextPressureReducer,
  type ContextPressureState,
  summarizeContextPressure,
} from '../reducers/context-pressure.js';
import { combineReducers } from '../reducers/reducer.js';
import { readPromptTokens, type SessionsState, sessionsReducer, sortEntries } from '../reducers/sessions.js';
import type { Dataset, Document } from '../renderers/dataset.js';
import {
  type CacheCountsJson,
  describeContextPressure,
  formatInstant,
  formatWallClock,
  serializeCacheCounts,
  serializeContextPressure,
} from './analytics-json.js';
import { type ReportMeta, serializeRange } from './report.js';
import { JSON_SCHEMA_VERSION, serializeInput } from './serialize.js';

export interface CacheState extends Record<string, unknown> {
  cache: CacheHealthState;
  sessions: SessionsState;
  context: ContextPressureState;
}

export const cacheReducer = combineReducers<CacheState>({
  cache: cacheHealthReducer,
  sessions: sessionsReducer,
  context: contextPressureReducer,
});

export interface CacheOptions extends ReportMeta {
  coldThreshold: number;
}

export interface SessionColdRound extends ColdRound {
  session: string;
}

/** Every session's cold rounds, in time order (undated ones last, then by session). */
export function collectColdRounds(sessions: SessionsState, threshold: number): SessionColdRound[] {
  const rounds: SessionColdRound[] = [];
  const keys = [...sessions.keys()].sort();
  for (const key of keys) {
    const session = sessions.get(key)!;
    for (const round of detectColdRounds(sortEntries(session.entries), threshold)) rounds.push({ ...round, session: key });
  }
  return rounds.sort((a, b) => {
    const at = a.entry.timestamp;
    const bt = b.entry.timestamp;
    if (at !== bt) {
      if (at === null) return 1;
      if (bt === null) return -1;
      return at - bt;
    }
    return a.session < b.session ? -1 : a.session > b.session ? 1 : a.index - b.index;
  });
}

const COLD_CAUSES: readonly ColdCause[] = ['compaction', 'idle_over_1h', 'idle_over_5m', 'unexplained'];

export function buildCacheReport(analysis: Analysis<CacheState>, options: CacheOptions): Document {
  const { state } = analysis;
  const models = [...state.cache.models]
    .map(([model, counts]) => ({ model, ...serializeCacheCounts(counts) }))
    .sort((a, b) => {
      const prompt = (row: CacheCountsJson) => row.input_tokens + row.cache_read_tokens + row.cache_write_tokens;
      return prompt(b) - prompt(a) || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0);
    });
  const rounds = collectColdRounds(state.sessions, options.coldThreshold);
  const byCause = Object.fromEntries(COLD_CAUSES.map((cause) => [cause, 0])) as Record<ColdCause, number>;
  let rewritten = 0;
  for (const round of rounds) {
    byCause[round.cause]++;
    rewritten += round.entry.cacheWriteTokens;
  }
  const roundRows = rounds.map((round) => ({
    session: round.session,
    timestamp: round.entry.timestamp === null ? null : formatInstant(round.entry.timestamp),
    model: round.entry.model,
    source: round.entry.source,
    gap_ms: round.gapMs,
    after_compaction: round.afterCompaction,
    cause: round.cause,
    cache_read_tokens: round.entry.cacheReadTokens,
    cache_write_tokens: round.entry.cacheWriteTokens,
    prompt_tokens: readPromptTokens(round.entry),
    median_prompt_tokens: round.medianPromptTokens,
  }));
  const pressure = summarizeContextPressure(state.context);
  const overall = serializeCacheCounts(state.cache.overall);
  const json = {
    schema: JSON_SCHEMA_VERSION,
    kind: 'cache',
    range: serializeRange(options),
    cache_reported: state.cache.overall.reportedRecords > 0,
    overall,
    models,
    cold_rounds: {
      threshold: options.coldThreshold,
      count: rounds.length,
      rewritten_tokens: rewritten,
      by_cause: byCause,
      rounds: roundRows,
    },
    context_pressure: serializeContextPressure(pressure),
    ...serializeInput(analysis.summary, analysis.excluded),
  };

  const cacheColumns = [
    { key: 'records', header: 'records', kind: 'integer', priority: 1 },
    { key: 'input_tokens', header: 'input', kind: 'tokens', priority: 2 },
    { key: 'cache_read_tokens', header: 'cache read', kind: 'tokens', priority: 3 },
    { key: 'cache_write_tokens', header: 'cache write', kind: 'tokens', priority: 3 },
    { key: 'cache_hit_rate', header: 'hit rate', kind: 'ratio', priority: 9 },
    { key: 'cache_reuse_rate', header: 'reuse rate', kind: 'ratio', priority: 8 },
  ] as const;
  const modelDataset: Dataset = {
    name: 'models',
    title: 'Prompt cache by model',
    columns: [{ key: 'model', header: 'model', kind: 'text' }, ...cacheColumns],
    rows: models,
    footer: [{ model: 'total', ...overall }],
  };
  const summaryDataset: Dataset = {
    name: 'cold_summary',
    title: `Cold rounds (cache read below ${options.coldThreshold} × the session's median prompt)`,
    columns: [
      { key: 'count', header: 'cold rounds', kind: 'integer', priority: 9 },
      { key: 'rewritten_tokens', header: 're-written', kind: 'tokens', priority: 8 },
      { key: 'compaction', header: 'after compaction', kind: 'integer', priority: 6 },
      { key: 'idle_over_1h', header: 'idle > 1h', kind: 'integer', priority: 5 },
      { key: 'idle_over_5m', header: 'idle 5m–1h', kind: 'integer', priority: 5 },
      { key: 'unexplained', header: 'unexplained', kind: 'integer', priority: 4 },
    ],
    rows: [{ count: rounds.length, rewritten_tokens: rewritten, ...byCause }],
  };
  const roundsDataset: Dataset = {
    name: 'cold_rounds',
    title: 'Cold round list',
    columns: [
      { key: 'time', header: 'time', kind: 'text' },
      { key: 'session', header: 'session', kind: 'text', priority: 7 },
      { key: 'model', header: 'model', kind: 'text', priority: 3 },
      { key: 'gap_ms', header: 'gap', kind: 'duration', priority: 6 },
      { key: 'cause', header: 'cause', kind: 'text', priority: 8 },
      { key: 'cache_read_tokens', header: 'cache read', kind: 'tokens', priority: 2 },
      { key: 'cache_write_tokens', header: 're-written', kind: 'tokens', priority: 5 },
      { key: 'median_prompt_tokens', header: 'median prompt', kind: 'tokens', priority: 1 },
    ],
    rows: rounds.map((round, index) => ({
      ...roundRows[index],
      time: round.entry.timestamp === null ? null : formatWallClock(round.entry.timestamp, options.zone),
    })),
  };
  const datasets = [modelDataset, summaryDataset];
  if (rounds.length > 0) datasets.push(roundsDataset);
  if (pressure !== null) datasets.push(describeContextPressure(pressure));
  return { json, datasets };
}
