/**
 * kernex's token_usage table (src/dialects/kernex-db.ts, the kernex JSONL
 * mapping) against totals worked out by hand from fixtures/logs/kernex-db.
 */
import { describe, expect, it } from 'vitest';
import { kernexDb } from '../src/dialects/kernex-db.js';
import { fixture } from './helpers/cli.js';
import { runModule, sumRecordedCost, sumTokens } from './helpers/dialect-module.js';

describe('kernex-db', () => {
  it('maps rows like the JSONL export: the uncovered part of tokens is unattributed', async () => {
    const run = await runModule(kernexDb, fixture('logs', 'kernex-db', 'memory.db'));
    // Row 1: tokens 1500 = 200 in + 100 out + 1000 read + 200 write (nothing left over).
    // Row 2: tokens 700, no breakdown: 700 unattributed.
    // Row 3: tokens 2000, 1200 in + 300 out: 2000 - 1500 = 500 unattributed.
    // Row 4: tokens -10 (skipped).
    // input 200 + 1200 = 1400; output 100 + 300 = 400; unattributed 700 + 500 = 1200;
    // total 1500 + 700 + 2000 = 4200.
    expect(sumTokens(run.records)).toEqual({
      records: 3,
      input: 1400,
      output: 400,
      reasoning: 0,
      cacheRead: 1000,
      cacheWrite: 200,
      unattributed: 1200,
      total: 4200,
    });
    expect(run.invalid.map((problem) => [problem.reason, problem.entry])).toEqual([['negative_or_non_integer_tokens', 4]]);
    // kernex's 0.0 for unpriced models is no recorded cost: only row 1's 0.0105 counts.
    expect(sumRecordedCost(run.records)).toBe(0.0105);
    expect(run.records.every((record) => record.dialect === 'kernex-db')).toBe(true);
    // INTEGER unix seconds 1795682400 = 1795682400000 ms.
    expect(run.records[0]?.timestamp).toBe(1795682400000);
    expect([run.records[0]?.sender, run.records[0]?.session]).toEqual(['user-1', 'sess-cache']);
  });
});
