/**
 * Every dialect's fixture, ingested through the public pipeline, against
 * totals worked out by hand from the fixture lines (the arithmetic is in the
 * comments), plus one test per mapping rule in docs/record.md.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze, leaveUnpriced } from '../src/core/analyze.js';
import type { UsageRecord } from '../src/core/record.js';
import { findDialect } from '../src/dialects/registry.js';
import { resolveJcodeLayout } from '../src/dialects/jcode.js';
import { type JsonObject, type ParseOutcome, readTimestamp } from '../src/dialects/types.js';
import { ingest, type IngestOptions, type IngestSummary } from '../src/ingest/ingest.js';
import { reduceAll } from '../src/reducers/reducer.js';
import { totalsReducer } from '../src/reducers/totals.js';
import { discoverFiles, type Source } from '../src/sources/discover.js';
import { fixture } from './helpers/cli.js';

interface Read {
  records: UsageRecord[];
  summary: IngestSummary;
}

async function readSources(sources: readonly Source[], options: IngestOptions = {}): Promise<Read> {
  const records: UsageRecord[] = [];
  const summary = await ingest(sources, (record) => records.push(record), { problemLimit: Number.POSITIVE_INFINITY, ...options });
  return { records, summary };
}

async function readPaths(paths: string[], options: IngestOptions = {}): Promise<Read> {
  const { sources, problems } = await discoverFiles(paths);
  expect(problems).toEqual([]);
  return readSources(sources, options);
}

/** The canonical token fields summed by the totals reducer (the same one the commands use). */
function tokenTotals(records: readonly UsageRecord[]) {
  const totals = reduceAll(totalsReducer, records.map(leaveUnpriced));
  return {
    records: totals.records,
    calls: totals.calls,
    input: totals.inputTokens,
    output: totals.outputTokens,
    reasoning: totals.reasoningTokens,
    cacheRead: totals.cacheReadTokens,
    cacheWrite: totals.cacheWriteTokens,
    cacheWrite5m: totals.cacheWrite5mTokens,
    cacheWrite1h: totals.cacheWrite1hTokens,
    unattributed: totals.unattributedTokens,
    total: totals.totalTokens,
  };
}

function accounting(summary: IngestSummary) {
  return {
    files: summary.files,
    lines: summary.lines,
    records: summary.records,
    skipped: summary.skipped.lines,
    reasons: summary.skipped.reasons,
    noUsage: summary.noUsageLines,
    duplicates: summary.duplicateLines,
    partial: summary.partialLines,
  };
}

function parseLine(dialect: Parameters<typeof findDialect>[0], value: JsonObject, path = 'test.jsonl'): ParseOutcome {
  return findDialect(dialect).createParser!({ path })(value);
}

function recordOf(outcome: ParseOutcome): UsageRecord {
  if (outcome.kind !== 'record') throw new Error(`expected a record, got ${JSON.stringify(outcome)}`);
  return outcome.record;
}

const utc = (text: string): number => Date.parse(text);

