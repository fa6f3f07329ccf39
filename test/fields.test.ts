/**
 * The canonical record's field declaration (src/core/fields.ts) is the one
 * list every record builder follows.
 */
import { describe, expect, it } from 'vitest';
import { CONTEXT_FIELDS, RECORD_FIELDS } from '../src/core/fields.js';
import { createRecord } from '../src/core/record.js';
import { createRecordPricer } from '../src/pricing/calculate.js';
import { createResolver } from '../src/pricing/resolve.js';

describe('RECORD_FIELDS', () => {
  const record = createRecord(
    { dialect: 'bamboo', timestamp: 1, model: 'm', cacheReported: true, context: null },
    { inputTokens: 1, outputTokens: 2 },
  );

  it('is the key order of every record createRecord builds (one hidden class for all records)', () => {
    expect(Object.keys(record)).toEqual(RECORD_FIELDS.map((field) => field.name));
  });

  it('names every field once, in code and in JSON', () => {
    expect(new Set(RECORD_FIELDS.map((field) => field.name)).size).toBe(RECORD_FIELDS.length);
    expect(new Set(RECORD_FIELDS.map((field) => field.json)).size).toBe(RECORD_FIELDS.length);
    expect(new Set(CONTEXT_FIELDS.map((field) => field.json)).size).toBe(CONTEXT_FIELDS.length);
  });

  it('is copied whole, in order, into a priced record', () => {
    const pricer = createRecordPricer(createResolver(null, null), 'calculate');
    const priced = pricer.priceRecord(record);
    expect(Object.keys(priced)).toEqual([...RECORD_FIELDS.map((field) => field.name), 'costUsd', 'calculatedCostUsd', 'costSource']);
    for (const field of RECORD_FIELDS) expect(priced[field.name]).toEqual(record[field.name]);
  });
});
