/**
 * The packed form of records (src/ingest/pack.ts) carries records between
 * threads, into the index and through de-duplication: whatever goes in must
 * come out equal, field by field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRecord, DIALECT_NAMES, type UsageRecord } from '../src/core/record.js';
import { Deduplicator } from '../src/ingest/ingest.js';
import { hashKey, packRecords, parseKeySecret, RecordStore, readPackedRow, unpackRecords } from '../src/ingest/pack.js';

const text = fc.option(fc.string({ maxLength: 12 }), { nil: null });
const count = fc.integer({ min: 0, max: 2 ** 40 });

const recordArbitrary: fc.Arbitrary<UsageRecord> = fc
  .record({
    dialect: fc.constantFrom(...DIALECT_NAMES),
    timestamp: fc.option(fc.integer({ min: 0, max: 4e12 }), { nil: null }),
    model: fc.string({ minLength: 1, maxLength: 20 }),
    provider: text,
    session: text,
    project: text,
    requestId: text,
    source: text,
    calls: fc.integer({ min: 1, max: 50 }),
    cacheReported: fc.boolean(),
    recordedCostUsd: fc.option(fc.double({ min: -5, max: 50, noNaN: true }), { nil: null }),
    input: count,
    output: count,
    reasoning: count,
    cacheRead: count,
    write5m: count,
    write1h: count,
    context: fc.option(
      fc.record({
        systemTokens: count,
        summaryTokens: count,
        windowTokens: count,
        promptTokens: count,
        maxContextTokens: count,
        budgetLimit: count,
        cachedToolOutputs: count,
        cachedToolTokensSaved: count,
        truncationOccurred: fc.boolean(),
        segmentsRemoved: count,
        messageCount: count,
      }),
      { nil: null },
    ),
  })
  .map((fields) =>
    createRecord(
      {
        dialect: fields.dialect,
        timestamp: fields.timestamp,
        model: fields.model,
        provider: fields.provider,
        session: fields.session,
        project: fields.project,
        requestId: fields.requestId,
        source: fields.source,
        calls: fields.calls,
        cacheReported: fields.cacheReported,
        recordedCostUsd: fields.recordedCostUsd,
        context: fields.context,
      },
      {
        inputTokens: fields.input,
        outputTokens: fields.output,
        reasoningTokens: fields.reasoning,
        cacheReadTokens: fields.cacheRead,
        cacheWrite5mTokens: fields.write5m,
        cacheWrite1hTokens: fields.write1h,
      },
    ),
  );

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

describe('RecordStore', () => {
  it('reads back what was appended or rewritten, past its first growth', () => {
    fc.assert(
      fc.property(fc.array(recordArbitrary, { minLength: 1, maxLength: 40 }), fc.array(recordArbitrary, { maxLength: 10 }), (records, rewrites) => {
        const store = new RecordStore();
        const expected = [...records];
        // Padding past the initial capacity of 1024 rows exercises growth.
        const padding = records[0] as UsageRecord;
        for (let index = 0; index < 1100; index++) expected.push(padding);
        for (const record of expected) store.append(record);
        rewrites.forEach((record, index) => {
          const slot = (index * 7) % expected.length;
          store.write(slot, record);
          expected[slot] = record;
        });
        expect(store.size).toBe(expected.length);
        for (const [slot, record] of expected.entries()) {
          expect(store.read(slot)).toEqual(record);
        }
      }),
      { numRuns: 30 },
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
