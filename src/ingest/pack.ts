/**
 * A compact, transferable form of one file's records: numbers in two typed
 * arrays, strings interned into one table, de-duplication keys as 64-bit
 * hashes. Worker threads send records to the main thread this way (one buffer
 * transfer instead of cloning thousands of objects), and the on-disk index
 * stores them the same way.
 */
import { randomBytes } from 'node:crypto';
import { CONTEXT_FIELDS, compileFunction, type FieldDeclaration, RECORD_FIELDS } from '../core/fields.js';
import type { ContextSnapshot, UsageRecord } from '../core/record.js';
import { DIALECT_NAMES } from '../dialects/registry.js';

// The packed layout, derived from the field declaration (src/core/fields.ts):
// numbers (instants, money, counts) in one Float64Array row, text fields as
// indices into the batch's text table in one Uint32Array row after a header
// (dialect and flags), the line number and the key hash.
const FIELDS: readonly FieldDeclaration[] = RECORD_FIELDS;
const FLOAT_FIELDS = FIELDS.filter((field) => field.kind === 'instant' || field.kind === 'money' || field.kind === 'count');
const TEXT_FIELDS = FIELDS.filter((field) => field.kind === 'text' || field.kind === 'optionalText');
const FLAG_FIELDS = FIELDS.filter((field) => field.kind === 'flag');
const CONTEXT_NUMBERS = CONTEXT_FIELDS.filter((field) => field.name !== 'truncationOccurred');

const FLOAT_STRIDE = FLOAT_FIELDS.length;
// Integers per record: header, line, key hash (two halves), text indices.
const INT_STRIDE = 4 + TEXT_FIELDS.length;
const CONTEXT_STRIDE = CONTEXT_NUMBERS.length;
// The header: the dialect's registry position in the low byte, then one bit per flag.
const DIALECT_MASK = 0xff;
const flagBit = (position: number): number => 1 << (8 + position);
const FLAG_BITS = new Map(FLAG_FIELDS.map((field, position) => [field.name, flagBit(position)]));
const FLAG_HAS_CONTEXT = flagBit(FLAG_FIELDS.length);
const FLAG_TRUNCATED = flagBit(FLAG_FIELDS.length + 1);
const FLAG_HAS_KEY = flagBit(FLAG_FIELDS.length + 2);
const NO_TEXT = 0xffffffff;
const TOTAL_TOKENS_AT = FLOAT_FIELDS.findIndex((field) => field.name === 'totalTokens');
if (DIALECT_NAMES.length > DIALECT_MASK || FLAG_HAS_KEY > 2 ** 31) throw new Error('the packed header has no room for the declared dialects and flags');

/** Bytes per record in each packed array (contexts: per record that has one), for checking stored sections. */
export const PACKED_BYTES = { floats: FLOAT_STRIDE * 8, ints: INT_STRIDE * 4, context: CONTEXT_STRIDE * 8 } as const;

/** Names the layout, so that an index written with another field list or dialect registry is not read. */
export const PACKED_LAYOUT = JSON.stringify([FIELDS.map((field) => `${field.name}:${field.kind}`), CONTEXT_FIELDS.map((field) => field.name), DIALECT_NAMES]);

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

/** The secret key of hashKey, as two 32-bit halves. */
export interface KeySecret {
  k0: number;
  k1: number;
}

/** A fresh random secret, as 16 hex digits (stored in the index header, never printed). */
export function createKeySecret(): string {
  return randomBytes(8).toString('hex');
}

export function parseKeySecret(hex: string): KeySecret {
  return { k0: Number.parseInt(hex.slice(0, 8), 16) | 0, k1: Number.parseInt(hex.slice(8, 16), 16) | 0 };
}

/**
 * A 64-bit keyed hash of a de-duplication key (HalfSipHash-2-4 over the key's
 * UTF-16 code units), as a string of four 16-bit code units: cheap to build
 * from the packed form and cheap to hash as a Map key. Keys are stored
 * hashed so that the index stays small.
 *
 * Keyed, because an unkeyed fast hash (the FNV-style one used before) lets
 * anyone who can write a log line craft two distinct message ids with one
 * hash, and the de-duplication then drops a real call. With a secret key
 * (random per index, or per run without one) a collision cannot be computed
 * in advance; by chance it has odds of about 1 in 3.7e7 among a million keys.
 */
