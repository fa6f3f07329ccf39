/**
 * Claude Code mapping rules (docs/record.md, Claude section) that the real
 * corpus in fixtures/real/ does not already cover. No public Bedrock
 * transcript or `"usage": {}` stub with a recordable origin was found, so
 * those cases are written by hand here in Claude Code's shape (the Bedrock id
 * form `msg_bdrk_…` and the usage numbers are those of real Bedrock responses
 * seen in public Claude Code stream output).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { UsageRecord } from '../src/core/record.js';
import { detectDialect, findDialect } from '../src/dialects/registry.js';
import type { JsonObject, ParseOutcome } from '../src/dialects/types.js';
import { ingest } from '../src/ingest/ingest.js';
import { discoverFiles } from '../src/sources/discover.js';

function parse(value: JsonObject, path = join('p', 'projects', '-w', 's.jsonl')): ParseOutcome {
  return findDialect('claude').createParser!({ path })(value);
}

function assistant(id: string, usage: JsonObject, extra: JsonObject = {}): JsonObject {
  return {
    type: 'assistant',
    uuid: `u-${Math.random()}`,
    sessionId: 's1',
    cwd: '/home/dev/webapp',
    timestamp: '2026-03-21T13:26:22.884Z',
    message: { id, model: 'claude-opus-4-6', role: 'assistant', usage },
    ...extra,
  };
}

async function readLines(lines: JsonObject[]): Promise<{ records: UsageRecord[]; duplicates: number; noUsage: number; skipped: number }> {
  const directory = mkdtempSync(join(tmpdir(), 'usage-claude-'));
  const path = join(directory, 'session.jsonl');
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  const { sources } = await discoverFiles([path]);
  const records: UsageRecord[] = [];
  const summary = await ingest(sources, (record) => records.push(record), {});
  return { records, duplicates: summary.duplicateLines, noUsage: summary.noUsageLines, skipped: summary.skipped.lines };
}

describe('claude: de-duplication without requestId (Bedrock, third-party endpoints)', () => {
  it('keeps one copy per message id, the largest, and never merges two message ids', async () => {
    const first = { input_tokens: 1, cache_creation_input_tokens: 311, cache_read_input_tokens: 28_530, output_tokens: 25 };
    const second = { input_tokens: 3_497, cache_creation_input_tokens: 6_271, cache_read_input_tokens: 18_837, output_tokens: 1 };
    const { records, duplicates } = await readLines([
      // One response written as three content-block lines, no requestId: the
      // streaming copies carry output 1 and 10, the final one 25.
      assistant('msg_bdrk_01TRwJeNivnr3Xs1x84gExCb', { ...first, output_tokens: 1 }),
      assistant('msg_bdrk_01TRwJeNivnr3Xs1x84gExCb', { ...first, output_tokens: 10 }),
      assistant('msg_bdrk_01TRwJeNivnr3Xs1x84gExCb', first),
      // Another response, twice.
      assistant('msg_bdrk_01QfqTMpJqi1HHPCthzWskLN', second),
      assistant('msg_bdrk_01QfqTMpJqi1HHPCthzWskLN', second),
    ]);
    // Kept: the 25-output copy of the first, one copy of the second.
    // input 1 + 3,497 = 3,498; cache writes 311 + 6,271 = 6,582;
    // cache reads 28,530 + 18,837 = 47,367; output 25 + 1 = 26.
    // (Before: all five lines counted, output 1 + 10 + 25 + 1 + 1 = 38.)
    expect(records).toHaveLength(2);
    expect(duplicates).toBe(3);
    const total = records.reduce(
      (sum, record) => ({
        input: sum.input + record.inputTokens,
        write: sum.write + record.cacheWriteTokens,
        read: sum.read + record.cacheReadTokens,
        output: sum.output + record.outputTokens,
      }),
      { input: 0, write: 0, read: 0, output: 0 },
    );
    expect(total).toEqual({ input: 3_498, write: 6_582, read: 47_367, output: 26 });
  });

  it('keeps one copy when only some copies of a response carry its requestId', async () => {
    const usage = { input_tokens: 10, output_tokens: 50 };
    const { records, duplicates } = await readLines([
      assistant('msg_01Mixed', usage, { requestId: 'req_1' }),
      assistant('msg_01Mixed', usage),
    ]);
    // One response: 10 + 50 = 60 tokens once, not 120.
    expect(records.map((record) => record.totalTokens)).toEqual([60]);
    expect(duplicates).toBe(1);
  });
});

describe('claude: lines without usage', () => {
  it('reads a `"usage": {}` streaming stub as a line without usage, not a broken one', async () => {
    const stub = assistant('msg_01Stub', {});
    expect(parse(stub)).toEqual({ kind: 'no_usage' });
    const { records, noUsage, skipped } = await readLines([stub, assistant('msg_01Stub', { input_tokens: 4, output_tokens: 9 })]);
    expect({ records: records.length, noUsage, skipped }).toEqual({ records: 1, noUsage: 1, skipped: 0 });
  });

  it('claims Claude Code metadata lines of any type, even with no other Claude key, as no_usage', () => {
    // Real shapes: a teleported-from file is this one line; queue-operation
    // lines sometimes carry only an operation.
    for (const line of [
      { type: 'teleported-from', remoteSessionId: 'session_01Other0000', branch: 'main', messageCount: 0 },
      { type: 'queue-operation', operation: 'enqueue' },
      { type: 'queue-operation', operation: 'dequeue', timestamp: '2026-01-20T11:57:17.716Z', sessionId: 's' },
      { type: 'ai-title', aiTitle: 'x' },
      { type: 'mode', mode: 'normal' },
    ]) {
      expect(detectDialect(line)?.name, JSON.stringify(line)).toBe('claude');
      expect(parse(line)).toEqual({ kind: 'no_usage' });
    }
    // A typed object that names usage is not taken for Claude metadata.
    expect(detectDialect({ type: 'response-done', usage: { input_tokens: 1 } })?.name).not.toBe('claude');
  });
});

describe('claude: billing fields', () => {
  it('reads speed, inference_geo and web searches, and the pricer bills them', async () => {
    const line = assistant('msg_01Fast', {
      input_tokens: 1000,
      output_tokens: 2000,
      speed: 'fast',
      inference_geo: 'us',
      server_tool_use: { web_search_requests: 2, web_fetch_requests: 5 },
    });
    const outcome = parse(line);
    expect(outcome).toMatchObject({ kind: 'record', record: { speed: 'fast', inferenceGeo: 'us', webSearchRequests: 2 } });
    if (outcome.kind !== 'record') throw new Error('expected a record');
    const { createRecordPricer } = await import('../src/pricing/calculate.js');
    const { createResolver } = await import('../src/pricing/resolve.js');
    const { loadBuiltinDatabase } = await import('../src/pricing/database.js');
    const priced = createRecordPricer(createResolver(await loadBuiltinDatabase(), null), 'calculate').priceRecord(outcome.record);
    // claude-opus-4-6: 1,000 × $5 + 2,000 × $25 = $0.055; fast × 6 = $0.33; US × 1.1 = $0.363;
    // 2 searches × $10 / 1,000 = $0.02 (fetches free): $0.383.
    expect(priced.costUsd).toBeCloseTo(0.383, 12);
  });
});

describe('claude: usage fields', () => {
  it('reads output_tokens_details.thinking_tokens as the reasoning part of the output', () => {
    const outcome = parse(assistant('msg_01T', { input_tokens: 10, output_tokens: 900, output_tokens_details: { thinking_tokens: 640 } }));
    expect(outcome).toMatchObject({ kind: 'record', record: { outputTokens: 900, reasoningTokens: 640 } });
  });

  it('treats a line without a timestamp as malformed (invalid_timestamp), never an undated record', () => {
    const { timestamp: _dropped, ...undated } = assistant('msg_01U', { input_tokens: 1, output_tokens: 1 });
    void _dropped;
    expect(parse(undated)).toEqual({
      kind: 'invalid',
      reason: 'invalid_timestamp',
      detail: 'timestamp: missing (Claude Code writes one on every line)',
    });
  });

  it('takes the project from cwd, Windows drive-letter case folded, and falls back to the folder', () => {
    const lower = parse(assistant('m1', { input_tokens: 1, output_tokens: 1 }, { cwd: 'c:\\Users\\loganf\\Documents\\IDAHO-VAULT' }));
    const upper = parse(assistant('m2', { input_tokens: 1, output_tokens: 1 }, { cwd: 'C:\\Users\\loganf\\Documents\\IDAHO-VAULT\\' }));
    expect(lower).toMatchObject({ record: { project: 'IDAHO-VAULT' } });
    expect(upper).toMatchObject({ record: { project: 'IDAHO-VAULT' } });
    // A worktree Claude Code made inside the repository belongs to the repository.
    const worktree = parse(
      assistant('m3', { input_tokens: 1, output_tokens: 1 }, { cwd: 'C:\\Users\\loganf\\Documents\\IDAHO-VAULT\\.claude\\worktrees\\eloquent-lichterman' }),
    );
    expect(worktree).toMatchObject({ record: { project: 'IDAHO-VAULT' } });
    const { cwd: _cwd, ...noCwd } = assistant('m4', { input_tokens: 1, output_tokens: 1 });
    void _cwd;
    expect(parse(noCwd, join('h', '.claude', 'projects', 'c--Users-a-app', 's.jsonl'))).toMatchObject({ record: { project: 'C--Users-a-app' } });
  });
});
