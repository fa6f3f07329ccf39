import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, ROOT, runUsage } from './helpers/cli.js';

const DOCS = readFileSync(join(ROOT, 'docs', 'json.md'), 'utf8');
const CLAUDE = fixture('logs', 'claude');

/** Every key the JSON holds (skipping the data-keyed maps) must appear in docs/json.md. */
function findUndocumentedKeys(value: unknown, skip = new Set(['reasons', 'dialects'])): string[] {
  const keys = new Set<string>();
  const visit = (node: unknown, parent: string) => {
    if (Array.isArray(node)) for (const item of node) visit(item, parent);
    else if (node !== null && typeof node === 'object' && !skip.has(parent)) {
      for (const [key, inner] of Object.entries(node)) {
        keys.add(key);
        visit(inner, key);
      }
    }
  };
  visit(value, '');
  return [...keys].filter((key) => !new RegExp(`(^|[^A-Za-z0-9_])${key}([^A-Za-z0-9_]|$)`).test(DOCS));
}

describe('usage blocks (CLI)', () => {
  it('prints blocks and gaps from the fixtures, with every JSON key documented', async () => {
    // Claude Code and Codex: the Codex records are left out of the blocks, and counted.
    const result = await runUsage(['blocks', CLAUDE, fixture('logs', 'codex'), '--json', '--no-cache', '--token-limit', 'max']);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.kind).toBe('blocks');
    // Claude fixture calls: 2026-10-30 17:45 → block 17:00–22:00; 2026-11-03 09:15–09:20 → 09:00–14:00;
    // 2026-11-12 14:00 → 14:00–19:00; gaps between them.
    expect(json.blocks.map((row: { kind: string; start: string }) => `${row.kind} ${row.start.slice(0, 16)}`)).toEqual([
      'block 2026-10-30T17:00',
      'gap 2026-10-30T22:00',
      'block 2026-11-03T09:00',
      'gap 2026-11-03T14:00',
      'block 2026-11-12T14:00',
    ]);
    // The largest finished block: 09:00 on Nov 3, 22.0k tokens in the table (3 calls).
    expect(json.token_limit.estimate).toBe(true);
    expect(json.token_limit.tokens).toBe(json.blocks[2].total_tokens);
    expect(json.left_out.other_agents).toBeGreaterThan(0);
    expect(findUndocumentedKeys(json)).toEqual([]);
    expect(result.stderr).toContain('left out');
  });

  it('speaks every output format and rejects bad limits in one sentence', async () => {
    for (const format of ['--csv', '--ndjson', '--markdown']) {
      const result = await runUsage(['blocks', CLAUDE, format, '--no-cache']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('2026-11-03 09:00');
    }
    const bad = await runUsage(['blocks', CLAUDE, '--token-limit', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --token-limit "lots" is not a limit: give a whole number of tokens above 0, or max (the largest previous block).\n');
    const live = await runUsage(['blocks', CLAUDE, '--live']);
    expect(live.code).toBe(2);
    expect(live.stderr).toContain('--live redraws a terminal');
  });

  it('says when no block is active', async () => {
    const result = await runUsage(['blocks', CLAUDE, '--active', '--no-cache']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('no block is active now');
  });
});

describe('usage limits (CLI)', () => {
  it('shows the latest windows and the day they moved, every key documented', async () => {
    const result = await runUsage(['limits', fixture('limits'), '--day', '2026-11-14', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.windows.map((window: { window: string; used_percent: number }) => [window.window, window.used_percent])).toEqual([
      ['primary', 8],
      ['secondary', 9],
    ]);
    // Primary: 10% → 40% → 5% (reset at 12:00) → 8%; secondary 3 → 7 → 8 → 9 (the 10:00 repeats are not changes).
    expect(json.history.filter((point: { reset: boolean }) => point.reset)).toEqual([
      { window: 'primary', time: '2026-11-14T12:30:00.000Z', used_percent: 5, resets_at: '2026-11-14T17:00:00.000Z', reset: true },
    ]);
    expect(json.history).toHaveLength(8);
    expect(findUndocumentedKeys(json)).toEqual([]);
  });

  it('refuses stdin in one sentence', async () => {
    const result = await runUsage(['limits', '-'], { input: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('reads log files, not stdin');
  });
});

describe('usage with no command', () => {
  it('says where it looked when there are no logs', async () => {
    const result = await runUsage([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: No usage logs found in the default locations \(.*\.claude-config\/projects, /);
  });
});