export function hashKey(key: string, secret: KeySecret): string {
  let v0 = secret.k0 | 0;
  let v1 = (secret.k1 ^ 0xee) | 0;
  let v2 = (0x6c796765 ^ secret.k0) | 0;
  let v3 = (0x74656462 ^ secret.k1) | 0;
  const length = key.length;
  const last = length - (length & 1);
  // The rounds are written out (as SipRounds in a loop) rather than called:
  // a helper cannot update four locals without allocating.
  for (let index = 0; index <= last; index += 2) {
    const message =
      index < last
        ? key.charCodeAt(index) | (key.charCodeAt(index + 1) << 16)
        : // The final word: the odd code unit, if any, and the length in bytes.
          (length & 1 ? key.charCodeAt(last) : 0) | (((length * 2) & 0xff) << 24);
    v3 ^= message;
    for (let round = 0; round < 2; round++) {
      v0 = (v0 + v1) | 0;
      v1 = (v1 << 5) | (v1 >>> 27);
      v1 ^= v0;
      v0 = (v0 << 16) | (v0 >>> 16);
      v2 = (v2 + v3) | 0;
      v3 = (v3 << 8) | (v3 >>> 24);
      v3 ^= v2;
      v0 = (v0 + v3) | 0;
      v3 = (v3 << 7) | (v3 >>> 25);
      v3 ^= v0;
      v2 = (v2 + v1) | 0;
      v1 = (v1 << 13) | (v1 >>> 19);
      v1 ^= v2;
      v2 = (v2 << 16) | (v2 >>> 16);
    }
    v0 ^= message;
  }
  let high = 0;
  for (let half = 0; half < 2; half++) {
    if (half === 0) v2 ^= 0xee;
    else v1 ^= 0xdd;
    for (let round = 0; round < 4; round++) {
      v0 = (v0 + v1) | 0;
      v1 = (v1 << 5) | (v1 >>> 27);
      v1 ^= v0;
      v0 = (v0 << 16) | (v0 >>> 16);
      v2 = (v2 + v3) | 0;
      v3 = (v3 << 8) | (v3 >>> 24);
      v3 ^= v2;
      v0 = (v0 + v3) | 0;
      v3 = (v3 << 7) | (v3 >>> 25);
      v3 ^= v0;
      v2 = (v2 + v1) | 0;
      v1 = (v1 << 13) | (v1 >>> 19);
      v1 ^= v2;
      v2 = (v2 << 16) | (v2 >>> 16);
    }
    if (half === 0) high = (v1 ^ v3) >>> 0;
  }
  return joinKeyHalves(high, (v1 ^ v3) >>> 0);
}

export function joinKeyHalves(high: number, low: number): string {
  return String.fromCharCode(high >>> 16, high & 0xffff, low >>> 16, low & 0xffff);
}

function readKeyHalf(key: string, half: 0 | 1): number {
  return ((key.charCodeAt(2 * half) << 16) | key.charCodeAt(2 * half + 1)) >>> 0;
}

/** Strings stored once per table and referred to by index. */
class TextTable {
  readonly texts: string[] = [];
  private readonly indexOf = new Map<string, number>();

  intern(value: string | null): number {
    if (value === null) return NO_TEXT;
    let index = this.indexOf.get(value);
    if (index === undefined) {
      index = this.texts.length;
      this.texts.push(value);
      this.indexOf.set(value, index);
    }
    return index;
  }
}

const TEXT_COUNT = TEXT_FIELDS.length;

/*
 * The field-by-field functions below are generated from the declaration
 * (see compileFunction): straight-line code without keyed access, and a
 * record literal in declaration order, so that unpacked records share one
 * hidden class with freshly parsed ones. Objects filled field by field from
 * the name lists went to dictionary mode, and unpacking plus every reducer
 * after it ran several times slower.
 */

const writeNumbers = compileFunction<(floats: Float64Array, row: number, record: UsageRecord) => void>(
  'writeNumbers',
  ['floats', 'row', 'record'],
  [
    `const f = row * ${FLOAT_STRIDE};`,
    ...FLOAT_FIELDS.map((field, at) => `floats[f + ${at}] = record.${field.name}${field.kind === 'count' ? '' : ' ?? Number.NaN'};`),
  ].join('\n'),
);

const DIALECT_POSITION = new Map<string, number>(DIALECT_NAMES.map((name, position) => [name, position]));

const headerOf = compileFunction<(record: UsageRecord, hasKey: boolean) => number>(
  'headerOf',
  ['record', 'hasKey'],
  `return DIALECT_POSITION.get(record.dialect) | ${FLAG_FIELDS.map((field) => `(record.${field.name} ? ${FLAG_BITS.get(field.name)} : 0)`).join(' | ') || '0'} | (record.context ? ${FLAG_HAS_CONTEXT} : 0) | (record.context?.truncationOccurred ? ${FLAG_TRUNCATED} : 0) | (hasKey ? ${FLAG_HAS_KEY} : 0);`,
  { DIALECT_POSITION },
);