describe('claude fixture', () => {
  it('dedups globally, keeps the largest copy, skips malformed lines and the line being written', async () => {
    const { records, summary } = await readPaths([fixture('logs', 'claude')]);
    // Records, after dedup (in·out·read·write(5m/1h)):
    //   msg_01A  12 · 310 ·  8000 · 2000 (1500/500)  – copies: 40 and 310 output in webapp, 40 in api → 310 kept
    //   msg_01B   5 · 120 · 10000 ·  400 (400/0)
    //   msg_01D  20 · 500 ·     0 · 1000 (0/1000)    claude-opus-4-1, 2026-10-30
    //   msg_02A 300 ·  80 ·     0 ·    0             claude-haiku-4-5, api project
    //   msg_03A  50 ·  60 ·     0 · 1000 (1000/0)    sub-agent file, last line without newline but complete
    // input  12+5+20+300+50 = 387; output 310+120+500+80+60 = 1070
    // read 8000+10000 = 18000; write 2000+400+1000+0+1000 = 4400; 5m 1500+400+1000 = 2900; 1h 500+1000 = 1500
    // total 387+1070+18000+4400 = 23857
    expect(tokenTotals(records)).toEqual({
      records: 5,
      calls: 5,
      input: 387,
      output: 1070,
      reasoning: 0,
      cacheRead: 18000,
      cacheWrite: 4400,
      cacheWrite5m: 2900,
      cacheWrite1h: 1500,
      unattributed: 0,
      total: 23857,
    });
    // lines: webapp 12, sub-agent 2, api 4 (3 + the unfinished one) = 18
    // no_usage: summary, snapshot, 2 user lines, <synthetic> (webapp) + 1 user (api) + 1 user (sub-agent) = 7
    // duplicates: the 40-output copy in webapp and the copy in api = 2
    // skipped: output_tokens -25 (negative), a cut-off line followed by more lines (invalid_json), input_tokens "12" (schema)
    expect(accounting(summary)).toEqual({
      files: 3,
      lines: 18,
      records: 5,
      skipped: 3,
      reasons: { negative_or_non_integer_tokens: 1, invalid_json: 1, schema: 1 },
      noUsage: 7,
      duplicates: 2,
      partial: 1,
    });
  });

  it('names the project after the working directory (cwd) and the session after sessionId', async () => {
    const { records } = await readPaths([fixture('logs', 'claude')]);
    const byId = new Map(records.map((record) => [record.requestId, record]));
    const first = byId.get('req_011CUxLoginA');
    expect(first).toMatchObject({
      dialect: 'claude',
      model: 'claude-sonnet-4-5-20250929',
      provider: 'anthropic',
      // cwd /home/dev/webapp: its last segment, as Codex names the same folder
      project: 'webapp',
      session: '3f0c2a4e-8b1d-4c5e-9a7f-1d2e3f4a5b6c',
      outputTokens: 310,
      // the kept copy is the 310-output one, written at 2026-11-03T09:15:04.870Z (to the millisecond)
      timestamp: Date.UTC(2026, 10, 3, 9, 15, 4, 870),
      cacheReported: true,
    });
    expect(byId.get('req_011CUyRateA')).toMatchObject({ project: 'api', model: 'claude-haiku-4-5' });
    // The sub-agent transcript lives three folders deeper and still belongs to its project and parent session.
    expect(byId.get('req_011CUxSubagentA')).toMatchObject({
      project: 'webapp',
      session: '3f0c2a4e-8b1d-4c5e-9a7f-1d2e3f4a5b6c',
    });
  });

  it('falls back to the file name for the session and the folder for the project, and treats <synthetic> as no usage', () => {
    const line = {
      type: 'assistant',
      uuid: 'u1',
      timestamp: '2026-11-03T10:00:00Z',
      message: { id: 'm', model: 'claude-haiku-4-5', usage: { input_tokens: 1, output_tokens: 2 } },
    };
    const record = recordOf(parseLine('claude', line, join('x', 'projects', 'p', 'abc-123.jsonl')));
    expect(record.session).toBe('abc-123');
    expect(record.project).toBe('p');
    // No request id (Bedrock, third-party endpoints): the message id alone is the key.
    expect(parseLine('claude', line)).toHaveProperty('dedupKey', 'm');
    // No message id either: nothing to de-duplicate on, so no key.
    expect(parseLine('claude', { ...line, message: { ...line.message, id: undefined } })).not.toHaveProperty('dedupKey');
    const synthetic = { ...line, message: { ...line.message, model: '<synthetic>' } };
    expect(parseLine('claude', synthetic)).toEqual({ kind: 'no_usage' });
  });

  it('keeps the largest copy wherever it is, and the earliest among equal copies', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'usage-claude-'));
    const line = (output: number, uuid: string) =>
      `${JSON.stringify({
        type: 'assistant',
        uuid,
        sessionId: 's',
        requestId: 'req_1',
        timestamp: '2026-11-03T10:00:00Z',
        message: { id: 'msg_1', model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 3, output_tokens: output } },
      })}\n`;
    writeFileSync(join(directory, 'a.jsonl'), line(10, 'a1') + line(20, 'a2'));
    writeFileSync(join(directory, 'b.jsonl'), line(90, 'b1') + line(90, 'b2') + line(5, 'b3'));
    const { records, summary } = await readPaths([directory]);
    // Five copies of one response: one record with the largest output (90), four duplicates.
    expect(records).toHaveLength(1);
    expect(records[0]?.outputTokens).toBe(90);
    expect(records[0]?.totalTokens).toBe(93);
    expect(summary.duplicateLines).toBe(4);
  });
});

