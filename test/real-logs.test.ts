/**
 * The real-log corpus (fixtures/real/, origins in fixtures/README.md) read
 * through the public pipeline. Every expected figure is worked out by hand
 * from the lines of the fixture; the arithmetic is in the comments.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UsageRecord } from '../src/core/record.js';
import { ingest, type IngestSummary } from '../src/ingest/ingest.js';
import { discoverFiles } from '../src/sources/discover.js';
import { createHome, fixture, runUsage } from './helpers/cli.js';

async function read(paths: string[]): Promise<{ records: UsageRecord[]; summary: IngestSummary }> {
  const { sources, problems } = await discoverFiles(paths);
  expect(problems).toEqual([]);
  const records: UsageRecord[] = [];
  const summary = await ingest(sources, (record) => records.push(record), { problemLimit: Number.POSITIVE_INFINITY });
  return { records, summary };
}

function sum(records: readonly UsageRecord[]) {
  const total = { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0, records: records.length };
  for (const record of records) {
    total.input += record.inputTokens;
    total.cacheRead += record.cacheReadTokens;
    total.cacheWrite += record.cacheWriteTokens;
    total.output += record.outputTokens;
    total.reasoning += record.reasoningTokens;
  }
  return total;
}

const CODEX = fixture('real', 'codex');
const CHILD = join(CODEX, 'sessions', '2026', '04', '15', 'rollout-2026-04-15T11-58-29-019d924b-6bc1-7fa2-aa36-5e5a0e068c59.jsonl');
const PARENT = join(CODEX, 'sessions', '2026', '04', '15', 'rollout-2026-04-15T11-56-48-019d9249-e0ee-7020-a305-b6369cd02251.jsonl');
const ARCHIVED = join(CODEX, 'archived_sessions', 'rollout-2026-03-31T21-32-02-019d4719-21ce-7f20-8d3c-4223205e2a58.jsonl');
const CLAUDE_PROJECT = fixture('real', 'claude', 'projects', 'c--Users-loganf-Documents-IDAHO-VAULT');
const SUBAGENT = join(CLAUDE_PROJECT, '05541cb5-fe43-41c9-87ef-2a6d89bba271', 'subagents', 'agent-a3144f31772d15038.jsonl');
const ASIDE = join(CLAUDE_PROJECT, '237326ca-5e6a-4313-b3dd-44df36143943', 'subagents', 'agent-aside_question-7a81e4850e48fc1e.jsonl');

function copyTo(directory: string, source: string, ...parts: string[]): string {
  const target = join(directory, ...parts);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target);
  return target;
}

describe('Codex fork / spawned sub-agent (real pair, Codex Desktop 0.119)', () => {
  it('counts only what the child adds beyond the totals it inherited from its parent', async () => {
    const { records, summary } = await read([CHILD]);
    // The child replays its parent's history first (5 token_count events
    // ending at 234,714 input / 180,736 cached / 2,323 output / 844 reasoning),
    // then repeats that total once its own turn starts, then adds:
    //   39.301: 274,065 − 234,714 = 39,351 input, 183,168 − 180,736 = 2,432 cached,
    //           2,623 − 2,323 = 300 output, 891 − 844 = 47 reasoning
    //   final:  1,016,726 − 274,065 = 742,661 input, 810,496 − 183,168 = 627,328 cached,
    //           13,044 − 2,623 = 10,421 output, 7,341 − 891 = 6,450 reasoning
    // fresh input = (39,351 − 2,432) + (742,661 − 627,328) = 36,919 + 115,333 = 152,252
    expect(sum(records)).toEqual({ input: 152_252, cacheRead: 629_760, cacheWrite: 0, output: 10_721, reasoning: 6_497, records: 2 });
    // 5 replayed events + the repeated total: all seen already.
    expect(summary.duplicateLines).toBe(6);
    for (const record of records) {
      expect(record).toMatchObject({ session: '019d924b-6bc1-7fa2-aa36-5e5a0e068c59', model: 'gpt-5.4-mini', project: 'IDAHO-VAULT' });
    }
  });

  it('parent and child together add up to the child’s final running total, each call once', async () => {
    const { records } = await read([PARENT, CHILD]);
    // parent: 234,714 input of which 180,736 cached → 53,978 fresh; 2,323 output; 844 reasoning
    // child:  152,252 fresh, 629,760 cached, 10,721 output, 6,497 reasoning (above)
    // together: fresh 53,978 + 152,252 = 206,230 = 1,016,726 − 810,496 (the child's final total)
    expect(sum(records)).toEqual({ input: 206_230, cacheRead: 810_496, cacheWrite: 0, output: 13_044, reasoning: 7_341, records: 7 });
    const bySession = new Map<string, number>();
    for (const record of records) bySession.set(record.session ?? '', (bySession.get(record.session ?? '') ?? 0) + 1);
    expect(Object.fromEntries(bySession)).toEqual({
      '019d9249-e0ee-7020-a305-b6369cd02251': 5,
      '019d924b-6bc1-7fa2-aa36-5e5a0e068c59': 2,
    });
  });

  it('a token_count that leaves out cached_input_tokens carries the previous value instead of restarting', async () => {
    // The parent's lines with `cached_input_tokens` removed from the third
    // token_count (125,916 input) and set to null in the fourth (174,033).
    const lines = readFileSync(PARENT, 'utf8').trimEnd().split('\n');
    const edited = lines.map((line) => {
      if (line.includes('"input_tokens":125916,')) return line.replace('"cached_input_tokens":84480,', '');
      if (line.includes('"input_tokens":174033,')) return line.replace('"cached_input_tokens":132352,', '"cached_input_tokens":null,');
      return line;
    });
    expect(edited).not.toEqual(lines);
    const directory = mkdtempSync(join(tmpdir(), 'usage-real-'));
    const path = join(directory, 'rollout-2026-04-15T11-56-48-019d9249-e0ee-7020-a305-b6369cd02251.jsonl');
    writeFileSync(path, `${edited.join('\n')}\n`);
    const { records } = await read([path]);
    // Carried: cached stays 44,672 through the two edited events, so their
    // input counts as fresh; the last event's cached catch-up (180,736 − 44,672
    // = 136,064) is capped at its 60,681 input:
    //   fresh  = (38,565 − 5,504) + (39,556 − 39,168) + 47,795 + 48,117 + 0
    //          = 33,061 + 388 + 47,795 + 48,117 = 129,361
    //   cached = 5,504 + 39,168 + 60,681 = 105,353
    //   fresh + cached = 234,714: the real running total, each token once;
    //   output 705 + 388 + 314 + 396 + 520 = 2,323.
    // (Read as 0, the third event looked like a restart and counted 125,916
    // input and 1,407 output a second time.)
    expect(sum(records)).toEqual({ input: 129_361, cacheRead: 105_353, cacheWrite: 0, output: 2_323, reasoning: 844, records: 5 });
  });
});

describe('Codex archived session (real, Codex Desktop 0.118)', () => {
  it('reads archived_sessions and counts a rollout found there and in sessions/ once', async () => {
    // One call: 124,552 input of which 7,936 cached → 116,616 fresh; 61 output; 0 reasoning.
    const alone = await read([ARCHIVED]);
    expect(sum(alone.records)).toEqual({ input: 116_616, cacheRead: 7_936, cacheWrite: 0, output: 61, reasoning: 0, records: 1 });
    expect(alone.records[0]).toMatchObject({ model: 'gpt-5.1-codex-mini', provider: 'openai', session: '019d4719-21ce-7f20-8d3c-4223205e2a58' });

    const home = mkdtempSync(join(tmpdir(), 'usage-codex-home-'));
    copyTo(home, ARCHIVED, 'archived_sessions', 'rollout-2026-03-31T21-32-02-019d4719-21ce-7f20-8d3c-4223205e2a58.jsonl');
    copyTo(home, ARCHIVED, 'sessions', '2026', '03', '31', 'rollout-2026-03-31T21-32-02-019d4719-21ce-7f20-8d3c-4223205e2a58.jsonl');
    const both = await read([join(home, 'archived_sessions'), join(home, 'sessions')]);
    expect(sum(both.records)).toEqual({ input: 116_616, cacheRead: 7_936, cacheWrite: 0, output: 61, reasoning: 0, records: 1 });
    expect(both.summary.duplicateLines).toBe(1);
  });

  it('keeps model_provider as the provider and does not bill another provider at OpenAI list prices', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'usage-provider-'));
    const text = readFileSync(ARCHIVED, 'utf8');
    const ollama = join(directory, 'ollama.jsonl');
    writeFileSync(ollama, text.replace('"model_provider":"openai"', '"model_provider":"ollama"'));
    const custom = join(directory, 'custom.jsonl');
    writeFileSync(custom, text.replace('"model_provider":"openai"', '"model_provider":"my-gateway"'));
    const { records: [local] } = await read([ollama]);
    expect(local).toMatchObject({ provider: 'ollama', model: 'gpt-5.1-codex-mini' });
    const { records: [gateway] } = await read([custom]);
    // Filed under the provider, so only an override entry prices it.
    expect(gateway).toMatchObject({ provider: 'my-gateway', model: 'my-gateway/gpt-5.1-codex-mini' });
  });
});

describe('one project, one name across agents', () => {
  it('names the real Claude Code and Codex sessions of one Windows folder alike, with the full path kept', async () => {
    // Claude Code's folder is `c--Users-…` (lower-case drive) while every line's
    // cwd reads `C:\\Users\\loganf\\Documents\\IDAHO-VAULT`; Codex writes the same cwd.
    const { records } = await read([fixture('real')]);
    expect(new Set(records.map((record) => record.project))).toEqual(new Set(['IDAHO-VAULT']));
    expect(new Set(records.map((record) => record.projectPath))).toEqual(new Set(['C:/Users/loganf/Documents/IDAHO-VAULT']));
    expect(new Set(records.map((record) => record.agent))).toEqual(new Set(['claude-code', 'codex']));
  });
});

describe('project names in the report', () => {
  it('shows the last path segment, widened only where two folders share it, with the full path in JSON', async () => {
    // The archived rollout three times: two folders named `app` and one named `api`.
    const directory = mkdtempSync(join(tmpdir(), 'usage-projects-'));
    const text = readFileSync(ARCHIVED, 'utf8');
    const cwd = JSON.stringify('C:\\Users\\loganf\\Documents\\IDAHO-VAULT').slice(1, -1);
    for (const [name, path] of [
      ['a', '/home/a/work/app'],
      ['b', '/home/b/work/app'],
      ['c', '/home/a/api'],
    ] as const) {
      // A distinct session id per copy, so the three are not one rollout read three times.
      writeFileSync(join(directory, `${name}.jsonl`), text.replaceAll(cwd, path).replaceAll('019d4719-21ce-7f20-8d3c-4223205e2a58', `019d4719-21ce-7f20-8d3c-4223205e2a5${name}`));
    }
    const result = await runUsage(['report', directory, '--json', '--no-cache'], { home: createHome() });
    expect(result.code).toBe(0);
    const projects = JSON.parse(result.stdout).projects.map((row: { project: string; project_path: string | null }) => [row.project, row.project_path]);
    expect(projects.sort()).toEqual([
      ['a/work/app', '/home/a/work/app'],
      ['api', '/home/a/api'],
      ['b/work/app', '/home/b/work/app'],
    ]);
  });
});

describe('Claude Code sub-agent and aside files (real, Claude Code 2.1.86 and 2.1.92)', () => {
  it('counts the six copies of one sub-agent response once, keeping the final one', async () => {
    const { records, summary } = await read([SUBAGENT]);
    // msg_01L59Hiq7JsTzRDMNRuASqcf / req_011CZzjo15uDf6j8nhKubxeC written 6 times:
    // 5 streaming copies with 3 output tokens, the final one with 418.
    // Kept: 3 input, 174,020 5-minute cache writes, 0 cache reads, 418 output.
    expect(sum(records)).toEqual({ input: 3, cacheRead: 0, cacheWrite: 174_020, output: 418, reasoning: 0, records: 1 });
    expect(summary.duplicateLines).toBe(5);
    expect(records[0]).toMatchObject({
      model: 'claude-haiku-4-5-20251001',
      session: '05541cb5-fe43-41c9-87ef-2a6d89bba271',
      // cwd C:\Users\loganf\Documents\IDAHO-VAULT: its last segment
      project: 'IDAHO-VAULT',
      cacheWrite5mTokens: 174_020,
      // the final copy's usage.speed / service_tier; inference_geo "" is no region
      speed: 'standard',
      serviceTier: 'standard',
      inferenceGeo: null,
      webSearchRequests: 0,
    });
  });

  it('counts an aside file’s response once (thinking block and tool_use block share one usage)', async () => {
    const { records } = await read([ASIDE]);
    // msg_01D3WUag4FJQui8eMMZw3azr twice: 2 input, 10,486 one-hour cache writes, 11,245 cache reads, 8 output.
    expect(sum(records)).toEqual({ input: 2, cacheRead: 11_245, cacheWrite: 10_486, output: 8, reasoning: 0, records: 1 });
    expect(records[0]).toMatchObject({ cacheWrite1hTokens: 10_486, model: 'claude-sonnet-4-6' });
  });

  it('the whole project folder: the main-session files are absent, the two sub-agent files count once each', async () => {
    const { records } = await read([fixture('real', 'claude')]);
    // 174,020 + 10,486 cache writes; 418 + 8 output (the two files above).
    expect(sum(records)).toEqual({ input: 5, cacheRead: 11_245, cacheWrite: 184_506, output: 426, reasoning: 0, records: 2 });
  });
});