/** The text fields, in TEXT_FIELDS order, into `target` from `at`. */
const copyTexts = compileFunction<(record: UsageRecord, target: Array<string | null>, at: number) => void>(
  'copyTexts',
  ['record', 'target', 'at'],
  TEXT_FIELDS.map((field, position) => `target[at + ${position}] = record.${field.name};`).join('\n'),
);

const writeContext = compileFunction<(contexts: Float64Array, at: number, context: ContextSnapshot) => void>(
  'writeContext',
  ['contexts', 'at', 'context'],
  [`const c = at * ${CONTEXT_STRIDE};`, ...CONTEXT_NUMBERS.map((field, position) => `contexts[c + ${position}] = context.${field.name};`)].join('\n'),
);

const readContext = compileFunction<(contexts: Float64Array, at: number, truncated: boolean) => ContextSnapshot>(
  'readContext',
  ['contexts', 'at', 'truncated'],
  [
    `const c = at * ${CONTEXT_STRIDE};`,
    `return { ${CONTEXT_FIELDS.map((field) => `${field.name}: ${field.name === 'truncationOccurred' ? 'truncated' : `contexts[c + ${CONTEXT_NUMBERS.indexOf(field as (typeof CONTEXT_NUMBERS)[number])}]`}`).join(', ')} };`,
  ].join('\n'),
);

function readExpression(field: FieldDeclaration): string {
  switch (field.kind) {
    case 'dialect':
      return `DIALECT_NAMES[header & ${DIALECT_MASK}]`;
    case 'text':
      return `texts[at + ${TEXT_FIELDS.indexOf(field)}]`;
    case 'optionalText':
      return `texts[at + ${TEXT_FIELDS.indexOf(field)}] ?? null`;
    case 'count':
      return `floats[f + ${FLOAT_FIELDS.indexOf(field)}]`;
    case 'instant':
    case 'money':
      return `nullIfNaN(floats[f + ${FLOAT_FIELDS.indexOf(field)}])`;
    case 'flag':
      return `(header & ${FLAG_BITS.get(field.name)}) !== 0`;
    case 'context':
      return 'context';
  }
}

const nullIfNaN = (value: number): number | null => (Number.isNaN(value) ? null : value);

/** Reads the record at `row`, its texts from `texts[at…]`. */
const readRow = compileFunction<
  (floats: Float64Array, row: number, header: number, texts: ReadonlyArray<string | null>, at: number, context: ContextSnapshot | null) => UsageRecord
>(
  'readRow',
  ['floats', 'row', 'header', 'texts', 'at', 'context'],
  [`const f = row * ${FLOAT_STRIDE};`, `return { ${FIELDS.map((field) => `${field.name}: ${readExpression(field)}`).join(',\n')} };`].join('\n'),
  { DIALECT_NAMES, nullIfNaN },
);

/**
 * Packs records one at a time, as they are scanned, so that each record
 * object is garbage as soon as it is added. (A worker that gathered a
 * batch's records as objects first kept them alive long enough to be
 * promoted to its old generation, which grew to ~50 MB per worker on flat
 * logs before a full collection cleared it: a fifth of a large run's peak
 * memory.)
 */
const FIRST_ROWS = 64;

export class PackBuilder {
  private floats = new Float64Array(0);
  private ints = new Uint32Array(0);
  private contexts = new Float64Array(0);
  private contextCount = 0;
  private table = new TextTable();
  private readonly scratch = new Array<string | null>(TEXT_COUNT).fill(null);
  count = 0;


  add(record: UsageRecord, line: number, dedupKey?: string): void {
    const row = this.count++;
    if (row * INT_STRIDE === this.ints.length) {
      // Small at first, then doubled: a file of 70 Claude records does not allocate (and send) room for 8,192.
      if (row === 0) {
        this.floats = new Float64Array(FIRST_ROWS * FLOAT_STRIDE);
        this.ints = new Uint32Array(FIRST_ROWS * INT_STRIDE);
      } else {
        this.floats = doubleLength(this.floats);
        this.ints = doubleLength(this.ints);
      }
    }
    writeNumbers(this.floats, row, record);
    const ints = this.ints;
    const i = row * INT_STRIDE;
    ints[i] = headerOf(record, dedupKey !== undefined);
    ints[i + 1] = line;
    ints[i + 2] = dedupKey ? readKeyHalf(dedupKey, 0) : 0;
    ints[i + 3] = dedupKey ? readKeyHalf(dedupKey, 1) : 0;
    const scratch = this.scratch;
    copyTexts(record, scratch, 0);
    for (let field = 0; field < TEXT_COUNT; field++) ints[i + 4 + field] = this.table.intern(scratch[field] ?? null);
    if (record.context) {
      if ((this.contextCount + 1) * CONTEXT_STRIDE > this.contexts.length) {
        this.contexts = this.contexts.length === 0 ? new Float64Array(FIRST_ROWS * CONTEXT_STRIDE) : doubleLength(this.contexts);
      }
      writeContext(this.contexts, this.contextCount++, record.context);
    }
  }