describe('codex fixture', () => {
  it('turns running totals into per-call deltas, with repeats, a restart and a model switch', async () => {
    const { records, summary } = await readPaths([fixture('logs', 'codex')]);
    // 2026-10-28 rollout (o3):
    //   total 1500/0/300/200 (input/cached/output/reasoning) → in 1500, read 0, out 300, reasoning 200 = 1800
    //   total 3000/1024/600/350 (last line, no newline, complete) → Δ 1500/1024/300/150
    //        → fresh in 1500−1024 = 476, read 1024, out 300, reasoning 150 = 1800
    // 2026-11-14 rollout:
    //   gpt-5-codex: total 5000/3000/400/250 → in 2000, read 3000, out 400, reasoning 250 = 5400
    //   the same total again → duplicate
    //   gpt-5 (turn_context switch): total 12000/9000/900/500 → Δ 7000/6000/500/250 → in 1000, read 6000, out 500 = 7500
    //   output_tokens −1 → skipped, running total untouched
    //   total 800/0/50/0 < previous → restart: counted as it stands → in 800, out 50 = 850
    // input 1500+476+2000+1000+800 = 5776; read 1024+3000+6000 = 10024; output 300+300+400+500+50 = 1550
    // reasoning 200+150+250+250 = 850; total 1800+1800+5400+7500+850 = 17350
    expect(tokenTotals(records)).toEqual({
      records: 5,
      calls: 5,
      input: 5776,
      output: 1550,
      reasoning: 850,
      cacheRead: 10024,
      cacheWrite: 0,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      unattributed: 0,
      total: 17350,
    });
    // no_usage: 10-28 session_meta, turn_context (2); 11-14 session_meta, turn_context, user response_item,
    // info:null token_count, assistant response_item, second turn_context, agent_message (7) = 9
    // lines: 4 (10-28, the last without newline) + 13 (11-14) = 17
    expect(accounting(summary)).toEqual({
      files: 2,
      lines: 17,
      records: 5,
      skipped: 2,
      reasons: { negative_or_non_integer_tokens: 1, invalid_json: 1 },
      noUsage: 9,
      duplicates: 1,
      partial: 0,
    });
    expect(records.map((record) => record.model)).toEqual(['o3', 'o3', 'gpt-5-codex', 'gpt-5', 'gpt-5']);
    expect(records[2]).toMatchObject({
      provider: 'openai',
      session: '019a7b2c-4d5e-7f60-8a9b-0c1d2e3f4a5b',
      project: 'webapp',
      timestamp: Date.UTC(2026, 10, 14, 10, 0, 9, 450),
    });
  });

  it('restarts the running totals when a concatenated stream names a new session', () => {
    const parser = findDialect('codex').createParser!({ path: '-' });
    const count = (input: number, cached: number, output: number) => ({
      timestamp: '2026-11-14T10:00:00Z',
      type: 'event_msg',
      payload: { type: 'token_count', info: { total_token_usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output } } },
    });
    parser({ type: 'session_meta', payload: { id: 'aaaaaaaa-0000-4000-8000-000000000001' } });
    parser({ type: 'turn_context', payload: { model: 'gpt-5' } });
    expect(recordOf(parser(count(1000, 0, 100))).totalTokens).toBe(1100);
    parser({ type: 'session_meta', payload: { id: 'bbbbbbbb-0000-4000-8000-000000000002' } });
    // Every component is above the first session's total, so only the new session_meta shows a restart:
    // the whole 2000 + 200 belongs to the second session, not a 1100 delta.
    const second = recordOf(parser(count(2000, 0, 200)));
    expect(second.totalTokens).toBe(2200);
    expect(second.session).toBe('bbbbbbbb-0000-4000-8000-000000000002');
    // The new session has not named its model yet.
    expect(second.model).toBe('unknown');
  });

  it('reads a line without an object payload as no usage under --format codex instead of failing', () => {
    expect(parseLine('codex', { type: 'event_msg' })).toEqual({ kind: 'no_usage' });
    expect(parseLine('codex', { type: 'event_msg', payload: 'token_count' })).toEqual({ kind: 'no_usage' });
  });
});

describe('bamboo fixture', () => {
  it('maps fresh input, thinking inside output, and keeps total_tokens out of the usage total', async () => {
    const { records, summary } = await readPaths([fixture('logs', 'bamboo')]);
    // (in·out·thinking·read·write)
    //   1200 · 350 · 120 ·    0 · 6000  = 7550   (bamboo's own total_tokens 7200 is a context estimate, ignored)
    //    150 · 500 ·   0 · 6000 ·  300  = 6950
    //     80 ·  90 ·  40 · 6300 ·    0  = 6470
    //    400 ·1000 · 900 ·    0 · 2000  = 3400   claude-opus-4-1
    // input 1200+150+80+400 = 1830; output 350+500+90+1000 = 1940; reasoning 120+40+900 = 1060
    // read 6000+6300 = 12300; write 6000+300+2000 = 8300 (no TTL split); total 7550+6950+6470+3400 = 24370
    expect(tokenTotals(records)).toEqual({
      records: 4,
      calls: 4,
      input: 1830,
      output: 1940,
      reasoning: 1060,
      cacheRead: 12300,
      cacheWrite: 8300,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      unattributed: 0,
      total: 24370,
    });
    // skipped: input −5 and output 12.5 (tokens), model 42 (schema), ts "not a time", {"event":"budget_probe",...}
    expect(accounting(summary)).toEqual({
      files: 1,
      lines: 9,
      records: 4,
      skipped: 5,
      reasons: { negative_or_non_integer_tokens: 2, schema: 1, invalid_timestamp: 1, unknown_dialect: 1 },
      noUsage: 0,
      duplicates: 0,
      partial: 0,
    });
    expect(records[2]?.context).toMatchObject({ promptTokens: 6400, truncationOccurred: true, segmentsRemoved: 2, summaryTokens: 1800 });
    expect(records[1]).toMatchObject({ timestamp: Date.UTC(2026, 10, 5, 8, 2, 10, 250), provider: 'anthropic' });
  });
});

