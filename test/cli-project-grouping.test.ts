/**
 * One project grouping rule for every command (src/reducers/shares.ts
 * readProject + nameProjects), through the real binary (build first).
 *
 * Logs written in a temp folder:
 *   Claude Code, cwd /home/dev/api:   input 100, output 10          → 110 tokens
 *   Claude Code, cwd /home/ops/api:   input 200, output 20          → 220 tokens
 *   Qwen Code, no cwd, in projects/-home-dev-api/: prompt 1,000, candidates 50 → 1,050 tokens
 *   Droid sidecar in sessions/-home-dev-shop/: input 300, output 30 → 330 tokens
 * Expected projects: /home/dev/api 110 + 1,050 = 1,160 shown as dev/api (ops/api shares "api");
 * /home/ops/api 220 as ops/api; /home/dev/shop 330 as shop.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const EXPECTED = { 'dev/api': 1160, 'ops/api': 220, shop: 330 };
let logs = '';

function claudeLine(cwd: string, session: string, input: number, output: number): string {
  return JSON.stringify({
    type: 'assistant',
    cwd,
    sessionId: session,
    uuid: `${session}-1`,
    requestId: `req-${session}`,
    timestamp: '2026-11-03T09:15:02.123Z',
    message: { id: `msg-${session}`, model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: input, output_tokens: output } },
  });
}

beforeAll(() => {
  logs = mkdtempSync(join(tmpdir(), 'usage-projects-'));
  const write = (path: string, text: string) => {
    mkdirSync(join(logs, path, '..'), { recursive: true });
    writeFileSync(join(logs, path), `${text}\n`);
  };
  write('claude/projects/-home-dev-api/c1.jsonl', claudeLine('/home/dev/api', 'c1', 100, 10));
  write('claude/projects/-home-ops-api/c2.jsonl', claudeLine('/home/ops/api', 'c2', 200, 20));
  write(
    'qwen/projects/-home-dev-api/chats/q1.jsonl',
    JSON.stringify({
      uuid: 'q1-1',
      sessionId: 'q1',
      timestamp: '2026-11-03T10:00:00Z',
      type: 'assistant',
      model: 'qwen3-coder-plus',
      usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 50, cachedContentTokenCount: 0, totalTokenCount: 1050 },
    }),
  );
  write(
    'droid/sessions/-home-dev-shop/d1.settings.json',
    JSON.stringify({ model: 'claude-sonnet-4-5-20250929', providerLockTimestamp: '2026-11-03T11:00:00Z', tokenUsage: { inputTokens: 300, outputTokens: 30 } }),
  );
});

async function runJson(args: string[]): Promise<Record<string, unknown>> {
  const result = await runCli([...args, logs, '--json']);
  expect(result.stderr).not.toMatch(/^error/m);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('project grouping', () => {
  it('cost --by project and report group and name projects the same way, whichever agent wrote the log', async () => {
    const cost = (await runJson(['cost', '--by', 'project'])) as { rows: Array<{ project: string; project_path: string | null; total_tokens: number }> };
    const report = (await runJson(['report'])) as { projects: Array<{ project: string; project_path: string | null; total_tokens: number }> };
    const pick = (rows: Array<{ project: string; total_tokens: number }>) => Object.fromEntries(rows.map((row) => [row.project, row.total_tokens]));
    expect(pick(cost.rows)).toEqual(EXPECTED);
    expect(pick(report.projects)).toEqual(EXPECTED);
    const paths = (rows: Array<{ project: string; project_path: string | null }>) => Object.fromEntries(rows.map((row) => [row.project, row.project_path]));
    expect(paths(cost.rows)).toEqual({ 'dev/api': '/home/dev/api', 'ops/api': '/home/ops/api', shop: '/home/dev/shop' });
    expect(paths(report.projects)).toEqual(paths(cost.rows));
  });

  it('budget --by project checks the same groups, under the same names', async () => {
    const budget = (await runJson(['budget', '--by', 'project', '--max-tokens', '1000000'])) as { checks: Array<{ group: string; total_tokens: number }> };
    expect(Object.fromEntries(budget.checks.map((check) => [check.group, check.total_tokens]))).toEqual(EXPECTED);
  });

  it('sessions name their projects the same way', async () => {
    const sessions = (await runJson(['sessions'])) as { sessions: Array<{ session: string; projects: string[] }> };
    expect(Object.fromEntries(sessions.sessions.map((session) => [session.session, session.projects]))).toEqual({
      c1: ['dev/api'],
      c2: ['ops/api'],
      q1: ['dev/api'],
      d1: ['shop'],
    });
  });
});
