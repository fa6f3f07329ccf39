/**
 * The packed form of records (src/ingest/pack.ts) carries records between
 * threads, into the index and through de-duplication: whatever goes in must
 * come out equal, field by field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTEXT_FIELDS, type FieldDeclaration, RECORD_FIELDS } from '../src/core/fields.js';
import { type ContextSnapshot, createRecord, type UsageRecord } from '../src/core/record.js';
import { DIALECT_NAMES } from '../src/dialects/registry.js';
import { Deduplicator } from '../src/ingest/ingest.js';
import { KeyTable } from '../src/ingest/key-table.js';
import { checkPackedRows, hashKey, KeptRecords, PackBuilder, packRecords, parseKeySecret, readPackedRow, unpackRecords } from '../src/ingest/pack.js';

const count = fc.integer({ min: 0, max: 2 ** 40 });

const contextArbitrary: fc.Arbitrary<ContextSnapshot> = fc.record(
  Object.fromEntries(CONTEXT_FIELDS.map((field) => [field.name, field.name === 'truncationOccurred' ? fc.boolean() : count])),
) as fc.Arbitrary<ContextSnapshot>;

/** A value for every declared field, by its kind: swapping two fields in the packed layout cannot pass. */
function arbitraryFor(field: FieldDeclaration): fc.Arbitrary<unknown> {
  switch (field.kind) {
    case 'dialect':
      return fc.constantFrom(...DIALECT_NAMES);
    case 'text':
      return fc.string({ minLength: 1, maxLength: 20 });
    case 'optionalText':
      return fc.option(fc.string({ maxLength: 12 }), { nil: null });
    case 'instant':
      return fc.option(fc.integer({ min: 0, max: 4e12 }), { nil: null });
    case 'count':
      return count;
    case 'money':
      return fc.option(fc.double({ min: -5, max: 50, noNaN: true }), { nil: null });
    case 'flag':
      return fc.boolean();
    case 'context':
      return fc.option(contextArbitrary, { nil: null });
  }
}

const recordArbitrary = fc.record(
  Object.fromEntries((RECORD_FIELDS as readonly FieldDeclaration[]).map((field) => [field.name, arbitraryFor(field)])),
) as unknown as fc.Arbitrary<UsageRecord>;

const SECRET = parseKeySecret('0123456789abcdef');

describe('packRecords / unpackRecords', () => {
  it('gives back every record, its line and its key', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(recordArbitrary, fc.option(fc.string(), { nil: undefined })), { maxLength: 20 }), (rows) => {
        const entries = rows.map(([record, key], line) => ({ record, line: line + 1, dedupKey: key === undefined ? undefined : hashKey(key, SECRET) }));
        const out: Array<{ record: UsageRecord; order: number; dedupKey?: string | undefined }> = [];
        unpackRecords(packRecords(entries), 3, (entry) => out.push(entry));
        expect(out.map((entry) => entry.record)).toEqual(entries.map((entry) => entry.record));
        expect(out.map((entry) => entry.dedupKey)).toEqual(entries.map((entry) => entry.dedupKey));
        expect(out.map((entry) => entry.order)).toEqual(entries.map((entry) => 3 * 2 ** 32 + entry.line));
        // Each row read on its own, as the de-duplication reads a kept packed copy.
        const packed = packRecords(entries);
        for (const [row, entry] of entries.entries()) expect(readPackedRow(packed, row)).toEqual(entry.record);
        // Keyed rows handed on packed, the rest as records: together, every row once.
        const seen: number[] = [];
        unpackRecords(packed, 0, (entry) => seen.push(entry.order), (keyed) => seen.push(keyed.order));
        expect(seen).toEqual(entries.map((entry) => entry.line));
      }),
    );
  });
});

