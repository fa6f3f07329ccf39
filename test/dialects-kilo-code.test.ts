/**
 * Kilo Code task files (src/dialects/kilo-code.ts, Cline's mapping) against
 * totals worked out by hand from fixtures/logs/kilo-code.
 */
import { describe, expect, it } from 'vitest';
import { kiloCode } from '../src/dialects/kilo-code.js';
import { fixture } from './helpers/cli.js';
import { runModule, sumRecordedCost, sumTokens } from './helpers/dialect-module.js';

describe('kilo-code', () => {
  it('reads the same format, and a non-object message is one problem', async () => {
    const run = await runModule(kiloCode, fixture('logs', 'kilo-code'));
    // 1: openai, tokensIn 5000 with 4000 read: fresh 1000, 200 out. Entry 2 is the
    // number 7 (not an object). 3: anthropic, 20 fresh, 350 out, 1200 write, 6000 read.
    // input 1000 + 20 = 1020; output 200 + 350 = 550; cache read 4000 + 6000 = 10000;
    // cache write 1200; total 1020 + 550 + 10000 + 1200 = 12770.
    expect(sumTokens(run.records)).toEqual({
      records: 2,
      input: 1020,
      output: 550,
      reasoning: 0,
      cacheRead: 10000,
      cacheWrite: 1200,
      unattributed: 0,
      total: 12770,
    });
    expect(run.invalid.map((problem) => [problem.reason, problem.entry])).toEqual([['not_an_object', 2]]);
    // 0.0031 + 0.0117 = 0.0148.
    expect(sumRecordedCost(run.records)).toBe(0.0148);
  });
});
