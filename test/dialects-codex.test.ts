/**
 * Codex mapping rules (docs/record.md, Codex section) beyond the real corpus
 * (test/real-logs.test.ts): how the end of a child's replayed history is
 * found when `started_at` is missing, and the project rules shared with
 * Claude Code (src/dialects/project-path.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findDialect } from '../src/dialects/registry.js';
import { normalizeProjectPath, shortenProjectPaths } from '../src/dialects/project-path.js';
import { readUuidV7Time } from '../src/dialects/codex.js';
import type { JsonObject, ParseOutcome } from '../src/dialects/types.js';

function run(lines: JsonObject[]): ParseOutcome[] {
  const parse = findDialect('codex').createParser!({ path: 'rollout.jsonl' });
  return lines.map((line) => parse(line));
}

const count = (timestamp: string, input: number, cached: number, output: number): JsonObject => ({
  timestamp,
  type: 'event_msg',
  payload: {
    type: 'token_count',
    info: { total_token_usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: 0 } },
  },
});

describe('codex: a child rollout without started_at', () => {
  it('ends the replay at the first turn whose UUIDv7 turn_id is newer than the child', () => {
    // Child 019d924b-6bc1-… (time 0x019d924b6bc1); the replayed parent turn
    // 019d924a-361e-… is older, the child's own 019d924b-8323-… newer.
    expect(readUuidV7Time('019d924b-6bc1-7fa2-aa36-5e5a0e068c59')).toBe(0x019d924b6bc1);
    const outcomes = run([
      { timestamp: 't', type: 'session_meta', payload: { id: '019d924b-6bc1-7fa2-aa36-5e5a0e068c59', forked_from_id: 'p' } },
      { timestamp: 't', type: 'session_meta', payload: { id: '019d9249-e0ee-7020-a305-b6369cd02251' } },
      { timestamp: 't', type: 'turn_context', payload: { turn_id: '019d924a-361e-7a82-8f76-6b8406143f52', model: 'gpt-5.4' } },
      count('2026-04-15T17:58:35.551Z', 1000, 400, 10),
      { timestamp: 't', type: 'turn_context', payload: { turn_id: '019d924b-8323-77b1-a26d-d65630532b7c', model: 'gpt-5.4-mini' } },
      count('2026-04-15T17:58:39.301Z', 1500, 600, 30),
    ]);
    expect(outcomes[3]).toEqual({ kind: 'duplicate' });
    // Own: 1,500 − 1,000 = 500 input of which 600 − 400 = 200 cached → 300 fresh; 30 − 10 = 20 output.
    expect(outcomes[5]).toMatchObject({
      kind: 'record',
      record: { inputTokens: 300, cacheReadTokens: 200, outputTokens: 20, model: 'gpt-5.4-mini', session: '019d924b-6bc1-7fa2-aa36-5e5a0e068c59' },
    });
  });

  it('a rollout that is not a child starts a new session at a session_meta naming another id (stdin)', () => {
    const outcomes = run([
      { timestamp: 't', type: 'session_meta', payload: { id: 'a' } },
      count('2026-04-15T10:00:00Z', 100, 0, 1),
      { timestamp: 't', type: 'session_meta', payload: { id: 'b' } },
      count('2026-04-15T11:00:00Z', 50, 0, 1),
    ]);
    // b starts from zero: 50 input, not a restart of a's 100.
    expect(outcomes[3]).toMatchObject({ kind: 'record', record: { inputTokens: 50, session: 'b' } });
  });
});

describe('codex: running totals with fields left out (property)', () => {
  it('counts every token of the final running total exactly once, whatever fields are left out or null', () => {
    const step = fc.record({
      input: fc.nat(5000),
      cachedShare: fc.double({ min: 0, max: 1, noNaN: true }),
      output: fc.nat(500),
      drop: fc.constantFrom('none', 'missing', 'null'),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        // Build non-decreasing running totals, cached never above input.
        let input = 0;
        let cached = 0;
        let output = 0;
        const lines: JsonObject[] = [{ timestamp: 't', type: 'session_meta', payload: { id: 's' } }];
        for (const [index, { input: addInput, cachedShare, output: addOutput, drop }] of steps.entries()) {
          input += addInput;
          cached = Math.max(cached, Math.min(input, cached + Math.floor(addInput * cachedShare)));
          output += addOutput;
          // The last event always states every field: it is the total to reach.
          const last = index === steps.length - 1;
          const totals: JsonObject = { input_tokens: input, output_tokens: output };
          if (last || drop === 'none') totals['cached_input_tokens'] = cached;
          else if (drop === 'null') totals['cached_input_tokens'] = null;
          lines.push({ timestamp: '2026-04-15T10:00:00Z', type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: totals } } });
        }
        let counted = 0;
        let countedOutput = 0;
        for (const outcome of run(lines)) {
          if (outcome.kind !== 'record') continue;
          expect(outcome.record.inputTokens).toBeGreaterThanOrEqual(0);
          counted += outcome.record.inputTokens + outcome.record.cacheReadTokens;
          countedOutput += outcome.record.outputTokens;
        }
        expect(counted).toBe(input);
        expect(countedOutput).toBe(output);
      }),
    );
  });
});

describe('codex: service tier', () => {
  it('takes the tier from turn_context or the thread settings Codex applies between turns', () => {
    const outcomes = run([
      { timestamp: 't', type: 'session_meta', payload: { id: 's', model_provider: 'openai' } },
      { timestamp: 't', type: 'turn_context', payload: { turn_id: 't1', model: 'gpt-5' } },
      count('2026-04-15T10:00:00Z', 100, 0, 1),
      { timestamp: 't', type: 'event_msg', payload: { type: 'thread_settings_applied', thread_settings: { model: 'gpt-5', service_tier: 'priority' } } },
      count('2026-04-15T10:01:00Z', 200, 0, 2),
      { timestamp: 't', type: 'turn_context', payload: { turn_id: 't2', model: 'gpt-5', service_tier: 'flex' } },
      count('2026-04-15T10:02:00Z', 300, 0, 3),
    ]);
    const tiers = [2, 4, 6].map((index) => {
      const outcome = outcomes[index];
      return outcome?.kind === 'record' ? outcome.record.serviceTier : 'none';
    });
    expect(tiers).toEqual([null, 'priority', 'flex']);
  });
});

describe('project paths', () => {
  it('normalises Windows separators, drive-letter case and trailing separators', () => {
    expect(normalizeProjectPath('c:\\Users\\loganf\\Documents\\IDAHO-VAULT')).toBe('C:/Users/loganf/Documents/IDAHO-VAULT');
    expect(normalizeProjectPath('C:\\Users\\loganf\\Documents\\IDAHO-VAULT\\')).toBe('C:/Users/loganf/Documents/IDAHO-VAULT');
    expect(normalizeProjectPath('/home/dev/webapp/')).toBe('/home/dev/webapp');
  });

  it('folds Claude Code worktrees into their repository unless kept apart', () => {
    const worktree = 'C:\\Users\\loganf\\Documents\\IDAHO-VAULT\\.claude\\worktrees\\eloquent-lichterman';
    expect(normalizeProjectPath(worktree)).toBe('C:/Users/loganf/Documents/IDAHO-VAULT');
    expect(normalizeProjectPath(worktree, { keepWorktrees: true })).toBe('C:/Users/loganf/Documents/IDAHO-VAULT/.claude/worktrees/eloquent-lichterman');
  });

  it('names each path by its last segment, widened only where two would collide', () => {
    const names = shortenProjectPaths(['/home/a/work/app', '/home/b/work/app', '/home/a/api', 'C:/Users/x/IDAHO-VAULT']);
    expect(Object.fromEntries(names)).toEqual({
      '/home/a/work/app': 'a/work/app',
      '/home/b/work/app': 'b/work/app',
      '/home/a/api': 'api',
      'C:/Users/x/IDAHO-VAULT': 'IDAHO-VAULT',
    });
  });
});
