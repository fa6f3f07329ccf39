/**
 * `usage diff`: per model and in total, how tokens and cost changed from a
 * baseline to a current side. A side is either a date range of the logs (both
 * ranges are reduced in one pass over the input) or a saved
 * `usage report --json` document.
 */
import { z } from 'zod';
import type { Analysis, TimeRange } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import { createGroupReducer, type GroupState } from '../reducers/group.js';
import { combineReducers, type Reducer } from '../reducers/reducer.js';
import { type TokenTotals, totalsReducer } from '../reducers/totals.js';
import type { Dataset, Document } from '../renderers/dataset.js';
import { roundCost, roundRatio } from '../renderers/format.js';
import { JSON_SCHEMA_VERSION, serializeInput, serializeTotals, costColumn, type TotalsJson, UNPRICED_COLUMN } from './serialize.js';

/** What one side needs: the report's totals and per-model groups, without its analytics. */
export interface SideState extends Record<string, unknown> {
  totals: TokenTotals;
  models: GroupState;
}

const sideReducer = combineReducers<SideState>({
  totals: totalsReducer,
  models: createGroupReducer((record) => record.model),
});

export interface DiffState extends Record<string, unknown> {
  baseline: SideState;
  current: SideState;
  /** Records in neither range. */
  outside: { records: number };
  /** Records without a timestamp, which no range can hold. */
  undated: { records: number };
}

const counter: Reducer<{ records: number }> = {
  create: () => ({ records: 0 }),
  add: (state) => {
    state.records++;
  },
};

function isInside(instant: number, range: TimeRange): boolean {
  return (range.start === null || instant >= range.start) && (range.end === null || instant < range.end);
}

/** Routes each record to the side(s) whose range holds it; overlapping ranges count a record on both sides. */
export function createDiffReducer(baseline: TimeRange, current: TimeRange): Reducer<DiffState> {
  const parts = combineReducers<DiffState>({ baseline: sideReducer, current: sideReducer, outside: counter, undated: counter });
  return {
    create: parts.create,
    add(state, record) {
      if (record.timestamp === null) {
        state.undated.records++;
        return;
      }
      const inBaseline = isInside(record.timestamp, baseline);
      const inCurrent = isInside(record.timestamp, current);
      if (inBaseline) sideReducer.add(state.baseline, record);
      if (inCurrent) sideReducer.add(state.current, record);
      if (!inBaseline && !inCurrent) state.outside.records++;
    },
  };
}

/** One side of a diff, in the documented JSON shape (so saved reports and fresh reductions compare alike). */
export interface DiffSide {
  /** Where the side came from: a date range or a file, for the JSON and the titles. */
  source: Record<string, unknown>;
  totals: TotalsJson;
  models: Map<string, TotalsJson>;
}

export function readDiffSide(state: SideState, source: Record<string, unknown>): DiffSide {
  const models = new Map<string, TotalsJson>();
  for (const [model, totals] of state.models) models.set(model, serializeTotals(totals));
  return { source, totals: serializeTotals(state.totals), models };
}

const count = z.number().int().nonnegative();
const totalsSchema = z.object({
  records: count,
  calls: count,
  input_tokens: count,
  output_tokens: count,
  reasoning_tokens: count,
  cache_read_tokens: count,
  cache_write_tokens: count,
  cache_write_5m_tokens: count,
  cache_write_1h_tokens: count,
  unattributed_tokens: count,
  total_tokens: count,
  cost_usd: z.number().nullable(),
  unpriced_tokens: count,
});
const savedReportSchema = z.object({
  schema: z.number(),
  kind: z.literal('report'),
  range: z.object({ since: z.string().nullable(), until: z.string().nullable(), tz: z.string() }).optional(),
  totals: totalsSchema,
  models: z.array(totalsSchema.extend({ model: z.string() })),
});

/** Reads a saved `usage report --json` document; `name` is the file, for the error messages. */
export function parseSavedReport(text: string, name: string): DiffSide {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${name} is not JSON (${(error as Error).message}); --reports wants files written by \`usage report --json\`.`);
  }
  const schema = (raw as { schema?: unknown } | null)?.schema;
  if (typeof schema === 'number' && schema !== JSON_SCHEMA_VERSION) {
    throw new UsageError(`${name} has JSON schema ${schema}; this usage reads schema ${JSON_SCHEMA_VERSION}.`);
  }
  const checked = savedReportSchema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = issue?.path.map(String).join('.') || '(top level)';
    throw new UsageError(`${name} is not a \`usage report --json\` document: field ${field}: ${issue?.message ?? 'invalid'}.`);
  }
  const document = checked.data;
  const models = new Map<string, TotalsJson>();
  for (const { model, ...totals } of document.models) models.set(model, totals);
  return { source: { file: name, ...(document.range ? { range: document.range } : {}) }, totals: document.totals, models };
}

const COUNT_FIELDS = [
  'records',
  'calls',
  'input_tokens',
  'output_tokens',
  'reasoning_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'unattributed_tokens',
  'total_tokens',
  'unpriced_tokens',
] as const;

type CountField = (typeof COUNT_FIELDS)[number];

export type ChangeJson = Record<CountField, number> & {
  cost_usd: number | null;
  /** Relative change of total tokens; null when the baseline had none. */
  total_tokens_ratio: number | null;
  cost_usd_ratio: number | null;
  /** False when either side has unpriced usage: the cost change then compares lower bounds. */
  cost_complete: boolean;
};

