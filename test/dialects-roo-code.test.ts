/**
 * Roo Code task files (src/dialects/roo-code.ts, Cline's mapping) against
 * totals worked out by hand from fixtures/logs/roo-code.
 */
import { describe, expect, it } from 'vitest';
import { rooCode } from '../src/dialects/roo-code.js';
import { fixture } from './helpers/cli.js';
import { runModule, sumRecordedCost, sumTokens } from './helpers/dialect-module.js';

describe('roo-code', () => {
  it('takes cache out of OpenAI-protocol input, drops a cancelled request, skips a negative count', async () => {
    const run = await runModule(rooCode, fixture('logs', 'roo-code'));
    // 1: anthropic, 1500 fresh, 600 out. 2: openai, tokensIn 12000 includes the
    // 9000 read, so fresh 12000 - 9000 = 3000, 300 out. 3: cancelled, all zero
    // (no usage). 4: tokensIn -4 (skipped).
    // input 1500 + 3000 = 4500; output 600 + 300 = 900; cache read 9000;
    // total 4500 + 900 + 9000 = 14400.
    expect(sumTokens(run.records)).toEqual({
      records: 2,
      input: 4500,
      output: 900,
      reasoning: 0,
      cacheRead: 9000,
      cacheWrite: 0,
      unattributed: 0,
      total: 14400,
    });
    expect(run.noUsage).toBe(1);
    expect(run.invalid.map((problem) => [problem.reason, problem.entry])).toEqual([['negative_or_non_integer_tokens', 4]]);
    // 0.0135 + 0.0129 = 0.0264.
    expect(sumRecordedCost(run.records)).toBe(0.0264);
    expect(run.records.every((record) => record.dialect === 'roo-code')).toBe(true);
  });
});