describe('jcode fixture', () => {
  it('resolves each line’s layout from its total', async () => {
    const { records, summary } = await readPaths([fixture('logs', 'jcode')]);
    // gpt-5: prompt 10000 completion 800 cached 6000 total 10800 = prompt+completion → cache inside prompt:
    //   in 10000−6000 = 4000, read 6000, out 800 (reasoning 300 inside) → 10800, 3 calls
    // sonnet: prompt 500 completion 700 cached 20000 cache_write 3000 total 24200 = 500+700+20000+3000 → beside:
    //   in 500, read 20000, write 3000, out 700 → 24200, 2 calls
    // gpt-4o: no total, cached 1000 ≤ prompt 2000 → default inside: in 1000, read 1000, out 150 → 2150
    // ollama/llama3.2: in 900, out 200 → 1100; acme-large-2: in 3000, out 400 → 3400
    // input 4000+500+1000+900+3000 = 9400; output 800+700+150+200+400 = 2250; read 6000+20000+1000 = 27000
    // write 3000; total 10800+24200+2150+1100+3400 = 41650; calls 3+2+1+1+1 = 8
    expect(tokenTotals(records)).toEqual({
      records: 5,
      calls: 8,
      input: 9400,
      output: 2250,
      reasoning: 300,
      cacheRead: 27000,
      cacheWrite: 3000,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      unattributed: 0,
      total: 41650,
    });
    expect(accounting(summary)).toEqual({
      files: 1,
      lines: 8,
      records: 5,
      skipped: 3,
      reasons: { schema: 1, negative_or_non_integer_tokens: 1, invalid_json: 1 },
      noUsage: 0,
      duplicates: 0,
      partial: 0,
    });
    expect(records[0]).toMatchObject({ project: 'webapp', timestamp: 1793959200 * 1000, calls: 3 });
    expect(records[3]).toMatchObject({ model: 'ollama/llama3.2', provider: 'ollama' });
    expect(records[4]).toMatchObject({ model: 'acme-large-2', provider: 'unknown' });
  });

  it('resolveJcodeLayout: cache inside prompt when total = prompt + completion', () => {
    expect(resolveJcodeLayout({ prompt: 10000, completion: 800, cached: 6000, reasoning: 300, cacheWrite: 0, total: 10800 })).toEqual({
      cacheInsidePrompt: true,
      reasoningBesideCompletion: false,
    });
  });

  it('resolveJcodeLayout: cache beside prompt when total adds cached and cache_write', () => {
    expect(resolveJcodeLayout({ prompt: 500, completion: 700, cached: 20000, reasoning: 0, cacheWrite: 3000, total: 24200 })).toEqual({
      cacheInsidePrompt: false,
      reasoningBesideCompletion: false,
    });
    // Even when the cache would fit inside the prompt, a total that only adds up with it beside wins.
    expect(resolveJcodeLayout({ prompt: 5000, completion: 100, cached: 1000, reasoning: 0, cacheWrite: 0, total: 6100 })).toEqual({
      cacheInsidePrompt: false,
      reasoningBesideCompletion: false,
    });
  });

  it('resolveJcodeLayout: reasoning beside completion only when the total says so', () => {
    // 2000 + 100 + 50 reasoning = 2150, cache inside (400 ≤ 2000)
    expect(resolveJcodeLayout({ prompt: 2000, completion: 100, cached: 400, reasoning: 50, cacheWrite: 0, total: 2150 })).toEqual({
      cacheInsidePrompt: true,
      reasoningBesideCompletion: true,
    });
  });

  it('resolveJcodeLayout: without a usable total, cache inside prompt unless it cannot fit', () => {
    const base = { completion: 10, reasoning: 0, cacheWrite: 0 };
    expect(resolveJcodeLayout({ ...base, prompt: 2000, cached: 1000, total: null })).toEqual({ cacheInsidePrompt: true, reasoningBesideCompletion: false });
    expect(resolveJcodeLayout({ ...base, prompt: 2000, cached: 1000, total: 0 })).toEqual({ cacheInsidePrompt: true, reasoningBesideCompletion: false });
    // A total no layout reproduces falls back the same way.
    expect(resolveJcodeLayout({ ...base, prompt: 2000, cached: 1000, total: 99999 })).toEqual({ cacheInsidePrompt: true, reasoningBesideCompletion: false });
    // 3000 cached cannot sit inside a 2000-token prompt.
    expect(resolveJcodeLayout({ ...base, prompt: 2000, cached: 3000, total: null })).toEqual({ cacheInsidePrompt: false, reasoningBesideCompletion: false });
  });

  it('never double-counts reasoning: beside-completion reasoning becomes part of output once', () => {
    const record = recordOf(
      parseLine('jcode', { ts: 1793959200, model: 'gpt-5', prompt: 2000, completion: 100, cached: 400, reasoning: 50, total: 2150 }),
    );
    // in 2000−400 = 1600, read 400, out 100+50 = 150 of which reasoning 50 → total 2150 = jcode's total
    expect(record).toMatchObject({ inputTokens: 1600, cacheReadTokens: 400, outputTokens: 150, reasoningTokens: 50, totalTokens: 2150 });
  });
});

