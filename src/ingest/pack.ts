/**
 * A compact, transferable form of one file's records: numbers in two typed
 * arrays, strings interned into one table, de-duplication keys as 64-bit
 * hashes. Worker threads send records to the main thread this way (one buffer
 * transfer instead of cloning thousands of objects), and the on-disk index
 * stores them the same way.
 */
import { type ContextSnapshot, DIALECT_NAMES, type DialectName, type UsageRecord } from '../core/record.js';

// The order of these lists is the packed layout: packRecords and
// unpackRecords spell the fields out in the same order.
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
 * A 64-bit hash of a de-duplication key (two independent 32-bit FNV-1a style
 * lanes), as a string of four 16-bit code units: cheap to build from the
 * packed form and cheap to hash as a Map key, where hex digits cost a
 * conversion per record on every warm run. Keys are stored hashed so that
 * the index stays small; a collision among a million keys has odds of about
 * 1 in 3.7e7.
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
  return joinKeyHalves(first >>> 0, second >>> 0);
}

function joinKeyHalves(high: number, low: number): string {
  return String.fromCharCode(high >>> 16, high & 0xffff, low >>> 16, low & 0xffff);
}

function readKeyHalf(key: string, half: 0 | 1): number {
  return ((key.charCodeAt(2 * half) << 16) | key.charCodeAt(2 * half + 1)) >>> 0;
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
    // Spelled out rather than looped over COUNT_FIELDS: keyed reads by name cost several times more.
    floats[f++] = record.inputTokens;
    floats[f++] = record.outputTokens;
    floats[f++] = record.reasoningTokens;
    floats[f++] = record.cacheReadTokens;
    floats[f++] = record.cacheWriteTokens;
    floats[f++] = record.cacheWrite5mTokens;
    floats[f++] = record.cacheWrite1hTokens;
    floats[f++] = record.unattributedTokens;
    floats[f++] = record.totalTokens;
    floats[f] = record.calls;
    let i = row * INT_STRIDE;
    ints[i++] =
      DIALECT_NAMES.indexOf(record.dialect) |
      (record.cacheReported ? FLAG_CACHE_REPORTED : 0) |
      (record.context ? FLAG_HAS_CONTEXT : 0) |
      (record.context?.truncationOccurred ? FLAG_TRUNCATED : 0) |
      (entry.dedupKey ? FLAG_HAS_KEY : 0);
    ints[i++] = entry.line;
    ints[i++] = entry.dedupKey ? readKeyHalf(entry.dedupKey, 0) : 0;
    ints[i++] = entry.dedupKey ? readKeyHalf(entry.dedupKey, 1) : 0;
    ints[i++] = intern(record.model);
    ints[i++] = intern(record.provider);
    ints[i++] = intern(record.upstreamModel);
    ints[i++] = intern(record.resource);
    ints[i++] = intern(record.session);
    ints[i++] = intern(record.project);
    ints[i++] = intern(record.conversation);
    ints[i++] = intern(record.requestId);
    ints[i++] = intern(record.role);
    ints[i++] = intern(record.task);
    ints[i++] = intern(record.source);
    ints[i] = intern(record.sender);
    if (record.context) contextRows.push(record.context);
  });
  const contexts = new Float64Array(contextRows.length * CONTEXT_FIELDS.length);
  contextRows.forEach((context, row) => {
    let c = row * CONTEXT_FIELDS.length;
    for (const field of CONTEXT_FIELDS) contexts[c++] = context[field];
  });
  return { count: entries.length, floats, ints, contexts, texts };
}

/**
 * Calls `onRecord` for each packed record, with its order in the input of
 * this run. Records are built as literals in createRecord's field order, so
 * they share one hidden class with freshly parsed ones: objects filled field
 * by field from the name lists went to dictionary mode, and unpacking plus
 * every reducer after it ran several times slower.
 */
export function unpackRecords(packed: PackedRecords, fileIndex: number, onRecord: (entry: OrderedRecord) => void): void {
  const { floats, ints, contexts, texts } = packed;
  const text = (value: number): string | null => (value === NO_TEXT ? null : (texts[value] ?? null));
  const contextWidth = CONTEXT_FIELDS.length;
  let contextRow = 0;
  for (let row = 0; row < packed.count; row++) {
    const f = row * FLOAT_STRIDE;
    const i = row * INT_STRIDE;
    const header = ints[i] as number;
    const timestamp = floats[f] as number;
    const recordedCost = floats[f + 1] as number;
    let context: ContextSnapshot | null = null;
    if (header & FLAG_HAS_CONTEXT) {
      const c = contextRow++ * contextWidth;
      context = {
        systemTokens: contexts[c] as number,
        summaryTokens: contexts[c + 1] as number,
        windowTokens: contexts[c + 2] as number,
        promptTokens: contexts[c + 3] as number,
        maxContextTokens: contexts[c + 4] as number,
        budgetLimit: contexts[c + 5] as number,
        cachedToolOutputs: contexts[c + 6] as number,
        cachedToolTokensSaved: contexts[c + 7] as number,
        truncationOccurred: (header & FLAG_TRUNCATED) !== 0,
        segmentsRemoved: contexts[c + 8] as number,
        messageCount: contexts[c + 9] as number,
      };
    }
    const record: UsageRecord = {
      dialect: DIALECT_NAMES[header & 0xff] as DialectName,
      timestamp: Number.isNaN(timestamp) ? null : timestamp,
      model: text(ints[i + 4] as number) as string,
      provider: text(ints[i + 5] as number) as string,
      upstreamModel: text(ints[i + 6] as number),
      resource: text(ints[i + 7] as number),
      session: text(ints[i + 8] as number),
      project: text(ints[i + 9] as number),
      conversation: text(ints[i + 10] as number),
      requestId: text(ints[i + 11] as number),
      role: text(ints[i + 12] as number),
      task: text(ints[i + 13] as number),
      source: text(ints[i + 14] as number),
      sender: text(ints[i + 15] as number),
      inputTokens: floats[f + 2] as number,
      outputTokens: floats[f + 3] as number,
      reasoningTokens: floats[f + 4] as number,
      cacheReadTokens: floats[f + 5] as number,
      cacheWriteTokens: floats[f + 6] as number,
      cacheWrite5mTokens: floats[f + 7] as number,
      cacheWrite1hTokens: floats[f + 8] as number,
      unattributedTokens: floats[f + 9] as number,
      totalTokens: floats[f + 10] as number,
      calls: floats[f + 11] as number,
      cacheReported: (header & FLAG_CACHE_REPORTED) !== 0,
      recordedCostUsd: Number.isNaN(recordedCost) ? null : recordedCost,
      context,
    };
    const order = orderOf(fileIndex, ints[i + 1] as number);
    if (header & FLAG_HAS_KEY) {
      onRecord({ record, order, dedupKey: joinKeyHalves(ints[i + 2] as number, ints[i + 3] as number) });
    } else {
      onRecord({ record, order });
    }
  }
}