  /** The rows added so far, in arrays of exactly their size; the builder starts again empty. */
  finish(): PackedRecords {
    const count = this.count;
    // Views, not copies: arrays at most twice as long as their rows travel whole rather than be copied
    // (copies of every batch's arrays, freed at once, left the worker's malloc arena fragmented: +30 MiB).
    const exact = <T extends Float64Array | Uint32Array>(array: T, length: number): T => (array.length === length ? array : (array.subarray(0, length) as T));
    const packed: PackedRecords = {
      count,
      floats: exact(this.floats, count * FLOAT_STRIDE),
      ints: exact(this.ints, count * INT_STRIDE),
      contexts: exact(this.contexts, this.contextCount * CONTEXT_STRIDE),
      texts: this.table.texts,
    };
    this.floats = new Float64Array(0);
    this.ints = new Uint32Array(0);
    this.contexts = new Float64Array(0);
    this.contextCount = 0;
    this.table = new TextTable();
    this.count = 0;
    return packed;
  }
}

export function packRecords(entries: ReadonlyArray<{ record: UsageRecord; line: number; dedupKey?: string | undefined }>): PackedRecords {
  const builder = new PackBuilder();
  for (const { record, line, dedupKey } of entries) builder.add(record, line, dedupKey);
  return builder.finish();
}

/** Positions, among the text fields, of those a record always has. */
const REQUIRED_TEXTS = TEXT_FIELDS.flatMap((field, position) => (field.kind === 'text' ? [position] : []));

/** True when every text index of every row names a text the batch holds (a stored section is checked before use). */
export function hasValidTextReferences(packed: PackedRecords): boolean {
  return checkPackedRows(packed) >= 0;
}


/**
 * Checks a stored batch in one pass: every text index names a text the batch
 * holds, every required text is there, and the rows marked as having a
 * context are as many as the contexts stored (one more would be read past
 * them). Returns its keyed-row count, or -1 when it fails.
 */
export function checkPackedRows(packed: PackedRecords): number {
  const { ints } = packed;
  const textCount = packed.texts.length;
  let keyed = 0;
  let contexts = 0;
  for (let row = 0; row < packed.count; row++) {
    const i = row * INT_STRIDE;
    const header = ints[i] as number;
    if (header & FLAG_HAS_KEY) keyed++;
    if (header & FLAG_HAS_CONTEXT) contexts++;
    // One comparison per text: NO_TEXT + 1 wraps to 0, every other index past the table stays past it.
    // (A loop that told the two apart per field was a twentieth of a warm run over flat records.)
    const end = i + INT_STRIDE;
    for (let at = i + 4; at < end; at++) if (((ints[at] as number) + 1) >>> 0 > textCount) return -1;
    // Required texts (model, provider, …) are never null in a record.
    for (const field of REQUIRED_TEXTS) if (ints[i + 4 + field] === NO_TEXT) return -1;
  }
  return contexts * CONTEXT_STRIDE === packed.contexts.length ? keyed : -1;
}

/** How many rows of a batch carry a de-duplication key (stored per index section: a warm run reads only the sections each pass needs). */
export function countKeyedRows(packed: PackedRecords): number {
  let keyed = 0;
  for (let row = 0; row < packed.count; row++) if ((packed.ints[row * INT_STRIDE] as number) & FLAG_HAS_KEY) keyed++;
  return keyed;
}

/**
 * The rows of a batch that go through the de-duplication, with their line
 * and key, for judging later which copies won: the keyed rows, and the rows
 * without a key that `matchUnkeyed` (the archive, when it holds their
 * identity) names a key for, which are also listed as `deferred`.
 */
export interface DeduplicatedRows {
  rows: number[];
  lines: number[];
  keys: string[];
  deferred: number[];
}

export function listDeduplicatedRows(packed: PackedRecords, matchUnkeyed?: (record: UsageRecord) => string | undefined): DeduplicatedRows {
  const list: DeduplicatedRows = { rows: [], lines: [], keys: [], deferred: [] };
  const { ints } = packed;
  for (let row = 0; row < packed.count; row++) {
    const i = row * INT_STRIDE;
    let key: string | undefined;
    if ((ints[i] as number) & FLAG_HAS_KEY) {
      key = joinKeyHalves(ints[i + 2] as number, ints[i + 3] as number);
    } else if (matchUnkeyed !== undefined) {
      key = matchUnkeyed(readPackedRow(packed, row));
      if (key !== undefined) list.deferred.push(row);
    }
    if (key === undefined) continue;
    list.rows.push(row);
    list.lines.push(ints[i + 1] as number);
    list.keys.push(key);
  }
  return list;
}

