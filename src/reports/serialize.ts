/**
 * The documented JSON shapes (docs/json.md). Keys are snake_case and stable;
 * costs are rounded to 6 decimals here, at the output edge, never before.
 */
import type { IngestSummary } from '../ingest/ingest.js';
import type { Exclusions } from '../core/analyze.js';
import type { TokenTotals } from '../reducers/totals.js';
import type { DatasetColumn } from '../renderers/dataset.js';
import { roundCost } from '../renderers/format.js';

/** Bumped only when a field is removed or changes meaning; additions keep it. */
export const JSON_SCHEMA_VERSION = 1;

export interface TotalsJson {
  records: number;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cache_write_5m_tokens: number;
  cache_write_1h_tokens: number;
  unattributed_tokens: number;
  total_tokens: number;
  /** Sum of known costs; null when no record in the group could be priced. */
  cost_usd: number | null;
  /** Tokens whose cost is unknown; when > 0, cost_usd is a lower bound. */
  unpriced_tokens: number;
}

/** The cost shown for a group: the known sum, or null when nothing in it was priced. */
export function readGroupCost(totals: TokenTotals): number | null {
  if (totals.records > 0 && totals.unpricedRecords === totals.records) return null;
  return totals.costUsd;
}

/**
 * The tokens behind a cost cell's lower-bound mark. Tables show the mark
 * instead; CSV and NDJSON carry the count, so a partial cost is never read
 * as a complete one there either.
 */
export const UNPRICED_COLUMN: DatasetColumn = { key: 'unpriced_tokens', header: 'unpriced', kind: 'tokens', hiddenInTables: true };

/** The cost column of a group table, marked as a lower bound in rows that hold unpriced tokens. */
export function costColumn(priority: number): DatasetColumn {
  return { key: 'cost_usd', header: 'cost', kind: 'cost', priority, unpricedKeys: ['unpriced_tokens'] };
}

export function serializeTotals(totals: TokenTotals): TotalsJson {
  return {
    records: totals.records,
    calls: totals.calls,
    input_tokens: totals.inputTokens,
    output_tokens: totals.outputTokens,
    reasoning_tokens: totals.reasoningTokens,
    cache_read_tokens: totals.cacheReadTokens,
    cache_write_tokens: totals.cacheWriteTokens,
    cache_write_5m_tokens: totals.cacheWrite5mTokens,
    cache_write_1h_tokens: totals.cacheWrite1hTokens,
    unattributed_tokens: totals.unattributedTokens,
    total_tokens: totals.totalTokens,
    cost_usd: roundCost(readGroupCost(totals)),
    unpriced_tokens: totals.unpricedTokens,
  };
}

export interface InputJson {
  skipped: { lines: number; reasons: Record<string, number> };
  no_usage_lines: number;
  duplicate_lines: number;
  partial_lines: number;
  excluded: { out_of_range: number; undated: number };
  sources: { files: number; lines: number; bytes: number; unreadable: Array<{ path: string; message: string }> };
  dialects: Record<string, number>;
}

/** What was read and what was left out: shared by every command's JSON. */
export function serializeInput(summary: IngestSummary, excluded: Exclusions): InputJson {
  return {
    skipped: { lines: summary.skipped.lines, reasons: summary.skipped.reasons },
    no_usage_lines: summary.noUsageLines,
    duplicate_lines: summary.duplicateLines,
    partial_lines: summary.partialLines,
    excluded: { out_of_range: excluded.outOfRange, undated: excluded.undated },
    sources: {
      files: summary.files,
      lines: summary.lines,
      bytes: summary.bytes,
      unreadable: summary.unreadable,
    },
    dialects: summary.recordsByDialect,
  };
}
