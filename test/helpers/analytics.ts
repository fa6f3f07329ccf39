/**
 * Builders for the analytics tests: priced records from a few fields, and an
 * Analysis wrapper with an empty input summary.
 */
import type { Analysis } from '../../src/core/analyze.js';
import { type ContextSnapshot, createRecord, type PricedRecord } from '../../src/core/record.js';
import type { IngestSummary } from '../../src/ingest/ingest.js';

export interface RecordFields {
  /** An ISO string, epoch milliseconds, or null for an undated record. */
  at?: string | number | null;
  model?: string;
  provider?: string;
  session?: string | null;
  project?: string | null;
  source?: string | null;
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  cacheReported?: boolean;
  calls?: number;
  /** Undefined or null: unpriced. */
  cost?: number | null;
  context?: Partial<ContextSnapshot> | null;
}

export function makeContext(fields: Partial<ContextSnapshot>): ContextSnapshot {
  return {
    systemTokens: 0,
    summaryTokens: 0,
    windowTokens: 0,
    promptTokens: 0,
    maxContextTokens: 0,
    budgetLimit: 0,
    cachedToolOutputs: 0,
    cachedToolTokensSaved: 0,
    truncationOccurred: false,
    segmentsRemoved: 0,
    messageCount: 0,
    ...fields,
  };
}

export function makeRecord(fields: RecordFields = {}): PricedRecord {
  const at = fields.at === undefined ? '2026-03-01T12:00:00Z' : fields.at;
  const timestamp = at === null ? null : typeof at === 'number' ? at : Date.parse(at);
  const record = createRecord(
    {
      dialect: 'lash',
      timestamp,
      model: fields.model ?? 'claude-sonnet-4-5',
      provider: fields.provider ?? null,
      session: fields.session ?? null,
      project: fields.project ?? null,
      source: fields.source ?? null,
      calls: fields.calls ?? 1,
      cacheReported: fields.cacheReported ?? true,
      context: fields.context ? makeContext(fields.context) : null,
    },
    {
      inputTokens: fields.input ?? 0,
      outputTokens: fields.output ?? 0,
      cacheReadTokens: fields.cacheRead ?? 0,
      cacheWriteTokens: fields.cacheWrite ?? 0,
    },
  );
  const cost = fields.cost ?? null;
  return { ...record, costUsd: cost, calculatedCostUsd: cost, costSource: cost === null ? 'unknown' : 'calculated' };
}

export function emptySummary(): IngestSummary {
  return {
    files: 0,
    bytes: 0,
    lines: 0,
    records: 0,
    recordsByDialect: {},
    skipped: { lines: 0, reasons: {} },
    skippedByDialect: {},
    noUsageLines: 0,
    duplicateLines: 0,
    partialLines: 0,
    problems: [],
    unreadable: [],
  };
}

export function wrapAnalysis<State>(state: State): Analysis<State> {
  return { state, summary: emptySummary(), excluded: { outOfRange: 0, undated: 0 } };
}
