/**
 * Goose's sessions.db (src/dialects/goose.ts) against totals worked out by
 * hand from fixtures/logs/goose (built by fixtures/sqlite/build-fixtures.py).
 */
import { describe, expect, it } from 'vitest';
import { goose } from '../src/dialects/goose.js';
import { fixture } from './helpers/cli.js';
import { runModule, sumRecordedCost, sumTokens } from './helpers/dialect-module.js';

const DATABASE = fixture('logs', 'goose', 'sessions', 'sessions.db');

describe('goose', () => {
  it("counts each session's running totals once, never its last turn on top", async () => {
    const run = await runModule(goose, DATABASE);
    // 20261126_1: accumulated input 152000 includes 120000 read + 18000 written,
    //   so fresh 152000 - 120000 - 18000 = 14000; output 6100; total 158100 = input + output.
    //   Its last-turn columns (30200 in, 410 out) are already inside the totals.
    // 20261126_2: 40000 in, 2000 out, no cache columns.
    // 20261127_1: 10000 in, 1500 out, total 12300: 12300 - 10000 - 1500 = 800 thinking,
    //   counted as output (1500 + 800 = 2300) and as reasoning.
    // 20261127_2: never used (no usage). 20261128_1: output "lots" (skipped).
    // input 14000 + 40000 + 10000 = 64000; output 6100 + 2000 + 2300 = 10400;
    // total 64000 + 10400 + 120000 + 18000 = 212400.
    expect(sumTokens(run.records)).toEqual({
      records: 3,
      input: 64000,
      output: 10400,
      reasoning: 800,
      cacheRead: 120000,
      cacheWrite: 18000,
      unattributed: 0,
      total: 212400,
    });
    expect(run.noUsage).toBe(1);
    expect(run.invalid.map((problem) => [problem.reason, problem.entry])).toEqual([['schema', 5]]);
    expect(sumRecordedCost(run.records)).toBe(0.6);
  });

  it('names model, provider, session, project and the time of the last update', async () => {
    const run = await runModule(goose, DATABASE);
    expect(run.records.map((record) => [record.session, record.model, record.provider, record.project, record.projectPath])).toEqual([
      ['20261126_1', 'claude-sonnet-4-5', 'anthropic', 'shop', '/home/dev/shop'],
      ['20261126_2', 'gpt-4o', 'openai', 'shop', '/home/dev/shop'],
      ['20261127_1', 'gemini-2.5-pro', 'google', 'api', '/home/dev/api'],
    ]);
    // SQLite's zoneless "2026-11-26 10:42:00" is UTC.
    expect(run.records[0]?.timestamp).toBe(Date.parse('2026-11-26T10:42:00Z'));
    expect(run.records.map((record) => record.cacheReported)).toEqual([true, false, false]);
  });

  it('honours an absolute GOOSE_PATH_ROOT and XDG_DATA_HOME, and knows Windows', () => {
    const at = (platform: string, variables: Record<string, string>) =>
      goose.locations({ home: '/home/u', platform, variables }).map((location) => location.path);
    expect(at('linux', { GOOSE_PATH_ROOT: '/srv/goose' })).toEqual(['/srv/goose/data/sessions/sessions.db']);
    expect(at('linux', { GOOSE_PATH_ROOT: 'relative' })).toEqual(['/home/u/.local/share/goose/sessions/sessions.db']);
    expect(at('linux', { XDG_DATA_HOME: '/xdg' })).toEqual(['/xdg/goose/sessions/sessions.db']);
    expect(at('win32', { APPDATA: '/roaming' })).toEqual(['/roaming/Block/goose/data/sessions/sessions.db']);
  });
});