describe('lash fixture', () => {
  it('reads flat and nested buckets from every source', async () => {
    const { records, summary } = await readPaths([fixture('logs', 'lash')]);
    // (in·out·reasoning·read·write)
    //   turn        sonnet   900 ·  450 ·  200 · 15000 · 1200 = 17550
    //   subagent    haiku    300 ·  120 ·    0 ·  4000 ·    0 =  4420  (nested)
    //   compaction  haiku   8000 ·  600 ·    0 ·     0 ·    0 =  8600  (nested)
    //   observer    gpt-4o   700 ·   90 ·    0 ·   300 ·    0 =  1090
    //   turn        opus      50 · 2000 · 1500 · 30000 ·    0 = 32050  (2026-10-31)
    // input 900+300+8000+700+50 = 9950; output 450+120+600+90+2000 = 3260; reasoning 200+1500 = 1700
    // read 15000+4000+300+30000 = 49300; write 1200; total 17550+4420+8600+1090+32050 = 63710
    expect(tokenTotals(records)).toEqual({
      records: 5,
      calls: 5,
      input: 9950,
      output: 3260,
      reasoning: 1700,
      cacheRead: 49300,
      cacheWrite: 1200,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      unattributed: 0,
      total: 63710,
    });
    // skipped: input 1.5, output "ten" (nested), a `source` line with no buckets
    expect(accounting(summary)).toEqual({
      files: 1,
      lines: 8,
      records: 5,
      skipped: 3,
      reasons: { negative_or_non_integer_tokens: 1, schema: 1, unknown_dialect: 1 },
      noUsage: 0,
      duplicates: 0,
      partial: 0,
    });
    expect(records.map((record) => record.source)).toEqual(['turn', 'subagent', 'compaction', 'observer', 'turn']);
    expect(records[1]).toMatchObject({ session: 'lash-7a1b-sub1', model: 'claude-haiku-4-5' });
  });
});

describe('kernex fixture', () => {
  it('keeps what the breakdown does not cover as unattributed tokens', async () => {
    const { records, summary } = await readPaths([fixture('logs', 'kernex')]);
    // tokens 1500 = 200 in + 100 out + 1000 read + 200 write → nothing unattributed
    // tokens  800, breakdown 150 in + 300 read (output, writes null) → 800−450 = 350 unattributed
    // tokens  700, no breakdown → 700 unattributed
    // tokens 2000 (llama3.2), no breakdown → 2000 unattributed
    // tokens  400 = 300 in + 100 out, no timestamp
    // input 200+150+300 = 650; output 100+100 = 200; read 1000+300 = 1300; write 200
    // unattributed 350+700+2000 = 3050; total 1500+800+700+2000+400 = 5400
    expect(tokenTotals(records)).toEqual({
      records: 5,
      calls: 5,
      input: 650,
      output: 200,
      reasoning: 0,
      cacheRead: 1300,
      cacheWrite: 200,
      cacheWrite5m: 0,
      cacheWrite1h: 0,
      unattributed: 3050,
      total: 5400,
    });
    expect(accounting(summary)).toEqual({
      files: 1,
      lines: 8,
      records: 5,
      skipped: 3,
      reasons: { negative_or_non_integer_tokens: 1, schema: 1, not_an_object: 1 },
      noUsage: 0,
      duplicates: 0,
      partial: 0,
    });
    // SQLite's zone-less "2026-11-09 07:00:00" is UTC, whatever the machine's zone.
    expect(records[0]).toMatchObject({ timestamp: Date.UTC(2026, 10, 9, 7), sender: 'user-1', recordedCostUsd: 0.0123 });
    // cost_usd 0 is kernex's "could not price", not a free call.
    expect(records[2]?.recordedCostUsd).toBeNull();
    expect(records[4]?.timestamp).toBeNull();
  });

  it('a row with only `tokens` is all unattributed; a breakdown above `tokens` wins', () => {
    expect(recordOf(parseLine('kernex', { model: 'gpt-4o', tokens: 700 }))).toMatchObject({
      inputTokens: 0,
      outputTokens: 0,
      unattributedTokens: 700,
      totalTokens: 700,
      cacheReported: false,
    });
    // 300 + 500 = 800 measured against tokens 600: the parts are what was measured.
    expect(recordOf(parseLine('kernex', { model: 'gpt-4o', tokens: 600, input_tokens: 300, output_tokens: 500 }))).toMatchObject({
      unattributedTokens: 0,
      totalTokens: 800,
    });
  });
});