describe('PackBuilder', () => {
  it('packs rows added one at a time as packRecords packs them all at once, past its first growths, batch after batch', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.array(fc.tuple(recordArbitrary, fc.option(fc.string(), { nil: undefined })), { minLength: 1, maxLength: 15 }), fc.integer({ min: 0, max: 200 })),
          { maxLength: 3 },
        ),
        (batches) => {
          const builder = new PackBuilder();
          for (const [distinct, repeat] of batches) {
            // Repeated rows take a batch past the builder's first 64 rows, and 128.
            const rows = [...distinct, ...Array.from({ length: repeat }, (_, at) => distinct[at % distinct.length] as (typeof distinct)[number])];
            const entries = rows.map(([record, key], line) => ({ record, line: line + 1, dedupKey: key === undefined ? undefined : hashKey(key, SECRET) }));
            for (const { record, line, dedupKey } of entries) builder.add(record, line, dedupKey);
            const built = builder.finish();
            expect(builder.count).toBe(0);
            const whole = packRecords(entries);
            // Same rows, same texts, and arrays exactly as long as the rows (a stored section is checked by its lengths).
            expect(built.count).toBe(entries.length);
            expect([...built.floats]).toEqual([...whole.floats]);
            expect([...built.ints]).toEqual([...whole.ints]);
            expect([...built.contexts]).toEqual([...whole.contexts]);
            expect(built.texts).toEqual(whole.texts);
            expect(checkPackedRows(built)).toBe(entries.filter((entry) => entry.dedupKey !== undefined).length);
            for (const [row, entry] of entries.entries()) expect(readPackedRow(built, row)).toEqual(entry.record);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('KeptRecords', () => {
  it('reads back what was written or copied from a packed row, rewritten or not, past its first growth', () => {
    // Counts past 2^32 and -0 (kept aside whole) and contexts come from recordArbitrary; a record written over
    // one with a context, or without one over one with, must read back as written.
    const oddCounts = [0, -0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 0.5];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(recordArbitrary, fc.boolean()), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(recordArbitrary, fc.boolean(), fc.nat()), { maxLength: 12 }),
        (writes, rewrites) => {
          const kept = new KeptRecords();
          const expected: UsageRecord[] = [];
          const put = (slot: number, record: UsageRecord, asPacked: boolean): void => {
            if (asPacked) {
              // A row in the middle of a batch, with a key, after a row with a context: its own context row is found.
              const other = { ...record, context: null, model: 'other' };
              const packed = packRecords([{ record: other, line: 1 }, { record, line: 2, dedupKey: hashKey('k', SECRET) }]);
              kept.copyRow(slot, packed, 1);
            } else {
              kept.writeRecord(slot, record);
            }
            expected[slot] = record;
          };
          for (const [slot, [record, asPacked]] of writes.entries()) put(slot, record, asPacked);
          const padding = writes[0]?.[0] as UsageRecord;
          // Every other count small, so that the odd one alone decides how the row is held.
          const small = createRecord({ dialect: 'claude', timestamp: 5, model: 'm', cacheReported: true, context: null }, { inputTokens: 1, outputTokens: 2 });
          for (const odd of oddCounts) for (const asPacked of [false, true]) put(expected.length, { ...small, outputTokens: odd }, asPacked);
          // Padding past the initial capacity of 1024 slots exercises growth.
          for (let slot = expected.length; slot < 1100; slot++) put(slot, { ...padding, requestId: `r${slot}` }, slot % 2 === 0);
          for (const [record, asPacked, at] of rewrites) put(at % expected.length, record, asPacked);
          for (const [slot, record] of expected.entries()) {
            const read = kept.read(slot);
            expect(read).toEqual(record);
            expect(Object.is(read.outputTokens, record.outputTokens)).toBe(true);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('KeyTable', () => {
  it('numbers each distinct key once, in the order first seen, as a Map would, past several growths', () => {
    fc.assert(
      fc.property(
        // Few distinct halves, so that equal low halves with other high ones (and the reverse) are common.
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), { maxLength: 300 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 3000 }),
        (close, spread) => {
          const table = new KeyTable();
          const model = new Map<string, number>();
          for (const [high, low] of [...close, ...spread.map(([a, b]) => [a >>> 0, b >>> 0] as const)]) {
            const name = `${high}:${low}`;
            const known = model.get(name);
            expect(table.find(high, low)).toBe(known ?? -1);
            const slot = table.findOrAdd(high, low);
            expect(table.added).toBe(known === undefined);
            if (known === undefined) model.set(name, model.size);
            expect(slot).toBe(model.get(name));
          }
          expect(table.size).toBe(model.size);
          for (const [name, slot] of model) {
            const [high, low] = name.split(':').map(Number) as [number, number];
            expect(table.find(high, low)).toBe(slot);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('Deduplicator', () => {
  it('keeps the largest copy (earliest on ties) whether copies arrive as records or packed rows', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 5 }), output: fc.integer({ min: 0, max: 4 }), packed: fc.boolean() }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 40 }),
        (offers, seed) => {
          const deduplicator = new Deduplicator();
          // Orders are distinct but not in arrival order, as from workers.
          const orders = offers.map((_, index) => ((index * 7919 + seed) % 1009) + index * 1009);
          offers.forEach((offer, index) => {
            const record = createRecord(
              { dialect: 'claude', timestamp: 1_000 + index, model: `m${index}`, cacheReported: true, context: null },
              { inputTokens: 1, outputTokens: offer.output },
            );
            const dedupKey = hashKey(`k${offer.key}`, SECRET);
            const order = orders[index] as number;
            if (offer.packed) {
              const packed = packRecords([{ record, line: 1, dedupKey }]);
              deduplicator.offerPacked({ packed, row: 0, order, dedupKey, totalTokens: record.totalTokens });
            } else {
              deduplicator.offer({ record, order, dedupKey });
            }
          });
          // The expected winner per key, by hand: largest total, then smallest order.
          const winners = new Map<number, number>();
          offers.forEach((offer, index) => {
            const best = winners.get(offer.key);
            const better =
              best === undefined ||
              offer.output > (offers[best] as { output: number }).output ||
              (offer.output === (offers[best] as { output: number }).output && (orders[index] as number) < (orders[best] as number));
            if (better) winners.set(offer.key, index);
          });
          const expected = [...winners.values()].sort((a, b) => (orders[a] as number) - (orders[b] as number)).map((index) => `m${index}`);
          const drained: string[] = [];
          deduplicator.drain((record) => drained.push(record.model));
          expect(drained).toEqual(expected);
          expect(deduplicator.duplicates).toBe(offers.length - winners.size);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('checking a stored batch', () => {
  it('counts its keyed rows, and fails a row whose text points past the table or leaves a required text out', () => {
    const record = createRecord({ dialect: 'claude', timestamp: 0, model: 'm', cacheReported: true }, { inputTokens: 1, outputTokens: 2 });
    const packed = packRecords([{ record, line: 1, dedupKey: hashKey('k', parseKeySecret('0123456789abcdef')) }, { record, line: 2 }]);
    expect(checkPackedRows(packed)).toBe(1);
    const stride = packed.ints.length / packed.count;
    // Text fields in declaration order: agent, model, provider, upstreamModel, …; row 2's start at stride + 4.
    const withText = (field: number, text: number) => {
      const ints = packed.ints.slice();
      ints[stride + 4 + field] = text;
      return checkPackedRows({ ...packed, ints });
    };
    expect(withText(0, packed.texts.length)).toBe(-1);
    expect(withText(3, packed.texts.length + 1000)).toBe(-1);
    expect(withText(1, 0xffffffff)).toBe(-1);
    // An optional text (the upstream model) may be absent; any text in the table may stand anywhere.
    expect(withText(3, 0xffffffff)).toBe(1);
    expect(withText(3, packed.texts.length - 1)).toBe(1);
  });
});
