/**
 * docs/json.md is the contract for `--json`: every key any command prints
 * must be documented there. Runs each command on the fixtures and checks
 * every key name (at any depth) against the document.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, ROOT, runCli } from './helpers/cli.js';

const documentation = readFileSync(join(ROOT, 'docs', 'json.md'), 'utf8');

/** Key names, at any depth; keys of maps keyed by data (models, reasons, dialects) are skipped by the caller. */
function collectKeys(value: unknown, into: Set<string>, skipChildrenOf: ReadonlySet<string>, parent = ''): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) collectKeys(item, into, skipChildrenOf, parent);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (skipChildrenOf.has(parent)) continue;
      into.add(key);
      collectKeys(inner, into, skipChildrenOf, key);
    }
  }
  return into;
}

/** Objects whose keys are data (a reason, a dialect, a model), not schema. */
const DATA_KEYED = new Set(['reasons', 'dialects', 'skipped_by_dialect', 'records_by_dialect', 'by_dialect']);

const LOGS = fixture('logs');
const COMMANDS: string[][] = [
  ['report', LOGS, '--until', '2026-11-20'],
  ['validate', LOGS],
  ['cost', LOGS, '--by', 'model,project'],
  ['pricing', 'claude-sonnet-4-5-20250929', 'gpt-5'],
  ['pricing', '--unknown', LOGS],
  ['daily', LOGS, '--until', '2026-11-20', '--breakdown'],
  ['weekly', LOGS, '--until', '2026-11-20'],
  ['monthly', LOGS, '--until', '2026-11-20'],
  ['sessions', LOGS],
  ['sessions', join(LOGS, 'claude'), '--id', '3f0c2a4e-8b1d-4c5e-9a7f-1d2e3f4a5b6c'],
  ['cache', LOGS],
  ['budget', LOGS, '--max-cost', '0.25', '--max-tokens', '100000', '--period', 'week', '--by', 'model', '--warn-at', '0.5', '--until', '2026-11-20'],
  ['diff', LOGS, '--since', '2026-11-09', '--until', '2026-11-15', '--against-since', '2026-11-02', '--against-until', '2026-11-08'],
];

describe('docs/json.md', () => {
  it('documents every key that --json prints', async () => {
    const missing = new Map<string, string[]>();
    for (const args of COMMANDS) {
      // validate reads lines only: it takes no index flags (and refuses them).
      const result = await runCli([...args, '--json', ...(args[0] === 'validate' ? [] : ['--no-cache'])]);
      const keys = collectKeys(JSON.parse(result.stdout), new Set(), DATA_KEYED);
      for (const key of keys) {
        const documented = new RegExp(`(^|[^A-Za-z0-9_])${key}([^A-Za-z0-9_]|$)`).test(documentation);
        if (!documented) missing.set(key, [...(missing.get(key) ?? []), args[0] as string]);
      }
    }
    expect(Object.fromEntries(missing)).toEqual({});
  });
});