describe('thane fixture', () => {
  it('reads Go and snake_case field names and keeps the TTL shortfall as unattributed writes', async () => {
    const { records, summary } = await readPaths([fixture('logs', 'thane')]);
    // (in·out·read·write (5m/1h))
    //   sonnet (Go)              1000 · 300 ·     0 · 5000 (3000/1500) → 500 writes without a TTL; 6300
    //   work/claude-haiku-4-5     400 · 100 ·  2000 ·    0             2500
    //   llama3.2 via ollama (Go) 3000 · 500 ·     0 ·    0             3500
    //   opus (Go)                  50 · 800 · 12000 · 1000 (0/1000)    13850
    // input 1000+400+3000+50 = 4450; output 300+100+500+800 = 1700; read 2000+12000 = 14000
    // write 5000+1000 = 6000; 5m 3000; 1h 1500+1000 = 2500; total 6300+2500+3500+13850 = 26150
    expect(tokenTotals(records)).toEqual({
      records: 4,
      calls: 4,
      input: 4450,
      output: 1700,
      reasoning: 0,
      cacheRead: 14000,
      cacheWrite: 6000,
      cacheWrite5m: 3000,
      cacheWrite1h: 2500,
      unattributed: 0,
      total: 26150,
    });
    expect(accounting(summary)).toEqual({
      files: 1,
      lines: 7,
      records: 4,
      skipped: 3,
      reasons: { negative_or_non_integer_tokens: 1, invalid_timestamp: 1, schema: 1 },
      noUsage: 0,
      duplicates: 0,
      partial: 0,
    });
    const [sonnet, haiku, local, opus] = records;
    // Go's RFC 3339 nanoseconds, to the millisecond.
    expect(sonnet).toMatchObject({ timestamp: Date.UTC(2026, 10, 10, 15, 4, 5, 123), role: 'interactive', task: null, requestId: 'req-th-001', conversation: 'th-conv-1' });
    expect((sonnet?.cacheWriteTokens ?? 0) - (sonnet?.cacheWrite5mTokens ?? 0) - (sonnet?.cacheWrite1hTokens ?? 0)).toBe(500);
    expect(haiku).toMatchObject({ model: 'work/claude-haiku-4-5', upstreamModel: 'claude-haiku-4-5', resource: 'work', role: 'delegate', task: 'email_poll' });
    expect(local).toMatchObject({ provider: 'ollama', role: 'scheduled', task: 'periodic_reflection', resource: 'home-gpu' });
    // 09:15 at +01:00 is 08:15 UTC.
    expect(opus?.timestamp).toBe(Date.UTC(2026, 10, 21, 8, 15));
  });
});

describe('provider fixture', () => {
  it('maps OpenAI, Anthropic and OpenTelemetry usage onto fresh input', async () => {
    const { records, summary } = await readPaths([fixture('logs', 'provider')]);
    // (in·out·reasoning·read·write)
    //   chat gpt-4o      prompt 2000 − cached 1536 = 464 · 300 ·   0 · 1536 ·    0 = 2300
    //   chat o3          1200 · 900 · 640 ·    0 ·    0 = 2100  (reasoning inside completion)
    //   responses gpt-5  4000 − 3072 = 928 · 700 · 384 · 3072 · 0 = 4700
    //   anthropic haiku  25 · 150 · 0 · 0 · 1800 (5m 1800) = 1975  (cache beside input)
    //   otel dotted      3000 − 2000 = 1000 · 500 · 0 · 2000 · 0 = 3500
    //   otel attributes  12500 − 10000 − 2000 = 500 · 420 · 0 · 10000 · 2000 = 12920
    //   otlp array       640 · 128 = 768 (ollama llama3.2)
    //   response.completed gpt-5-codex 6000 − 5000 = 1000 · 300 · 100 · 5000 · 0 = 6300
    // input 464+1200+928+25+1000+500+640+1000 = 5757; output 300+900+700+150+500+420+128+300 = 3398
    // reasoning 640+384+100 = 1124; read 1536+3072+2000+10000+5000 = 21608; write 1800+2000 = 3800
    // total 2300+2100+4700+1975+3500+12920+768+6300 = 34563
    expect(tokenTotals(records)).toEqual({
      records: 8,
      calls: 8,
      input: 5757,
      output: 3398,
      reasoning: 1124,
      cacheRead: 21608,
      cacheWrite: 3800,
      cacheWrite5m: 1800,
      cacheWrite1h: 0,
      unattributed: 0,
      total: 34563,
    });
    // skipped: prompt −1 and completion 2.5 (tokens), a plain log line (unknown), a cut-off line (invalid_json)
    // no_usage: an OTel span with attributes but no gen_ai usage
    expect(accounting(summary)).toEqual({
      files: 1,
      lines: 13,
      records: 8,
      skipped: 4,
      reasons: { negative_or_non_integer_tokens: 2, unknown_dialect: 1, invalid_json: 1 },
      noUsage: 1,
      duplicates: 0,
      partial: 0,
    });
    expect(records.map((record) => [record.model, record.provider])).toEqual([
      ['gpt-4o', 'openai'],
      ['o3', 'openai'],
      ['gpt-5', 'openai'],
      ['claude-haiku-4-5', 'anthropic'],
      ['gpt-5', 'openai'],
      ['claude-sonnet-4-5-20250929', 'anthropic'],
      ['llama3.2', 'ollama'],
      ['gpt-5-codex', 'openai'],
    ]);
    // created (unix seconds), RFC 3339, and OTLP nanoseconds (exact to the millisecond)
    expect(records[0]).toMatchObject({ timestamp: 1794391200 * 1000, requestId: 'chatcmpl-CQ1a2b3c' });
    expect(records[4]).toMatchObject({ timestamp: utc('2026-11-11T12:00:00Z'), session: 'conv-otel-9' });
    expect(records[6]?.timestamp).toBe(1794560400123);
  });

  it('subtracts OpenAI cached tokens from the prompt and never adds reasoning to the total', () => {
    const record = recordOf(
      parseLine('provider', {
        model: 'gpt-5',
        created: 1794391200,
        usage: {
          prompt_tokens: 1000,
          completion_tokens: 400,
          total_tokens: 1400,
          prompt_tokens_details: { cached_tokens: 600 },
          completion_tokens_details: { reasoning_tokens: 300 },
        },
      }),
    );
    // fresh 1000 − 600 = 400; output 400 with 300 reasoning inside; total 400+400+600 = 1400 = OpenAI's total
    expect(record).toMatchObject({ inputTokens: 400, cacheReadTokens: 600, outputTokens: 400, reasoningTokens: 300, totalTokens: 1400 });
  });

  it('OTel input includes the cache unless the instrumentation clearly did not include it', () => {
    const inside = recordOf(
      parseLine('provider', { 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 10, 'gen_ai.usage.cache_read.input_tokens': 700 }),
    );
    expect(inside).toMatchObject({ inputTokens: 300, cacheReadTokens: 700, totalTokens: 1010 });
    // 900 cached against 100 input cannot be inside it: read as beside.
    const beside = recordOf(
      parseLine('provider', { 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10, 'gen_ai.usage.cache_read.input_tokens': 900 }),
    );
    expect(beside).toMatchObject({ inputTokens: 100, cacheReadTokens: 900, totalTokens: 1010 });
    // Older attribute names are aliases of the current ones.
    const legacy = recordOf(parseLine('provider', { 'gen_ai.usage.prompt_tokens': 50, 'gen_ai.usage.completion_tokens': 5 }));
    expect(legacy).toMatchObject({ inputTokens: 50, outputTokens: 5 });
  });
});

