/**
 * Per-session state: the session's totals plus one compact entry per record,
 * which is what per-call listings and cold-round detection need. Entries hold
 * counts and flags only, never message text, so the state stays small.
 * Merging concatenates; the time order is established when a view is built.
 */
import type { PricedRecord } from '../core/record.js';
import type { Reducer } from './reducer.js';
import { addToTotals, createTokenTotals, type TokenTotals } from './totals.js';

export const NO_SESSION = '(no session)';

export interface CallEntry {
  timestamp: number | null;
  model: string;
  project: string | null;
  source: string | null;
  /** API calls this record stands for. */
  calls: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  totalTokens: number;
  costUsd: number | null;
  cacheReported: boolean;
  /** The record's context snapshot says the prompt was truncated or lost segments. */
  truncated: boolean;
}

export interface SessionState {
  totals: TokenTotals;
  entries: CallEntry[];
}

export type SessionsState = Map<string, SessionState>;

export const readSession = (record: PricedRecord): string => record.session ?? NO_SESSION;

export function toCallEntry(record: PricedRecord): CallEntry {
  return {
    timestamp: record.timestamp,
    model: record.model,
    // The project grouping key of every command (full path where known); the report names it for display.
    project: record.projectPath ?? record.project,
    source: record.source,
    calls: record.calls,
    inputTokens: record.inputTokens,
    cacheReadTokens: record.cacheReadTokens,
    cacheWriteTokens: record.cacheWriteTokens,
    outputTokens: record.outputTokens,
    totalTokens: record.totalTokens,
    costUsd: record.costUsd,
    cacheReported: record.cacheReported,
    truncated: record.context !== null && (record.context.truncationOccurred || record.context.segmentsRemoved > 0),
  };
}

export const sessionsReducer: Reducer<SessionsState> = {
  create: () => new Map(),
  add(state, record) {
    const key = readSession(record);
    let session = state.get(key);
    if (session === undefined) {
      session = { totals: createTokenTotals(), entries: [] };
      state.set(key, session);
    }
    addToTotals(session.totals, record);
    session.entries.push(toCallEntry(record));
  },
};

const compareText = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);

/**
 * Entries in time order; undated entries go last. Entries with equal times
 * are ordered by their contents, so the order never depends on which file or
 * worker delivered them first (entries that tie on everything are identical).
 */
export function sortEntries(entries: readonly CallEntry[]): CallEntry[] {
  return [...entries].sort((a, b) => {
    if (a.timestamp !== b.timestamp) {
      if (a.timestamp === null) return 1;
      if (b.timestamp === null) return -1;
      return a.timestamp - b.timestamp;
    }
    return (
      compareText(a.model, b.model) ||
      compareText(a.source, b.source) ||
      compareText(a.project, b.project) ||
      a.inputTokens - b.inputTokens ||
      a.cacheReadTokens - b.cacheReadTokens ||
      a.cacheWriteTokens - b.cacheWriteTokens ||
      a.outputTokens - b.outputTokens ||
      a.calls - b.calls ||
      (a.costUsd ?? -1) - (b.costUsd ?? -1)
    );
  });
}

/** The exact prompt size of a call: fresh input plus everything read from or written to the cache. */
export function readPromptTokens(entry: CallEntry): number {
  return entry.inputTokens + entry.cacheReadTokens + entry.cacheWriteTokens;
}
