/**
 * Amp: the fixture is a home folder (`fixtures/logs/amp`) with a current
 * thread (usage on messages, plus a ledger event for the same call) and a
 * legacy thread (usage only in the ledger). Totals worked out by hand.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amp } from '../src/dialects/amp.js';
import { accounting, count, ingestFolder, readDocumentFile, type Settled, sumTokens } from './helpers/agent-logs.js';
import { fixture } from './helpers/cli.js';

const THREADS = fixture('logs', 'amp', '.local', 'share', 'amp', 'threads');
const CURRENT = join(THREADS, 'T-5f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f.json');
const LEGACY = join(THREADS, 'T-0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d.json');

async function readAll(): Promise<Settled[]> {
  return [...(await readDocumentFile(amp, CURRENT)), ...(await readDocumentFile(amp, LEGACY))];
}

describe('amp fixture', () => {
  it('counts a model call once whether the message, the ledger or both record it', async () => {
    const counted = count(await readAll());
    // Current thread (message usage):
    //   #1 claude-sonnet-4-5  in 10 (fresh: 10+6904+16371 = 23285 = totalInputTokens) · write 6904 · read 16371 · out 220 → 23505
    //   #3 gpt-5              in 12000−9000 = 3000 (total input 12000 = inputTokens: cache inside) · read 9000 · out 800 → 12800
    //   ledger event ev-7b2c → message #1 again: duplicate
    // Legacy thread (ledger only): event-1 in 100 · out 50 → 150; event-3 in 40 · out 10 → 50
    // input 10+3000+100+40 = 3150; read 16371+9000 = 25371; write 6904; output 220+800+50+10 = 1080
    // total 23505+12800+150+50 = 36505 (= 3150+25371+6904+1080)
    expect(sumTokens(counted.records)).toEqual({
      records: 4,
      input: 3150,
      output: 1080,
      reasoning: 0,
      cacheRead: 25371,
      cacheWrite: 6904,
      unattributed: 0,
      total: 36505,
    });
    expect(counted.duplicates).toBe(1);
    // #5 outputTokens −4; event-2 timestamp "yesterday".
    expect(counted.invalid).toEqual({ negative_or_non_integer_tokens: 1, invalid_timestamp: 1 });
    // no_usage: current: 2 user messages, #7 still streaming = 3; legacy: 4 messages without usage = 7.
    expect(counted.noUsage).toBe(7);
  });

  it('maps identity: thread id as session, workspace tree as project, credits as recorded cost', async () => {
    const { records } = count(await readAll());
    expect(records[0]).toMatchObject({
      dialect: 'amp',
      model: 'claude-sonnet-4-5-20250929',
      provider: 'anthropic',
      session: 'T-5f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f',
      project: 'billing',
      projectPath: '/home/dev/billing',
      timestamp: Date.parse('2026-11-27T13:00:09.743Z'),
      recordedCostUsd: 0.0712,
      cacheReported: true,
    });
    expect(records[2]).toMatchObject({
      session: 'T-0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d',
      project: null,
      timestamp: Date.parse('2026-11-24T10:00:00.000Z'),
      recordedCostUsd: 0.0004,
      cacheReported: false,
    });
    // credits 0: nothing recorded, priced from tokens instead.
    expect(records[3]).toMatchObject({ recordedCostUsd: null });
  });

  it('times a message without its own timestamp by its ledger event, else the thread', () => {
    const thread = {
      id: 'T-x',
      created: Date.parse('2026-01-01T00:00:00Z'),
      messages: [
        { role: 'assistant', messageId: 1, usage: { model: 'm', inputTokens: 1, outputTokens: 1 } },
        { role: 'assistant', messageId: 2, usage: { model: 'm', inputTokens: 1, outputTokens: 1 } },
      ],
      usageLedger: { events: [{ id: 'e', timestamp: '2026-01-02T00:00:00Z', model: 'm', tokens: { input: 1, output: 1 }, toMessageId: 1 }] },
    };
    const outcomes = [...(amp.readDocument?.(thread, { path: 'T-x.json' }) ?? [])];
    expect(outcomes.map((outcome) => (outcome.kind === 'record' ? outcome.record.timestamp : outcome.kind))).toEqual([
      Date.parse('2026-01-02T00:00:00Z'),
      Date.parse('2026-01-01T00:00:00Z'),
      'duplicate',
    ]);
  });

  it('looks in ~/.local/share/amp/threads, or under $XDG_DATA_HOME, for T-*.json only', () => {
    expect(amp.locations({ home: '/home/dev', variables: {}, platform: 'linux' })).toEqual([
      { path: join('/home/dev', '.local', 'share', 'amp', 'threads'), description: 'Amp' },
    ]);
    expect(amp.locations({ home: '/home/dev', variables: { XDG_DATA_HOME: '/d' }, platform: 'linux' })).toEqual([
      { path: join('/d', 'amp', 'threads'), description: 'Amp ($XDG_DATA_HOME)' },
    ]);
    expect(amp.fileNames?.test('T-5f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f.json')).toBe(true);
    expect(amp.fileNames?.test('settings.json')).toBe(false);
  });

  it('counts each call once however many ledger events repeat message usage', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ input: fc.integer({ min: 0, max: 10_000_000 }), output: fc.integer({ min: 0, max: 10_000_000 }), ledger: fc.boolean() }), { maxLength: 8 }), (calls) => {
        const thread = {
          id: 'T-p',
          created: 0,
          messages: calls.map((call, index) => ({
            role: 'assistant',
            messageId: index,
            usage: { model: 'claude-sonnet-4-5', inputTokens: call.input, outputTokens: call.output, timestamp: '2026-01-01T00:00:00Z' },
          })),
          usageLedger: {
            events: calls.flatMap((call, index) =>
              call.ledger ? [{ id: `e${index}`, timestamp: '2026-01-01T00:00:00Z', model: 'claude-sonnet-4-5', tokens: { input: call.input, output: call.output }, toMessageId: index }] : [],
            ),
          },
        };
        const outcomes = [...(amp.readDocument?.(thread, { path: 'T-p.json' }) ?? [])];
        const total = outcomes.reduce((sum, outcome) => sum + (outcome.kind === 'record' ? outcome.record.totalTokens : 0), 0);
        expect(total).toBe(calls.reduce((sum, call) => sum + call.input + call.output, 0));
        expect(outcomes.filter((outcome) => outcome.kind === 'duplicate')).toHaveLength(calls.filter((call) => call.ledger).length);
      }),
    );
  });

  it('reads the fixture home end to end through discovery and ingest: the same totals as the document reader above', async () => {
    const { records, summary } = await ingestFolder(fixture('logs', 'amp'));
    expect(sumTokens(records)).toEqual({ records: 4, input: 3150, output: 1080, reasoning: 0, cacheRead: 25371, cacheWrite: 6904, unattributed: 0, total: 36505 });
    expect(accounting(summary)).toEqual({
      files: 2,
      // entries: current thread 6 messages + 1 ledger event; legacy 4 messages + 3 events = 14
      lines: 14,
      records: 4,
      skipped: { negative_or_non_integer_tokens: 1, invalid_timestamp: 1 },
      noUsage: 7,
      duplicates: 1,
      unreadable: 0,
    });
    expect(new Set(records.map((record) => `${record.dialect}/${record.agent}`))).toEqual(new Set(['amp/amp']));
  });
});