const ZERO: TotalsJson = {
  records: 0,
  calls: 0,
  input_tokens: 0,
  output_tokens: 0,
  reasoning_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cache_write_5m_tokens: 0,
  cache_write_1h_tokens: 0,
  unattributed_tokens: 0,
  total_tokens: 0,
  // A side without the model spent nothing on it: a known $0, not an unknown.
  cost_usd: 0,
  unpriced_tokens: 0,
};

export function computeChange(baseline: TotalsJson | null, current: TotalsJson | null): ChangeJson {
  const before = baseline ?? ZERO;
  const after = current ?? ZERO;
  const counts = {} as Record<CountField, number>;
  for (const field of COUNT_FIELDS) counts[field] = after[field] - before[field];
  const cost = before.cost_usd === null || after.cost_usd === null ? null : roundCost(after.cost_usd - before.cost_usd);
  return {
    ...counts,
    cost_usd: cost,
    total_tokens_ratio: before.total_tokens > 0 ? roundRatio(counts.total_tokens / before.total_tokens) : null,
    cost_usd_ratio: cost !== null && before.cost_usd !== null && before.cost_usd > 0 ? roundRatio(cost / before.cost_usd) : null,
    cost_complete: before.unpriced_tokens === 0 && after.unpriced_tokens === 0,
  };
}

export interface DiffInputs {
  mode: 'periods' | 'reports';
  analysis?: Analysis<DiffState> | undefined;
}

export function buildDiffReport(baseline: DiffSide, current: DiffSide, inputs: DiffInputs): Document {
  const names = new Set([...baseline.models.keys(), ...current.models.keys()]);
  const models = [...names].map((model) => {
    const before = baseline.models.get(model) ?? null;
    const after = current.models.get(model) ?? null;
    return { model, baseline: before, current: after, change: computeChange(before, after) };
  });
  // Biggest movers first, by cost where it is known, then by tokens.
  models.sort(
    (a, b) =>
      Math.abs(b.change.cost_usd ?? 0) - Math.abs(a.change.cost_usd ?? 0) ||
      Math.abs(b.change.total_tokens) - Math.abs(a.change.total_tokens) ||
      (a.model < b.model ? -1 : a.model > b.model ? 1 : 0),
  );
  const totals = { baseline: baseline.totals, current: current.totals, change: computeChange(baseline.totals, current.totals) };
  const analysis = inputs.analysis;
  const json = {
    schema: JSON_SCHEMA_VERSION,
    kind: 'diff',
    mode: inputs.mode,
    baseline: baseline.source,
    current: current.source,
    totals,
    models,
    ...(analysis
      ? serializeInput(analysis.summary, {
          outOfRange: analysis.excluded.outOfRange + analysis.state.outside.records,
          undated: analysis.excluded.undated + analysis.state.undated.records,
        })
      : {}),
  };
  const flatten = (row: { baseline: TotalsJson | null; current: TotalsJson | null; change: ChangeJson }) => ({
    baseline_total_tokens: row.baseline?.total_tokens ?? 0,
    total_tokens: row.current?.total_tokens ?? 0,
    total_tokens_change: row.change.total_tokens,
    total_tokens_ratio: row.change.total_tokens_ratio,
    baseline_cost_usd: row.baseline ? row.baseline.cost_usd : 0,
    cost_usd: row.current ? row.current.cost_usd : 0,
    cost_usd_change: row.change.cost_usd,
    cost_usd_ratio: row.change.cost_usd_ratio,
    baseline_unpriced_tokens: row.baseline?.unpriced_tokens ?? 0,
    unpriced_tokens: row.current?.unpriced_tokens ?? 0,
  });
  // A change between lower bounds is not a bound of the change: it is marked as approximate.
  const bothSides = ['baseline_unpriced_tokens', 'unpriced_tokens'];
  const dataset: Dataset = {
    name: 'diff',
    title: 'Change from baseline to current',
    columns: [
      { key: 'model', header: 'model', kind: 'text' },
      { key: 'baseline_total_tokens', header: 'baseline tokens', kind: 'tokens', priority: 3 },
      { key: 'total_tokens', header: 'tokens', kind: 'tokens', priority: 4 },
      { key: 'total_tokens_change', header: 'Δ tokens', kind: 'tokens', priority: 7 },
      { key: 'total_tokens_ratio', header: 'Δ tokens %', kind: 'ratio', priority: 5 },
      { key: 'baseline_cost_usd', header: 'baseline cost', kind: 'cost', priority: 2, unpricedKeys: ['baseline_unpriced_tokens'] },
      costColumn(4),
      { key: 'cost_usd_change', header: 'Δ cost', kind: 'cost_change', priority: 8, unpricedKeys: bothSides },
      { key: 'cost_usd_ratio', header: 'Δ cost %', kind: 'ratio', priority: 5, unpricedKeys: bothSides },
      { key: 'baseline_unpriced_tokens', header: 'baseline unpriced', kind: 'tokens', hiddenInTables: true },
      UNPRICED_COLUMN,
    ],
    rows: models.map((row) => ({ model: row.model, ...flatten(row) })),
    footer: [{ model: 'total', ...flatten(totals) }],
  };
  return { json, datasets: [dataset] };
}

/** True when two half-open ranges share an instant. */
export function rangesOverlap(a: TimeRange, b: TimeRange): boolean {
  const startsBeforeEnd = (start: number | null, end: number | null): boolean => start === null || end === null || start < end;
  return startsBeforeEnd(a.start, b.end) && startsBeforeEnd(b.start, a.end);
}