/**
 * Hands on the rows of a batch as records, in row order, without any
 * de-duplication. `deduplicated` false: the rows a full run hands on as it
 * reads them (no key, not `deferred`); true: the others (a key, or
 * `deferred`: an archived identity), except those in `shadowed`. Both lists
 * ascending. The warm run's path: the index resolved the de-duplication
 * when it was written, so no key is hashed.
 */
export function unpackResolvedRows(
  packed: PackedRecords,
  deduplicated: boolean,
  deferred: readonly number[],
  shadowed: readonly number[],
  onRecord: (record: UsageRecord) => void,
): void {
  const { floats, ints, contexts } = packed;
  const scratch = new Array<string | null>(TEXT_COUNT).fill(null);
  let contextRow = 0;
  let nextDeferred = 0;
  let nextShadowed = 0;
  for (let row = 0; row < packed.count; row++) {
    const header = ints[row * INT_STRIDE] as number;
    const hasContext = (header & FLAG_HAS_CONTEXT) !== 0;
    while (nextDeferred < deferred.length && (deferred[nextDeferred] as number) < row) nextDeferred++;
    const rowDeduplicated = (header & FLAG_HAS_KEY) !== 0 || deferred[nextDeferred] === row;
    if (rowDeduplicated !== deduplicated) {
      if (hasContext) contextRow++;
      continue;
    }
    if (deduplicated) {
      while (nextShadowed < shadowed.length && (shadowed[nextShadowed] as number) < row) nextShadowed++;
      if (shadowed[nextShadowed] === row) {
        if (hasContext) contextRow++;
        continue;
      }
    }
    readTexts(packed, row, scratch);
    const context = hasContext ? readContext(contexts, contextRow++, (header & FLAG_TRUNCATED) !== 0) : null;
    onRecord(readRow(floats, row, header, scratch, 0, context));
  }
}

/**
 * Calls `onRow` for each keyed row of a batch (its integer part, `ints`)
 * that is not in `shadowed` (ascending) and, with `highs`, whose key's high
 * half is in it: a run that extends the index's resolved de-duplication
 * looks for the few new keys among the old winners without building a key
 * for every row, or reading more than the rows' integers.
 */
export function findLiveKeyedRows(
  ints: Uint32Array,
  shadowed: readonly number[],
  highs: ReadonlySet<number> | undefined,
  onRow: (row: number, dedupKey: string, line: number) => void,
): void {
  const count = ints.length / INT_STRIDE;
  let nextShadowed = 0;
  for (let row = 0; row < count; row++) {
    const i = row * INT_STRIDE;
    if (((ints[i] as number) & FLAG_HAS_KEY) === 0) continue;
    const high = ints[i + 2] as number;
    if (highs !== undefined && !highs.has(high)) continue;
    while (nextShadowed < shadowed.length && (shadowed[nextShadowed] as number) < row) nextShadowed++;
    if (shadowed[nextShadowed] === row) continue;
    onRow(row, joinKeyHalves(high, ints[i + 3] as number), ints[i + 1] as number);
  }
}

/** The high half of a hashed key, as findLiveKeyedRows compares it. */
export function keyHighHalf(dedupKey: string): number {
  return readKeyHalf(dedupKey, 0);
}

/** The low half of a hashed key. */
export function keyLowHalf(dedupKey: string): number {
  return readKeyHalf(dedupKey, 1);
}

/** Row `row`'s total tokens (what the de-duplication compares). */
export function readTotalTokens(packed: PackedRecords, row: number): number {
  return packed.floats[row * FLOAT_STRIDE + TOTAL_TOKENS_AT] as number;
}

/** A keyed row left packed: the de-duplication keeps a reference and reads the row only if it wins. */
export interface PackedKeyedRow {
  packed: PackedRecords;
  row: number;
  order: number;
  dedupKey: string;
  totalTokens: number;
}

/** Resolves row `row`'s text indices into `target` (TEXT_FIELDS order). */
function readTexts(packed: PackedRecords, row: number, target: Array<string | null>): void {
  const { ints, texts } = packed;
  const i = row * INT_STRIDE + 4;
  for (let field = 0; field < TEXT_COUNT; field++) {
    const text = ints[i + field] as number;
    target[field] = text === NO_TEXT ? null : (texts[text] ?? null);
  }
}

/**
 * For each row of a batch, the index of its context snapshot among the
 * batch's contexts (-1 without one). Contexts are stored densely, so a row's
 * snapshot can only be found by counting; counted once per batch, not once
 * per row read.
 */