describe('timestamps', () => {
  it('reads a date-time without an offset as UTC whatever the machine zone', () => {
    const saved = process.env['TZ'];
    try {
      for (const zone of ['Asia/Tokyo', 'America/Los_Angeles']) {
        process.env['TZ'] = zone;
        expect(readTimestamp('2026-11-09 07:00:00')).toBe(Date.UTC(2026, 10, 9, 7));
        expect(readTimestamp('2026-11-09T07:00:00.250')).toBe(Date.UTC(2026, 10, 9, 7, 0, 0, 250));
      }
    } finally {
      if (saved === undefined) delete process.env['TZ'];
      else process.env['TZ'] = saved;
    }
  });

  it('reads seconds, milliseconds, offsets and nanosecond fractions exactly to the millisecond', () => {
    expect(readTimestamp(1793959200)).toBe(1793959200000);
    expect(readTimestamp('1793959200.5')).toBe(1793959200500);
    expect(readTimestamp(1793959200123)).toBe(1793959200123);
    expect(readTimestamp('2026-11-10T15:04:05.123456789Z')).toBe(Date.UTC(2026, 10, 10, 15, 4, 5, 123));
    expect(readTimestamp('2026-11-21T09:15:00+01:00')).toBe(Date.UTC(2026, 10, 21, 8, 15));
    expect(readTimestamp(undefined)).toBeUndefined();
    expect(readTimestamp('')).toBeUndefined();
    expect(readTimestamp('yesterday')).toBeNaN();
    expect(readTimestamp(-5)).toBeNaN();
  });
});

describe('reasoning is a part of output in every dialect', () => {
  it('clamps a source that reports more reasoning than output', () => {
    const record = recordOf(parseLine('lash', { source: 'turn', model: 'x', input_tokens: 1, output_tokens: 10, reasoning_output_tokens: 50 }));
    expect(record).toMatchObject({ outputTokens: 10, reasoningTokens: 10, totalTokens: 11 });
  });

  it('bamboo thinking, Codex reasoning and lash reasoning never enter the total on their own', () => {
    const bamboo = recordOf(parseLine('bamboo', { ts: '2026-11-05T08:00:00Z', model: 'm', input_tokens: 10, output_tokens: 100, thinking_tokens: 60 }));
    expect(bamboo.totalTokens).toBe(110);
    const lash = recordOf(parseLine('lash', { source: 'turn', model: 'm', input_tokens: 10, output_tokens: 100, reasoning_output_tokens: 60 }));
    expect(lash.totalTokens).toBe(110);
  });
});

describe('--format forces a dialect', () => {
  it('reads an ambiguous line as the named dialect instead of the detected one', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'usage-format-'));
    const path = join(directory, 'mixed.jsonl');
    // `role` makes detection pick thane; lash reads `source` from the same line.
    writeFileSync(path, `${JSON.stringify({ source: 'turn', role: 'delegate', model: 'gpt-4o', input_tokens: 10, output_tokens: 5 })}\n`);
    const detected = await readPaths([path]);
    expect(detected.records[0]).toMatchObject({ dialect: 'thane', role: 'delegate', source: null });
    const forced = await readPaths([path], { format: 'lash' });
    expect(forced.records[0]).toMatchObject({ dialect: 'lash', source: 'turn', role: null, totalTokens: 15 });
    expect(forced.summary.recordsByDialect).toEqual({ lash: 1 });
  });

  it('counts lines that do not fit the forced dialect against it', async () => {
    const { summary } = await readPaths([fixture('logs', 'lash')], { format: 'jcode' });
    // None of the 8 lash lines has jcode's `prompt`: all 8 fail its schema (the 1.5 and "ten" lines
    // included, since `prompt` is checked first), and no record comes out.
    expect(summary.records).toBe(0);
    expect(summary.skipped.reasons).toEqual({ schema: 8 });
    expect(summary.skippedByDialect).toEqual({ jcode: 8 });
  });
});

