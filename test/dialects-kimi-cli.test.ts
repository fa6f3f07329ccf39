/**
 * Kimi CLI wire files (src/dialects/kimi-cli.ts) against totals worked out by
 * hand from fixtures/logs/kimi-cli.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kimiCli } from '../src/dialects/kimi-cli.js';
import { fixture } from './helpers/cli.js';
import { runModule, sumTokens } from './helpers/dialect-module.js';

const FOLDER = fixture('logs', 'kimi-cli');

describe('kimi-cli', () => {
  it('counts each step once, a sub-agent step included, and skips the malformed update', async () => {
    const run = await runModule(kimiCli, FOLDER);
    // Step chatcmpl-7Hk2a1 (2500 fresh, 180 out) is reported twice: one duplicate.
    // The plan-mode update has no token_usage. Step chatcmpl-7Hk2a2 (320 fresh,
    // 95 out, 2560 read). Sub-agent step chatcmpl-7Hk2s1 (1400, 60). Line 10 has
    // output "many" and is skipped.
    // input 2500 + 320 + 1400 = 4220; output 180 + 95 + 60 = 335; cache read 2560;
    // total 4220 + 335 + 2560 = 7115.
    expect(sumTokens(run.records)).toEqual({
      records: 3,
      input: 4220,
      output: 335,
      reasoning: 0,
      cacheRead: 2560,
      cacheWrite: 0,
      unattributed: 0,
      total: 7115,
    });
    expect(run.duplicates).toBe(1);
    expect(run.invalid.map((problem) => [problem.reason, problem.entry])).toEqual([['schema', 10]]);
  });

  it('takes session and project from the folders, seconds as the time, and marks the sub-agent', async () => {
    const run = await runModule(kimiCli, FOLDER);
    const [first, , sub] = run.records;
    expect(first?.session).toBe('7c0e2d4a-1b3f-4e5a-8c9d-0a1b2c3d4e5f');
    expect(first?.project).toBe('3f2a9c0e5b7d41e8a6c4b2d0e9f8a7b6');
    // 1795512404.512 s = 1795512404512 ms.
    expect(first?.timestamp).toBe(1795512404512);
    expect(first?.model).toBe('unknown');
    expect([first?.source, sub?.source]).toEqual([null, 'coder-1']);
  });

  it('maps any step onto fresh input and disjoint caches (property)', () => {
    const count = fc.integer({ min: 0, max: 5_000_000 });
    fc.assert(
      fc.property(count, count, count, count, (input_other, output, input_cache_read, input_cache_creation) => {
        const parse = kimiCli.createParser?.({ path: '/k/sessions/h/s/wire.jsonl' });
        const outcome = parse?.({
          timestamp: 1_700_000_000.5,
          message: { type: 'StatusUpdate', payload: { token_usage: { input_other, output, input_cache_read, input_cache_creation } } },
        });
        if (outcome?.kind !== 'record') return false;
        const record = outcome.record;
        return (
          record.inputTokens === input_other &&
          record.cacheReadTokens === input_cache_read &&
          record.cacheWriteTokens === input_cache_creation &&
          record.totalTokens === input_other + output + input_cache_read + input_cache_creation
        );
      }),
    );
  });

  it('honours KIMI_SHARE_DIR', () => {
    const base = { home: '/home/u', platform: 'linux' };
    expect(kimiCli.locations({ ...base, variables: { KIMI_SHARE_DIR: '/data/kimi' } })[0]?.path).toBe('/data/kimi/sessions');
    expect(kimiCli.locations({ ...base, variables: {} })[0]?.path).toBe('/home/u/.kimi/sessions');
  });
});