const contextRowsOf = new WeakMap<PackedRecords, Int32Array>();

function findContextRow(packed: PackedRecords, row: number): number {
  let rows = contextRowsOf.get(packed);
  if (rows === undefined) {
    rows = new Int32Array(packed.count);
    let next = 0;
    for (let each = 0; each < packed.count; each++) rows[each] = (packed.ints[each * INT_STRIDE] as number) & FLAG_HAS_CONTEXT ? next++ : -1;
    contextRowsOf.set(packed, rows);
  }
  return rows[row] as number;
}

/** The record at `row` of a packed batch, read on its own (a kept copy of the de-duplication). */
export function readPackedRow(packed: PackedRecords, row: number): UsageRecord {
  const header = packed.ints[row * INT_STRIDE] as number;
  const context = header & FLAG_HAS_CONTEXT ? readContext(packed.contexts, findContextRow(packed, row), (header & FLAG_TRUNCATED) !== 0) : null;
  const scratch = new Array<string | null>(TEXT_COUNT);
  readTexts(packed, row, scratch);
  return readRow(packed.floats, row, header, scratch, 0, context);
}

/**
 * Calls `onRecord` for each packed record, with its order in the input of
 * this run. With `onKeyed`, rows with a de-duplication key are not turned
 * into records here but handed on packed: most are held until the input ends
 * and only the winners are ever read.
 */
export function unpackRecords(
  packed: PackedRecords,
  fileIndex: number,
  onRecord: (entry: OrderedRecord) => void,
  onKeyed?: (entry: PackedKeyedRow) => void,
): void {
  const { floats, ints, contexts } = packed;
  const scratch = new Array<string | null>(TEXT_COUNT).fill(null);
  let contextRow = 0;
  for (let row = 0; row < packed.count; row++) {
    const i = row * INT_STRIDE;
    const header = ints[i] as number;
    const order = orderOf(fileIndex, ints[i + 1] as number);
    if (onKeyed !== undefined && header & FLAG_HAS_KEY) {
      if (header & FLAG_HAS_CONTEXT) contextRow++;
      const dedupKey = joinKeyHalves(ints[i + 2] as number, ints[i + 3] as number);
      onKeyed({ packed, row, order, dedupKey, totalTokens: floats[row * FLOAT_STRIDE + TOTAL_TOKENS_AT] as number });
      continue;
    }
    readTexts(packed, row, scratch);
    const context = header & FLAG_HAS_CONTEXT ? readContext(contexts, contextRow++, (header & FLAG_TRUNCATED) !== 0) : null;
    const record = readRow(floats, row, header, scratch, 0, context);
    if (header & FLAG_HAS_KEY) {
      onRecord({ record, order, dedupKey: joinKeyHalves(ints[i + 2] as number, ints[i + 3] as number) });
    } else {
      onRecord({ record, order });
    }
  }
}

// The kept records' layout (KeptRecords): counts narrowed to 32 bits, the
// other numbers (instants, money) as doubles, and the texts a record shares
// with others (model, session, project…) with its header as one interned
// tuple; a request id, different in every record, is held on its own.
const WIDE_POSITIONS = FLOAT_FIELDS.flatMap((field, position) => (field.kind === 'count' ? [] : [position]));
const COUNT_POSITIONS = FLOAT_FIELDS.flatMap((field, position) => (field.kind === 'count' ? [position] : []));
const OWN_TEXT_POSITIONS = TEXT_FIELDS.flatMap((field, position) => (field.name === 'requestId' ? [position] : []));
const SHARED_TEXT_POSITIONS = TEXT_FIELDS.flatMap((field, position) => (field.name === 'requestId' ? [] : [position]));
const WIDE_COUNT = WIDE_POSITIONS.length;
const COUNT_COUNT = COUNT_POSITIONS.length;
const OWN_COUNT = OWN_TEXT_POSITIONS.length;
const TUPLE_STRIDE = 1 + SHARED_TEXT_POSITIONS.length;

/**
 * Records held compactly by slot (the de-duplication's kept copies), written
 * and rewritten from records parsed on this thread or copied from rows of
 * packed batches, so that the batches themselves can go as soon as they are
 * offered. About 80 bytes a Claude record (plus its request id), where the
 * batches held ~270 bytes for every row, kept or not, until the input ended:
 * most of a large run's peak memory.
 *
 * Counts that do not fit 32 bits (or are -0) keep their whole number row
 * aside, so every value reads back exactly as written.
 */
