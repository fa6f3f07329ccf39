/**
 * Droid session sidecars (src/dialects/droid.ts) against totals worked out by
 * hand from fixtures/logs/droid.
 */
import { describe, expect, it } from 'vitest';
import { droid } from '../src/dialects/droid.js';
import { fixture } from './helpers/cli.js';
import { runModule, sumTokens } from './helpers/dialect-module.js';

const FOLDER = fixture('logs', 'droid');

describe('droid', () => {
  it("counts each session's own totals, never the inclusive roll-up of its children", async () => {
    const run = await runModule(droid, FOLDER);
    // Files in name order: 0a9b… has outputTokens "1.5k" (skipped); 7f6e… has no
    // tokenUsage yet (no usage); e1c2… (parent) 5200 in, 1900 out, 12000 write,
    // 88000 read, 700 thinking; f2d3… (its child) 800, 400, 3000, 12000, 0.
    // The parent's inclusiveTokenUsage (6000, 2300, 15000, 100000) already holds
    // the child: counting it would add the child twice.
    // input 5200 + 800 = 6000; output 1900 + 400 = 2300; reasoning 700;
    // cache write 12000 + 3000 = 15000; cache read 88000 + 12000 = 100000;
    // total 6000 + 2300 + 15000 + 100000 = 123300.
    expect(sumTokens(run.records)).toEqual({
      records: 2,
      input: 6000,
      output: 2300,
      reasoning: 700,
      cacheRead: 100000,
      cacheWrite: 15000,
      unattributed: 0,
      total: 123300,
    });
    expect(run.noUsage).toBe(1);
    expect(run.invalid.map((problem) => problem.reason)).toEqual(['schema']);
  });

  it('names session, project, model, provider and time from the sidecar and its folder', async () => {
    const run = await runModule(droid, FOLDER);
    const parent = run.records[0];
    expect(parent?.session).toBe('e1c2a3b4-5d6e-4f70-8a9b-0c1d2e3f4a5b');
    expect(parent?.project).toBe('-home-dev-shop');
    expect(parent?.model).toBe('claude-sonnet-4-5-20250929');
    expect(parent?.provider).toBe('anthropic');
    expect(parent?.timestamp).toBe(Date.parse('2026-11-25T14:00:00.000Z'));
  });

  it('gives a rewritten sidecar the same key, so a second read of the session counts once', () => {
    const settings = { providerLockTimestamp: '2026-11-25T14:00:00Z', tokenUsage: { inputTokens: 1, outputTokens: 1 } };
    const keys = [settings, { ...settings, tokenUsage: { inputTokens: 5, outputTokens: 9 } }].map((document) => {
      const [outcome] = Array.from(droid.readDocument?.(document, { path: '/s/-p/abc.settings.json' }) ?? []);
      return outcome?.kind === 'record' ? outcome.dedupKey : undefined;
    });
    expect(keys).toEqual(['droid:abc', 'droid:abc']);
  });
});
