/**
 * Whatever `usage export` writes, the export dialect reads back as the same
 * record with the same identity: through NDJSON, and through Parquet.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONTEXT_FIELDS } from '../src/core/fields.js';
import { type ContextSnapshot, createRecord, type UsageRecord } from '../src/core/record.js';
import { readExportRow } from '../src/dialects/export.js';
import { DIALECT_NAMES } from '../src/dialects/registry.js';
import { toJsonRow } from '../src/export/columns.js';
import { createExporter } from '../src/export/export.js';
import { computeRecordId } from '../src/export/identity.js';
import { readParquetOutcomes } from '../src/export/read-parquet.js';
import { priceByHandIn } from './helpers/two-machines.js';

const count = fc.integer({ min: 0, max: 2 ** 40 });
const text = fc.option(fc.string({ maxLength: 12 }), { nil: null });

const contextArbitrary = fc.record(
  Object.fromEntries(CONTEXT_FIELDS.map((field) => [field.name, field.name === 'truncationOccurred' ? fc.boolean() : count])),
) as fc.Arbitrary<ContextSnapshot>;

/** Records as dialects build them: through createRecord, with any identity and counts. */
const recordArbitrary: fc.Arbitrary<UsageRecord> = fc
  .record({
    dialect: fc.constantFrom(...DIALECT_NAMES.filter((name) => name !== 'export')),
    agent: fc.string({ minLength: 1, maxLength: 10 }),
    timestamp: fc.option(fc.integer({ min: 0, max: 4e12 }), { nil: null }),
    model: fc.string({ maxLength: 20 }),
    provider: text,
    upstreamModel: text,
    session: text,
    project: text,
    projectPath: text,
    requestId: text,
    machine: text,
    serviceTier: text,
    calls: fc.integer({ min: 0, max: 1000 }),
    cacheReported: fc.boolean(),
    recordedCostUsd: fc.option(fc.double({ min: 0, max: 50, noNaN: true }), { nil: null }),
    context: fc.option(contextArbitrary, { nil: null }),
    inputTokens: count,
    outputTokens: count,
    reasoningTokens: count,
    cacheReadTokens: count,
    cacheWrite5mTokens: count,
    cacheWrite1hTokens: count,
    extraCacheWrite: count,
    unattributedTokens: count,
    webSearchRequests: count,
  })
  .map((value) =>
    createRecord(value, {
      ...value,
      cacheWriteTokens: value.cacheWrite5mTokens + value.cacheWrite1hTokens + value.extraCacheWrite,
    }),
  );

function readBack(row: Record<string, unknown>): UsageRecord {
  const outcome = readExportRow(row);
  if (outcome.kind !== 'record') throw new Error(`not read back: ${JSON.stringify(outcome)}`);
  return outcome.record;
}

describe('export round trip', () => {
  it('NDJSON: the same record and identity', () => {
    const price = priceByHandIn('calculate');
    fc.assert(
      fc.property(recordArbitrary, (record) => {
        const id = computeRecordId(record);
        const row = JSON.parse(JSON.stringify(toJsonRow({ record: price(record), id })));
        const back = readBack(row);
        expect(back).toEqual(record);
        expect(computeRecordId(back)).toBe(id);
      }),
      { numRuns: 300 },
    );
  });

  it('Parquet: the same records, in order', async () => {
    const price = priceByHandIn('calculate');
    await fc.assert(
      fc.asyncProperty(fc.array(recordArbitrary, { minLength: 1, maxLength: 30 }), async (records) => {
        const out = mkdtempSync(join(tmpdir(), 'usage-roundtrip-'));
        // One machine and no time: every record in one file, in input order.
        const exporter = createExporter({ format: 'parquet', out, machine: 'm', runId: 'r' });
        const written: UsageRecord[] = [];
        const seen = new Set<string>();
        for (const record of records) {
          const stamped = { ...record, machine: 'm', timestamp: null };
          exporter.add(price(stamped));
          const id = computeRecordId(stamped);
          if (!seen.has(id)) written.push(stamped);
          seen.add(id);
        }
        exporter.finish();
        const [file] = readdirSync(out, { recursive: true }).filter((name) => String(name).endsWith('.parquet'));
        const back: UsageRecord[] = [];
        for await (const outcome of readParquetOutcomes(join(out, String(file)))) {
          if (outcome.kind !== 'record') throw new Error(JSON.stringify(outcome));
          back.push(outcome.record);
        }
        expect(back).toEqual(written);
      }),
      { numRuns: 15 },
    );
  });
});