export class KeptRecords {
  private wide = new Float64Array(1024 * WIDE_COUNT);
  private counts = new Uint32Array(1024 * COUNT_COUNT);
  private tupleOf = new Uint32Array(1024);
  /** Context row + 1 per slot (0: none yet); a rewritten slot reuses its row. */
  private contextAt = new Int32Array(1024);
  private contexts = new Float64Array(64 * CONTEXT_STRIDE);
  private contextCount = 0;
  private readonly own: Array<string | null> = [];
  private readonly wideRows = new Map<number, Float64Array>();
  // Shared texts and tuples (header + shared text indices), interned.
  private readonly textTable = new TextTable();
  private tuples = new Uint32Array(256 * TUPLE_STRIDE);
  private tupleCount = 0;
  private tupleBuckets = new Int32Array(512);
  // Per batch copied from: its text indices as this store's (-1: not yet looked up).
  private translatedTexts: readonly string[] | undefined;
  private translation = new Int32Array(0);
  // Scratch for one record on its way in or out.
  private readonly floatRow = new Float64Array(FLOAT_STRIDE);
  private readonly tuple = new Uint32Array(TUPLE_STRIDE);
  private readonly ownRow = new Array<string | null>(OWN_COUNT).fill(null);
  private readonly textRow = new Array<string | null>(TEXT_COUNT).fill(null);
  private readonly contextRow = new Float64Array(CONTEXT_STRIDE);
  private hasContext = false;

  /** Slot `slot` (one past the last, or one already written) holds `record`. */
  writeRecord(slot: number, record: UsageRecord): void {
    writeNumbers(this.floatRow, 0, record);
    this.tuple[0] = headerOf(record, false);
    copyTexts(record, this.textRow, 0);
    for (let at = 0; at < SHARED_TEXT_POSITIONS.length; at++) {
      this.tuple[at + 1] = this.textTable.intern(this.textRow[SHARED_TEXT_POSITIONS[at] as number] ?? null);
    }
    for (let at = 0; at < OWN_COUNT; at++) this.ownRow[at] = this.textRow[OWN_TEXT_POSITIONS[at] as number] ?? null;
    this.hasContext = record.context !== null;
    if (record.context) writeContext(this.contextRow, 0, record.context);
    this.commit(slot);
  }

  /** Slot `slot` holds a copy of row `row` of a packed batch. */
  copyRow(slot: number, packed: PackedRecords, row: number): void {
    const { floats, ints, texts } = packed;
    const f = row * FLOAT_STRIDE;
    for (let at = 0; at < FLOAT_STRIDE; at++) this.floatRow[at] = floats[f + at] as number;
    const i = row * INT_STRIDE;
    const header = (ints[i] as number) & ~FLAG_HAS_KEY;
    this.tuple[0] = header;
    if (this.translatedTexts !== texts) {
      this.translatedTexts = texts;
      this.translation = new Int32Array(texts.length).fill(-1);
    }
    for (let at = 0; at < SHARED_TEXT_POSITIONS.length; at++) {
      const text = ints[i + 4 + (SHARED_TEXT_POSITIONS[at] as number)] as number;
      if (text === NO_TEXT) {
        this.tuple[at + 1] = NO_TEXT;
        continue;
      }
      let index = this.translation[text] as number;
      if (index < 0) {
        index = this.textTable.intern(texts[text] as string);
        this.translation[text] = index;
      }
      this.tuple[at + 1] = index;
    }
    for (let at = 0; at < OWN_COUNT; at++) {
      const text = ints[i + 4 + (OWN_TEXT_POSITIONS[at] as number)] as number;
      this.ownRow[at] = text === NO_TEXT ? null : (texts[text] ?? null);
    }
    this.hasContext = (header & FLAG_HAS_CONTEXT) !== 0;
    if (this.hasContext) {
      const c = findContextRow(packed, row) * CONTEXT_STRIDE;
      for (let at = 0; at < CONTEXT_STRIDE; at++) this.contextRow[at] = packed.contexts[c + at] as number;
    }
    this.commit(slot);
  }

  read(slot: number): UsageRecord {
    const floatRow = this.floatRow;
    const wideRow = this.wideRows.size > 0 ? this.wideRows.get(slot) : undefined;
    if (wideRow !== undefined) {
      floatRow.set(wideRow);
    } else {
      for (let at = 0; at < WIDE_COUNT; at++) floatRow[WIDE_POSITIONS[at] as number] = this.wide[slot * WIDE_COUNT + at] as number;
      for (let at = 0; at < COUNT_COUNT; at++) floatRow[COUNT_POSITIONS[at] as number] = this.counts[slot * COUNT_COUNT + at] as number;
    }
    const t = (this.tupleOf[slot] as number) * TUPLE_STRIDE;
    const header = this.tuples[t] as number;
    const textRow = this.textRow;
    for (let at = 0; at < SHARED_TEXT_POSITIONS.length; at++) {
      const text = this.tuples[t + 1 + at] as number;
      textRow[SHARED_TEXT_POSITIONS[at] as number] = text === NO_TEXT ? null : (this.textTable.texts[text] as string);
    }
    for (let at = 0; at < OWN_COUNT; at++) textRow[OWN_TEXT_POSITIONS[at] as number] = this.own[slot * OWN_COUNT + at] ?? null;
    const context = header & FLAG_HAS_CONTEXT ? readContext(this.contexts, (this.contextAt[slot] as number) - 1, (header & FLAG_TRUNCATED) !== 0) : null;
    return readRow(floatRow, 0, header, textRow, 0, context);
  }

