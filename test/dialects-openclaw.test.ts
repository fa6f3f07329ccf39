/**
 * OpenClaw transcripts (src/dialects/openclaw.ts, pi's mapping) against totals
 * worked out by hand from fixtures/logs/openclaw.
 */
import { describe, expect, it } from 'vitest';
import { openclaw } from '../src/dialects/openclaw.js';
import { fixture } from './helpers/cli.js';
import { listModuleFiles, runModule, sumRecordedCost, sumTokens } from './helpers/dialect-module.js';

const FOLDER = fixture('logs', 'openclaw');

describe('openclaw', () => {
  it('counts a response written twice once and skips a cut-off line', async () => {
    const run = await runModule(openclaw, FOLDER);
    // c3000003 (2000 in, 500 out, 8000 read) appears twice with the same id and
    // timestamp: one duplicate. Line 7 is cut off (invalid JSON). c3000006 (300, 120, 10200).
    // input 2000 + 300 = 2300; output 500 + 120 = 620; cache read 8000 + 10200 = 18200;
    // total 2300 + 620 + 18200 = 21120.
    expect(sumTokens(run.records)).toEqual({
      records: 2,
      input: 2300,
      output: 620,
      reasoning: 0,
      cacheRead: 18200,
      cacheWrite: 0,
      unattributed: 0,
      total: 21120,
    });
    expect(run.duplicates).toBe(1);
    expect(run.invalid.map((problem) => [problem.reason, problem.entry])).toEqual([['invalid_json', 7]]);
    // 0.0085 + 0.00285 = 0.01135.
    expect(sumRecordedCost(run.records)).toBe(0.01135);
    expect(run.records.every((record) => record.dialect === 'openclaw' && record.provider === 'openai')).toBe(true);
    expect([run.records[0]?.project, run.records[0]?.projectPath]).toEqual(['workspace', '/home/dev/.openclaw/workspace']);
  });

  it('reads only *.jsonl transcripts: the repair backup and the session index are not logs', () => {
    const files = listModuleFiles(openclaw, FOLDER).map((file) => file.slice(FOLDER.length + 1));
    expect(files).toEqual(['agents/main/sessions/4b7e2c91-0d3a-4f6e-a8b5-c2d1e0f9a8b7.jsonl']);
  });

  it('honours OPENCLAW_STATE_DIR, else ~/.openclaw and the legacy ~/.clawdbot', () => {
    const base = { home: '/home/u', platform: 'linux' };
    expect(openclaw.locations({ ...base, variables: { OPENCLAW_STATE_DIR: '/srv/claw' } }).map((l) => l.path)).toEqual([
      '/srv/claw/agents',
    ]);
    expect(openclaw.locations({ ...base, variables: {} }).map((l) => l.path)).toEqual([
      '/home/u/.openclaw/agents',
      '/home/u/.clawdbot/agents',
    ]);
  });
});
