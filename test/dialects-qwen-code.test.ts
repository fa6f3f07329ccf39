/**
 * Qwen Code: the fixture is a home folder (`fixtures/logs/qwen`) with one
 * session and a `/branch` of it that copies its first records verbatim.
 * Expected totals are worked out by hand in the comments.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { qwenCode } from '../src/dialects/qwen-code.js';
import { accounting, count, ingestFolder, readLines, type Settled, sumTokens } from './helpers/agent-logs.js';
import { fixture } from './helpers/cli.js';

const CHATS = fixture('logs', 'qwen', '.qwen', 'projects', '-home-dev-api', 'chats');
const SESSION = join(CHATS, '3f2a9c1e-7b4d-4e8a-9c6f-1d2e3f4a5b6c.jsonl');
const BRANCH = join(CHATS, '8e7d6c5b-4a39-4281-b7c6-d5e4f3a2b1c0.jsonl');

async function readAll(): Promise<Settled[]> {
  return [...(await readLines(qwenCode, SESSION)), ...(await readLines(qwenCode, BRANCH))];
}

describe('qwen-code fixture', () => {
  it('counts each assistant record once, never the telemetry that repeats it', async () => {
    const counted = count(await readAll());
    // Records (input = prompt − cached; thoughts inside the candidates unless the total adds them):
    //   a-01  12414−0    = 12414 · out 76 (39 reasoning, 12414+76 = 12490 = total: inside) → 12490
    //   a-02  6372−4864  =  1508 · read 4864 · out 205 (50 inside: 6372+205 = 6577)     →  6577
    //   a-03  3000−1000  =  2000 · read 1000 · out 100+60 = 160 (3000+100+60 = 3160 = total: beside) → 3160
    //   a-04  800                · out 40 (no total, no cache count)                   →   840
    //   a-05  2000−0     =  2000 · out 30 (sub-agent, sidechain)                       →  2030
    //   a-08  only totalTokenCount 500 → unattributed 500                               →   500
    //   a-07  1000−500   =   500 · read 500 · out 20 (the branch's own call)            →  1020
    // input 12414+1508+2000+800+2000+500 = 19222; read 4864+1000+500 = 6364
    // output 76+205+160+40+30+20 = 531; reasoning 39+50+60 = 149
    // total 12490+6577+3160+840+2030+500+1020 = 26617 (= 19222+6364+531+500)
    expect(sumTokens(counted.records)).toEqual({
      records: 7,
      input: 19222,
      output: 531,
      reasoning: 149,
      cacheRead: 6364,
      cacheWrite: 0,
      unattributed: 500,
      total: 26617,
    });
    // The branch copies a-01 and a-02 with the same uuid: 2 duplicates.
    expect(counted.duplicates).toBe(2);
    // promptTokenCount "12" (a string) in a-06; a-09 cut off mid-line.
    expect(counted.invalid).toEqual({ schema: 1, invalid_json: 1 });
    // no_usage: session: user, tool_result, ui_telemetry (its api_response
    // repeats a-02's counts), chat_compression = 4; branch: user, tool_result
    // copies and the new user record = 3.
    expect(counted.noUsage).toBe(7);
  });

  it('takes session from sessionId and project from the recorded cwd, before the folder it was encoded into', async () => {
    const { records } = count(await readAll());
    expect(records[0]).toMatchObject({
      dialect: 'qwen-code',
      model: 'qwen3-coder-plus',
      provider: 'alibaba',
      session: '3f2a9c1e-7b4d-4e8a-9c6f-1d2e3f4a5b6c',
      // cwd /home/dev/api: its last segment, the same name Claude Code and Codex give it.
      project: 'api',
      projectPath: '/home/dev/api',
      timestamp: Date.parse('2026-11-23T08:00:06.412Z'),
      cacheReported: true,
    });
    expect(records[3]).toMatchObject({ model: 'qwen3-coder-plus', cacheReported: false });
    expect(records[6]).toMatchObject({ session: '8e7d6c5b-4a39-4281-b7c6-d5e4f3a2b1c0' });
  });

  it('outside a projects/ tree, names the project after the last segment of cwd', () => {
    const parse = qwenCode.createParser?.({ path: '-' });
    const outcome = parse?.({
      uuid: 'x',
      sessionId: 's',
      timestamp: '2026-11-23T08:00:00Z',
      type: 'assistant',
      cwd: '/home/dev/shop',
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 2 },
    });
    expect(outcome).toMatchObject({ kind: 'record', record: { project: 'shop', inputTokens: 10, outputTokens: 2 } });
  });

  it('without a cwd, decodes the folder under projects/ (-home-dev-shop is /home/dev/shop)', () => {
    const parse = qwenCode.createParser?.({ path: join('/q', 'projects', '-home-dev-shop', 'chats', 's.jsonl') });
    const outcome = parse?.({ uuid: 'x', sessionId: 's', timestamp: '2026-11-23T08:00:00Z', type: 'assistant', usageMetadata: { promptTokenCount: 1 } });
    expect(outcome).toMatchObject({ kind: 'record', record: { project: 'shop', projectPath: '/home/dev/shop' } });
  });

  it('normalises the recorded cwd as every agent does (trailing separator, Windows drive)', () => {
    const parse = qwenCode.createParser?.({ path: '-' });
    const line = (cwd: string) =>
      parse?.({ uuid: 'x', sessionId: 's', timestamp: '2026-11-23T08:00:00Z', type: 'assistant', cwd, usageMetadata: { promptTokenCount: 1 } });
    expect(line('/home/dev/shop/')).toMatchObject({ record: { project: 'shop', projectPath: '/home/dev/shop' } });
    expect(line('c:\\Users\\a\\app')).toMatchObject({ record: { project: 'app', projectPath: 'C:/Users/a/app' } });
  });

  it('claims Qwen lines that Claude Code lines never look like', () => {
    expect(qwenCode.detect({ type: 'user', uuid: 'u', message: { role: 'user', parts: [] } })).toBe(true);
    expect(qwenCode.detect({ type: 'user', uuid: 'u', message: { role: 'user', content: 'hi' } })).toBe(false);
    // A raw Gemini API response is not a Qwen record.
    expect(qwenCode.detect({ candidates: [], usageMetadata: { promptTokenCount: 1 } })).toBe(false);
  });

  it('looks in ~/.qwen/projects, or under $QWEN_RUNTIME_DIR / $QWEN_HOME', () => {
    const environment = (variables: Record<string, string>) => ({ home: '/home/dev', variables, platform: 'linux' });
    expect(qwenCode.locations(environment({}))).toEqual([{ path: join('/home/dev', '.qwen', 'projects'), description: 'Qwen Code' }]);
    expect(qwenCode.locations(environment({ QWEN_HOME: '/q' }))).toEqual([{ path: join('/q', 'projects'), description: 'Qwen Code ($QWEN_HOME)' }]);
    expect(qwenCode.locations(environment({ QWEN_HOME: '/q', QWEN_RUNTIME_DIR: '/r' }))).toEqual([
      { path: join('/r', 'projects'), description: 'Qwen Code ($QWEN_RUNTIME_DIR)' },
    ]);
  });

  it('agrees with totalTokenCount whichever converter wrote it', () => {
    const parse = qwenCode.createParser?.({ path: 'x.jsonl' });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.boolean(), (prompt, candidates, cachedSeed, thoughtsSeed, beside) => {
        const cached = Math.min(cachedSeed, prompt);
        // OpenAI-compatible: thoughts inside candidates; Gemini API: beside them.
        const thoughts = beside ? Math.max(1, thoughtsSeed) : Math.min(thoughtsSeed, candidates);
        const total = prompt + candidates + (beside ? thoughts : 0);
        const usageMetadata = { promptTokenCount: prompt, candidatesTokenCount: candidates, thoughtsTokenCount: thoughts, cachedContentTokenCount: cached, totalTokenCount: total };
        const outcome = parse?.({ uuid: 'u', sessionId: 's', timestamp: '2026-11-23T08:00:00Z', type: 'assistant', usageMetadata, model: 'qwen3-coder-plus' });
        if (outcome?.kind !== 'record') throw new Error(`expected a record, got ${outcome?.kind}`);
        expect(outcome.record.totalTokens).toBe(total);
        expect(outcome.record.reasoningTokens).toBe(Math.min(thoughts, outcome.record.outputTokens));
      }),
    );
  });

  it('reads the fixture home end to end through discovery and ingest: every line detected as Qwen Code, none lost to the Claude Code reader', async () => {
    const { records, summary } = await ingestFolder(fixture('logs', 'qwen'));
    expect(sumTokens(records)).toEqual({ records: 7, input: 19222, output: 531, reasoning: 149, cacheRead: 6364, cacheWrite: 0, unattributed: 500, total: 26617 });
    expect(accounting(summary)).toEqual({ files: 2, lines: 11 + 7, records: 7, skipped: { schema: 1, invalid_json: 1 }, noUsage: 7, duplicates: 2, unreadable: 0 });
    expect(new Set(records.map((record) => `${record.dialect}/${record.agent}`))).toEqual(new Set(['qwen-code/qwen-code']));
  });
});
