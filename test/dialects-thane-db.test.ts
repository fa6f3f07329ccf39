/**
 * thane's usage_records table (src/dialects/thane-db.ts, the thane JSONL
 * mapping) against totals worked out by hand from fixtures/logs/thane-db.
 */
import { describe, expect, it } from 'vitest';
import { thaneDb } from '../src/dialects/thane-db.js';
import { fixture } from './helpers/cli.js';
import { runModule, sumRecordedCost, sumTokens } from './helpers/dialect-module.js';

describe('thane-db', () => {
  it('maps rows like the JSONL records, with the TTL split of cache writes', async () => {
    const run = await runModule(thaneDb, fixture('logs', 'thane-db', 'usage.db'));
    // Row 1: 900 in, 250 out, 3000 written (1000 for 5 minutes, 1500 for an hour,
    // 500 unsplit). Row 2: 40 in, 310 out, 4000 read. Row 3: 1200 in, 80 out.
    // Row 4: input -5 (skipped).
    // input 900 + 40 + 1200 = 2140; output 250 + 310 + 80 = 640;
    // total 2140 + 640 + 3000 + 4000 = 9780.
    expect(sumTokens(run.records)).toEqual({
      records: 3,
      input: 2140,
      output: 640,
      reasoning: 0,
      cacheRead: 4000,
      cacheWrite: 3000,
      unattributed: 0,
      total: 9780,
    });
    expect(run.records[0]).toMatchObject({ cacheWrite5mTokens: 1000, cacheWrite1hTokens: 1500 });
    expect(run.invalid.map((problem) => [problem.reason, problem.entry])).toEqual([['negative_or_non_integer_tokens', 4]]);
    // 0.021075 + 0.00597 + 0 = 0.027045.
    expect(sumRecordedCost(run.records)).toBe(0.027045);
    expect(run.records[2]).toMatchObject({
      dialect: 'thane-db',
      model: 'edge/qwen3:4b',
      upstreamModel: 'qwen3:4b',
      resource: 'edge',
      role: 'scheduled',
      task: 'email_poll',
      timestamp: Date.parse('2026-11-28T09:00:00Z'),
    });
  });

  it('reads nothing from a database without the usage table', async () => {
    const run = await runModule(thaneDb, fixture('logs', 'goose', 'sessions', 'sessions.db'));
    expect(run).toEqual({ records: [], duplicates: 0, noUsage: 0, invalid: [] });
  });
});
