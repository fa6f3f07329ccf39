/**
 * Gemini CLI: the fixture is a home folder (`fixtures/logs/gemini`) holding
 * one session in both forms (the `.json` document and the `.jsonl` it was
 * migrated into when resumed), an older hash-named project and a sub-agent.
 * Expected totals are worked out by hand in the comments.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { geminiCli } from '../src/dialects/gemini-cli.js';
import { accounting, count, ingestFolder, readDocumentFile, readLines, type Settled, sumTokens } from './helpers/agent-logs.js';
import { fixture } from './helpers/cli.js';

const TMP = fixture('logs', 'gemini', '.gemini', 'tmp');
const HASH = '3c5e7a9b1d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c';
const DOCUMENT = join(TMP, 'webapp', 'chats', 'session-2026-11-21T09-00-a1b2c3d4.json');
const MIGRATED = join(TMP, 'webapp', 'chats', 'session-2026-11-21T09-00-a1b2c3d4.jsonl');
const NATIVE = join(TMP, HASH, 'chats', 'session-2026-11-21T14-30-f0e1d2c3.jsonl');
const SUBAGENT = join(TMP, HASH, 'chats', 'f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f', '7d6c5b4a-3921-4f8e-a7d6-c5b4a3928170.jsonl');

async function readAll(): Promise<Settled[]> {
  return [
    ...(await readDocumentFile(geminiCli, DOCUMENT)),
    ...(await readLines(geminiCli, MIGRATED)),
    ...(await readLines(geminiCli, NATIVE)),
    ...(await readLines(geminiCli, SUBAGENT)),
  ];
}

describe('gemini-cli fixture', () => {
  it('counts each response once across the document and its JSON-lines copy', async () => {
    const counted = count(await readAll());
    // Records (input = input − cached + tool; output = output + thoughts; reasoning = thoughts):
    //   g-0001  12312−3809+0 = 8503 · out 172+525 = 697 (525) · read 3809 → 13009
    //   g-0002  9315−0       = 9315 · out 61+507  = 568 (507) · read 0    →  9883
    //   g-0004  8000−6000+250 = 2250 · out 100              · read 6000 →  8350
    //   g-0005  15000−12000  = 3000 · out 300+200 = 500 (200) · read 12000 → 15500
    //   g-0101  5000−0       = 5000 · out 80+40   = 120 (40)  · read 0    →  5120
    //   g-0201  3000−1000    = 2000 · out 50               · read 1000 →  3050
    // input 8503+9315+2250+3000+5000+2000 = 30068; output 697+568+100+500+120+50 = 2035
    // reasoning 525+507+200+40 = 1272; read 3809+6000+12000+1000 = 22809
    // total 13009+9883+8350+15500+5120+3050 = 54912 (= 30068+2035+22809), each equal to the file's own `total`
    expect(sumTokens(counted.records)).toEqual({
      records: 6,
      input: 30068,
      output: 2035,
      reasoning: 1272,
      cacheRead: 22809,
      cacheWrite: 0,
      unattributed: 0,
      total: 54912,
    });
    // Duplicates: g-0001, g-0002, g-0004 copied into the .jsonl on resume, and
    // g-0005 written again with its tool calls = 4.
    expect(counted.duplicates).toBe(4);
    // Malformed: g-0003 (input −5) in the document and again in its copy; the
    // cut-off g-0006 line; g-0102 "not a time".
    expect(counted.invalid).toEqual({ negative_or_non_integer_tokens: 2, invalid_json: 1, invalid_timestamp: 1 });
    // no_usage: document user + info = 2; migrated: metadata, user, info, $set×4
    // (one holding the whole messages array), user, g-0005 without tokens,
    // $rewindTo = 10; native: metadata, user, g-0101 without tokens, $set = 4;
    // sub-agent: metadata, user = 2. 2+10+4+2 = 18.
    expect(counted.noUsage).toBe(18);
  });

  it('names the session after sessionId and the project after the folder under tmp/', async () => {
    const { records } = count(await readAll());
    expect(records[0]).toMatchObject({
      dialect: 'gemini-cli',
      model: 'gemini-3-flash-preview',
      provider: 'google',
      session: 'a1b2c3d4-5e6f-4a70-8b91-c2d3e4f5a6b7',
      project: 'webapp',
      timestamp: Date.parse('2026-11-21T09:00:14.480Z'),
      cacheReported: true,
    });
    // The resumed part keeps the session id; the sub-agent has its own and
    // belongs to its parent's (hash-named) project folder.
    expect(records[3]).toMatchObject({ session: 'a1b2c3d4-5e6f-4a70-8b91-c2d3e4f5a6b7', project: 'webapp' });
    expect(records[4]).toMatchObject({ session: 'f0e1d2c3-b4a5-4697-8879-6a5b4c3d2e1f', project: HASH });
    expect(records[5]).toMatchObject({ session: '7d6c5b4a-3921-4f8e-a7d6-c5b4a3928170', project: HASH });
  });

  it('never counts the messages a $set repeats, even without the lines before it', () => {
    const parser = geminiCli.createParser?.({ path: 'session.jsonl' });
    const outcome = parser?.({ $set: { messages: [{ id: 'x', type: 'gemini', timestamp: '2026-11-21T09:00:00Z', tokens: { input: 5, output: 5 } }] } });
    expect(outcome).toEqual({ kind: 'no_usage' });
  });

  it('reads a document that is not a session as one malformed entry', async () => {
    const outcomes = [...(geminiCli.readDocument?.({ sessionId: 's', messages: 'none' }, { path: 'session-x.json' }) ?? [])];
    expect(outcomes).toEqual([{ kind: 'invalid', reason: 'schema', detail: 'messages: expected an array' }]);
  });

  it('looks in ~/.gemini/tmp, or under $GEMINI_CLI_HOME when it is set', () => {
    expect(geminiCli.locations({ home: '/home/dev', variables: {}, platform: 'linux' })).toEqual([
      { path: join('/home/dev', '.gemini', 'tmp'), description: 'Gemini CLI' },
    ]);
    expect(geminiCli.locations({ home: '/home/dev', variables: { GEMINI_CLI_HOME: '/srv/g' }, platform: 'linux' })).toEqual([
      { path: join('/srv/g', '.gemini', 'tmp'), description: 'Gemini CLI ($GEMINI_CLI_HOME)' },
    ]);
  });

  it('reads only session documents by name', () => {
    expect(geminiCli.fileNames?.test('session-2026-11-21T09-00-a1b2c3d4.json')).toBe(true);
    expect(geminiCli.fileNames?.test('checkpoint-mytag.json')).toBe(false);
    expect(geminiCli.fileNames?.test('logs.json')).toBe(false);
  });

  it('keeps the file\'s own total and a reasoning share no larger than output, for any counts', () => {
    const parse = geminiCli.createParser?.({ path: 'session-x.jsonl' });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), (prompt, candidates, cachedSeed, thoughts, tool) => {
        const cached = Math.min(cachedSeed, prompt);
        const total = prompt + candidates + thoughts + tool;
        const tokens = { input: prompt, output: candidates, cached, thoughts, tool, total };
        const outcome = parse?.({ id: 'g', timestamp: '2026-11-21T09:00:00Z', type: 'gemini', content: '', tokens, model: 'gemini-2.5-pro' });
        if (outcome?.kind !== 'record') throw new Error(`expected a record, got ${outcome?.kind}`);
        expect(outcome.record.totalTokens).toBe(total);
        expect(outcome.record.cacheReadTokens).toBe(cached);
        expect(outcome.record.reasoningTokens).toBeLessThanOrEqual(outcome.record.outputTokens);
      }),
    );
  });

  it('reads the fixture home end to end through discovery and ingest: the same totals and line accounting as the readers above', async () => {
    const { records, summary } = await ingestFolder(fixture('logs', 'gemini'));
    expect(sumTokens(records)).toEqual({ records: 6, input: 30068, output: 2035, reasoning: 1272, cacheRead: 22809, cacheWrite: 0, unattributed: 0, total: 54912 });
    expect(accounting(summary)).toEqual({
      files: 4,
      // entries: document 6 messages; migrated .jsonl 17 lines; native 6; sub-agent 3 = 32
      lines: 32,
      records: 6,
      skipped: { negative_or_non_integer_tokens: 2, invalid_json: 1, invalid_timestamp: 1 },
      noUsage: 18,
      duplicates: 4,
      unreadable: 0,
    });
    expect(new Set(records.map((record) => `${record.dialect}/${record.agent}`))).toEqual(new Set(['gemini-cli/gemini-cli']));
  });
});