describe('splitting lines across files', () => {
  // Per-line dialects only: Claude de-duplicates across files (tested above) and
  // Codex keeps running totals per file, so a split rollout legitimately differs.
  const files = ['bamboo/7c1e9f20-4a3b-4c2d-9e1f-0a1b2c3d4e5f/token-usage.jsonl', 'jcode/events.jsonl', 'lash/ledger.jsonl', 'kernex/usage.jsonl', 'thane/usage.jsonl', 'provider/usage.jsonl'];

  it.each(files)('%s: any split into two files gives the same totals and counts', async (name) => {
    const path = fixture('logs', ...name.split('/'));
    const whole = await readPaths([path]);
    const text = readFileSync(path, 'utf8');
    const terminated = text.endsWith('\n');
    const lines = text.split('\n');
    if (terminated) lines.pop();
    const directory = mkdtempSync(join(tmpdir(), 'usage-split-'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: lines.length, maxLength: lines.length }), async (sides) => {
        const parts: [string[], string[]] = [[], []];
        for (const [index, line] of lines.entries()) parts[sides[index] ? 1 : 0].push(line);
        const last = lines.length - 1;
        const lastSide = sides[last] ? 1 : 0;
        const bodies = parts.map((part, side) =>
          part.length === 0 ? '' : part.join('\n') + (side === lastSide && !terminated ? '' : '\n'),
        );
        writeFileSync(join(directory, 'a.jsonl'), bodies[0] ?? '');
        writeFileSync(join(directory, 'b.jsonl'), bodies[1] ?? '');
        const split = await readPaths([join(directory, 'a.jsonl'), join(directory, 'b.jsonl')]);
        expect(tokenTotals(split.records)).toEqual(tokenTotals(whole.records));
        expect(split.summary.skipped).toEqual(whole.summary.skipped);
        expect(split.summary.noUsageLines).toBe(whole.summary.noUsageLines);
        expect(split.summary.partialLines).toBe(whole.summary.partialLines);
      }),
      { numRuns: 25 },
    );
  });
});

describe('analyze with the fixtures', () => {
  it('leaves undated records out only when a date range is asked for', async () => {
    const { sources } = await discoverFiles([fixture('logs', 'kernex')]);
    const open = await analyze(sources, totalsReducer);
    expect(open.state.records).toBe(5);
    // 2026-11-01 ≤ t < 2026-12-01: the two rows of 11-09 and the one of 11-10 are in; 10-27 is out; one row is undated.
    const bounded = await analyze(sources, totalsReducer, { range: { start: utc('2026-11-01T00:00:00Z'), end: utc('2026-12-01T00:00:00Z') } });
    expect(bounded.state.records).toBe(3);
    // 1500 + 800 + 700
    expect(bounded.state.totalTokens).toBe(3000);
    expect(bounded.excluded).toEqual({ outOfRange: 1, undated: 1 });
  });
});

describe('readTimestamp on ISO strings', () => {
  // The fast path for `YYYY-MM-DDTHH:MM:SS[.sss]Z` must give what Date.parse gives, or defer to it.
  const pad = (value: number, width: number): string => String(value).padStart(width, '0');
  it('agrees with Date.parse, in range and out of it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.option(fc.integer({ min: 0, max: 999 })),
        (year, month, day, hour, minute, second, millisecond) => {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${millisecond === null ? '' : `.${pad(millisecond, 3)}`}Z`;
          // A day the month does not have is invalid, where Date.parse rolls it over (issue 13, case 7).
          const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
          const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
          expect(readTimestamp(text)).toEqual(month >= 1 && month <= 12 && day > days ? Number.NaN : Date.parse(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects instants outside the years 0000 to 9999', () => {
    expect(readTimestamp(1e17)).toBeNaN();
    expect(readTimestamp('+011476-08-15T00:00:00Z')).toBeNaN();
    expect(readTimestamp('-000001-12-31T00:00:00Z')).toBeNaN();
    expect(readTimestamp('9999-12-31T23:59:59.999Z')).toBe(253_402_300_799_999);
    expect(readTimestamp('0000-01-01T00:00:00Z')).toBe(-62_167_219_200_000);
  });

  it('rejects days the month does not have, and reads the fraction exactly', () => {
    expect(readTimestamp('2026-02-30T00:00:00Z')).toBeNaN();
    expect(readTimestamp('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(readTimestamp('2026-11-05T08:02:10.250Z')).toBe(Date.UTC(2026, 10, 5, 8, 2, 10, 250));
    expect(readTimestamp('0050-01-01T00:00:00Z')).toBe(Date.parse('0050-01-01T00:00:00Z'));
  });
});