  /** Writes the scratch record into `slot`. */
  private commit(slot: number): void {
    if (slot >= this.tupleOf.length) this.growSlots(slot + 1);
    const floatRow = this.floatRow;
    let narrow = true;
    for (let at = 0; at < COUNT_COUNT; at++) {
      const value = floatRow[COUNT_POSITIONS[at] as number] as number;
      if (value >>> 0 !== value || (value === 0 && 1 / value < 0)) {
        narrow = false;
        break;
      }
      this.counts[slot * COUNT_COUNT + at] = value;
    }
    if (narrow) {
      if (this.wideRows.size > 0) this.wideRows.delete(slot);
      for (let at = 0; at < WIDE_COUNT; at++) this.wide[slot * WIDE_COUNT + at] = floatRow[WIDE_POSITIONS[at] as number] as number;
    } else {
      this.wideRows.set(slot, floatRow.slice());
    }
    this.tupleOf[slot] = this.internTuple();
    for (let at = 0; at < OWN_COUNT; at++) this.own[slot * OWN_COUNT + at] = this.ownRow[at] as string | null;
    if (this.hasContext) {
      let at = (this.contextAt[slot] as number) - 1;
      if (at < 0) {
        at = this.contextCount++;
        if (this.contextCount * CONTEXT_STRIDE > this.contexts.length) this.contexts = doubleLength(this.contexts);
        this.contextAt[slot] = at + 1;
      }
      this.contexts.set(this.contextRow, at * CONTEXT_STRIDE);
    }
  }

  private growSlots(needed: number): void {
    while (this.tupleOf.length < needed) {
      this.wide = doubleLength(this.wide);
      this.counts = doubleLength(this.counts);
      this.tupleOf = doubleLength(this.tupleOf);
      this.contextAt = doubleLength(this.contextAt);
    }
  }


  /** The scratch tuple's number among the interned ones (open addressing, at most half full). */
  private internTuple(): number {
    const tuple = this.tuple;
    let hash = 0x811c9dc5;
    for (let at = 0; at < TUPLE_STRIDE; at++) hash = Math.imul(hash ^ (tuple[at] as number), 0x01000193);
    let mask = this.tupleBuckets.length - 1;
    let bucket = (hash ^ (hash >>> 15)) & mask;
    for (; ; bucket = (bucket + 1) & mask) {
      const held = this.tupleBuckets[bucket] as number;
      if (held === 0) break;
      const t = (held - 1) * TUPLE_STRIDE;
      let same = true;
      for (let at = 0; at < TUPLE_STRIDE; at++) {
        if (this.tuples[t + at] !== tuple[at]) {
          same = false;
          break;
        }
      }
      if (same) return held - 1;
    }
    const number = this.tupleCount++;
    if (this.tupleCount * TUPLE_STRIDE > this.tuples.length) this.tuples = doubleLength(this.tuples);
    this.tuples.set(tuple, number * TUPLE_STRIDE);
    if (this.tupleCount * 2 > this.tupleBuckets.length) {
      // Twice the buckets, every tuple placed again (the new one included).
      this.tupleBuckets = new Int32Array(this.tupleBuckets.length * 2);
      mask = this.tupleBuckets.length - 1;
      for (let each = 0; each < this.tupleCount; each++) {
        let h = 0x811c9dc5;
        for (let at = 0; at < TUPLE_STRIDE; at++) h = Math.imul(h ^ (this.tuples[each * TUPLE_STRIDE + at] as number), 0x01000193);
        let b = (h ^ (h >>> 15)) & mask;
        while (this.tupleBuckets[b] !== 0) b = (b + 1) & mask;
        this.tupleBuckets[b] = each + 1;
      }
    } else {
      this.tupleBuckets[bucket] = number + 1;
    }
    return number;
  }
}

type GrowableArray = Float64Array | Uint32Array | Int32Array;

/** A typed array twice as long, holding the same values at the front. */
export function doubleLength<T extends GrowableArray>(array: T): T {
  const longer = new (array.constructor as new (length: number) => T)(array.length * 2);
  longer.set(array);
  return longer;
}
