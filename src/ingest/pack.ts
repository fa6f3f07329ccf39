/**
 * A compact, transferable form of one file's records: numbers in two typed
 * arrays, strings interned into one table, de-duplication keys as 64-bit
 * hashes. Worker threads send records to the main thread this way (one buffer
 * transfer instead of cloning thousands of objects), and the on-disk index
 * stores them the same way.
 */
import { type ContextSnapshot, DIALECT_NAMES, type DialectName, type UsageRecord } from '../core/record.js';

const TEXT_FIELDS = [
  'model',
  'provider',
  'upstreamModel',
  'resource',
  'session',
  'project',
  'conversation',
  'requestId',
  'role',
  'task',
  'source',
  'sender',
] as const;

const COUNT_FIELDS = [
  'inputTokens',
  'outputTokens',
  'reasoningTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'cacheWrite5mTokens',
  'cacheWrite1hTokens',
  'unattributedTokens',
  'totalTokens',
  'calls',
] as const;

const CONTEXT_FIELDS = [
  'systemTokens',
  'summaryTokens',
  'windowTokens',
  'promptTokens',
  'maxContextTokens',
  'budgetLimit',
  'cachedToolOutputs',
  'cachedToolTokensSaved',
  'segmentsRemoved',
  'messageCount',
] as const;

// Floats per record: timestamp, recorded cost, then the counts (which may pass 2^32).
const FLOAT_STRIDE = 2 + COUNT_FIELDS.length;
// Integers per record: dialect and flags, line, key hash (two halves), text indices.
const INT_STRIDE = 4 + TEXT_FIELDS.length;
const FLAG_CACHE_REPORTED = 1 << 8;
const FLAG_HAS_CONTEXT = 1 << 9;
const FLAG_TRUNCATED = 1 << 10;
const FLAG_HAS_KEY = 1 << 11;
const NO_TEXT = 0xffffffff;

/** A record plus where it came from: the order decides ties between copies. */
export interface OrderedRecord {
  record: UsageRecord;
  /** Position of the line in the whole input: file index × 2^32 + line number. */
  order: number;
  /** Hashed de-duplication key (see hashKey). */
  dedupKey?: string | undefined;
}

export interface PackedRecords {
  count: number;
  floats: Float64Array;
  ints: Uint32Array;
  /** Ten numbers per record that has a context snapshot, in record order. */
  contexts: Float64Array;
  texts: string[];
}

/** Lines per file are numbered below 2^32, so file index and line make one safe integer order. */
const LINES_PER_FILE = 2 ** 32;

export function orderOf(fileIndex: number, lineNumber: number): number {
  return fileIndex * LINES_PER_FILE + lineNumber;
}

/**
 * A 64-bit hash of a de-duplication key as 16 hex digits (two independent
 * 32-bit FNV-1a style lanes). Keys are stored hashed so that the index stays
 * small; a collision among a million keys has odds of about 1 in 3.7e7.
 */
export function hashKey(key: string): string {
  let first = 0x811c9dc5;
  let second = 0x01000193 ^ key.length;
  for (let index = 0; index < key.length; index++) {
    const code = key.charCodeAt(index);
    first = Math.imul(first ^ code, 0x01000193);
    second = Math.imul(second ^ code, 0x5bd1e995);
    second ^= second >>> 15;
  }
  return (first >>> 0).toString(16).padStart(8, '0') + (second >>> 0).toString(16).padStart(8, '0');
}

export function packRecords(entries: ReadonlyArray<{ record: UsageRecord; line: number; dedupKey?: string | undefined }>): PackedRecords {
  const floats = new Float64Array(entries.length * FLOAT_STRIDE);
  const ints = new Uint32Array(entries.length * INT_STRIDE);
  const contextRows: ContextSnapshot[] = [];
  const texts: string[] = [];
  const textIndex = new Map<string, number>();
  const intern = (value: string | null): number => {
    if (value === null) return NO_TEXT;
    let index = textIndex.get(value);
    if (index === undefined) {
      index = texts.length;
      texts.push(value);
      textIndex.set(value, index);
    }
    return index;
  };
  entries.forEach((entry, row) => {
    const { record } = entry;
    let f = row * FLOAT_STRIDE;
    floats[f++] = record.timestamp ?? Number.NaN;
    floats[f++] = record.recordedCostUsd ?? Number.NaN;
    for (const field of COUNT_FIELDS) floats[f++] = record[field];
    let i = row * INT_STRIDE;
    ints[i++] =
      DIALECT_NAMES.indexOf(record.dialect) |
      (record.cacheReported ? FLAG_CACHE_REPORTED : 0) |
      (record.context ? FLAG_HAS_CONTEXT : 0) |
      (record.context?.truncationOccurred ? FLAG_TRUNCATED : 0) |
      (entry.dedupKey ? FLAG_HAS_KEY : 0);
    ints[i++] = entry.line;
    ints[i++] = entry.dedupKey ? Number.parseInt(entry.dedupKey.slice(0, 8), 16) : 0;
    ints[i++] = entry.dedupKey ? Number.parseInt(entry.dedupKey.slice(8, 16), 16) : 0;
    for (const field of TEXT_FIELDS) ints[i++] = intern(record[field]);
    if (record.context) contextRows.push(record.context);
  });
  const contexts = new Float64Array(contextRows.length * CONTEXT_FIELDS.length);
  contextRows.forEach((context, row) => {
    let c = row * CONTEXT_FIELDS.length;
    for (const field of CONTEXT_FIELDS) contexts[c++] = context[field];
  });
  return { count: entries.length, floats, ints, contexts, texts };
}

/** Calls `onRecord` for each packed record, with its order in the input of this run. */
export function unpackRecords(packed: PackedRecords, fileIndex: number, onRecord: (entry: OrderedRecord) => void): void {
  const { floats, ints, contexts, texts } = packed;
  const text = (value: number): string | null => (value === NO_TEXT ? null : (texts[value] ?? null));
  let contextRow = 0;
  for (let row = 0; row < packed.count; row++) {
    let f = row * FLOAT_STRIDE;
    let i = row * INT_STRIDE;
    const header = ints[i++]!;
    const line = ints[i++]!;
    const high = ints[i++]!;
    const low = ints[i++]!;
    const timestamp = floats[f++]!;
    const recordedCost = floats[f++]!;
    const record = {
      dialect: DIALECT_NAMES[header & 0xff] as DialectName,
      timestamp: Number.isNaN(timestamp) ? null : timestamp,
      recordedCostUsd: Number.isNaN(recordedCost) ? null : recordedCost,
      cacheReported: (header & FLAG_CACHE_REPORTED) !== 0,
      context: null as ContextSnapshot | null,
    } as Record<string, unknown>;
    for (const field of TEXT_FIELDS) record[field] = text(ints[i++]!);
    for (const field of COUNT_FIELDS) record[field] = floats[f++]!;
    if (header & FLAG_HAS_CONTEXT) {
      const context = { truncationOccurred: (header & FLAG_TRUNCATED) !== 0 } as Record<string, unknown>;
      let c = contextRow++ * CONTEXT_FIELDS.length;
      for (const field of CONTEXT_FIELDS) context[field] = contexts[c++]!;
      record['context'] = context;
    }
    const order = orderOf(fileIndex, line);
    onRecord(
      header & FLAG_HAS_KEY
        ? {
            record: record as unknown as UsageRecord,
            order,
            dedupKey: high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0'),
          }
        : { record: record as unknown as UsageRecord, order },
    );
  }
}
