/**
 * GitHub Copilot CLI: the fixture is a home folder (`fixtures/logs/copilot`)
 * with one OpenTelemetry file export: two agent turns (traces), a sub-agent,
 * the summary spans that repeat their chat spans' usage, a metric, a span the
 * exporter wrote twice and malformed spans. Totals worked out by hand.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copilotCli, readHighResolutionTime } from '../src/dialects/copilot-cli.js';
import { accounting, count, ingestFolder, readLines, sumTokens } from './helpers/agent-logs.js';
import { fixture } from './helpers/cli.js';

const EXPORT = fixture('logs', 'copilot', '.copilot', 'otel', 'copilot-otel.jsonl');

describe('copilot-cli fixture', () => {
  it('counts chat spans only, never the invoke_agent spans that repeat their sum', async () => {
    const counted = count(await readLines(copilotCli, EXPORT));
    // chat spans (input = input_tokens − cache read − cache write):
    //   claude-sonnet-4.5  19452−123      = 19329 · read 123  · out 281 (128 reasoning) → 19733
    //   gpt-5-mini         10000−8000     =  2000 · read 8000 · out 500 (320)           → 10500
    //   claude-haiku-4.5   3000−0−1200    =  1800 · write 1200 · out 40 (sub-agent)     →  3040
    //   claude-sonnet-4.5  5000−4000      =  1000 · read 4000 · out 60                  →  5060
    // input 19329+2000+1800+1000 = 24129; read 123+8000+4000 = 12123; write 1200
    // output 281+500+40+60 = 881; reasoning 128+320 = 448
    // total 19733+10500+3040+5060 = 38333 (= 24129+12123+1200+881)
    // Counting the invoke_agent spans too would add 29452+781 + 3000+40 + 8000+100 more.
    expect(sumTokens(counted.records)).toEqual({
      records: 4,
      input: 24129,
      output: 881,
      reasoning: 448,
      cacheRead: 12123,
      cacheWrite: 1200,
      unattributed: 0,
      total: 38333,
    });
    // The second copy of span c0ffee0000000003.
    expect(counted.duplicates).toBe(1);
    // input_tokens −1; endTime [s, "x"]; the last line cut off.
    expect(counted.invalid).toEqual({ negative_or_non_integer_tokens: 1, invalid_timestamp: 1, invalid_json: 1 });
    // no_usage: execute_tool, 3 invoke_agent (2 turns + the sub-agent's), the metric,
    // the rate-limited chat span without usage = 6.
    expect(counted.noUsage).toBe(6);
  });

  it('maps identity: end time from [seconds, nanoseconds], conversation id, provider from the model', async () => {
    const { records } = count(await readLines(copilotCli, EXPORT));
    expect(records[0]).toMatchObject({
      dialect: 'copilot-cli',
      model: 'claude-sonnet-4.5',
      provider: 'anthropic',
      session: 'b5e0c7a2-1f3d-4e6a-9b8c-2d4f6a8c0e1b',
      requestId: 'msg_01XYZ',
      // endTime [1795770004, 967317833] → 1795770004 s + 967 ms
      timestamp: 1_795_770_004_967,
      cacheReported: true,
    });
    expect(records[1]).toMatchObject({ provider: 'openai', model: 'gpt-5-mini' });
    expect(records[3]).toMatchObject({ session: null });
  });

  it('reads high-resolution times exactly and rejects anything else', () => {
    expect(readHighResolutionTime([1, 999_999_999])).toBe(1999);
    expect(readHighResolutionTime(undefined)).toBeUndefined();
    expect(readHighResolutionTime([1, 1_000_000_000])).toBeNaN();
    expect(readHighResolutionTime('2026-11-27T10:00:00Z')).toBeNaN();
  });

  it('leaves OTLP/JSON spans (attribute arrays, *UnixNano times) to the provider dialect', () => {
    expect(
      copilotCli.detect({ name: 'chat llama3.2', traceId: 't', spanId: 's', endTimeUnixNano: '1', attributes: [] }),
    ).toBe(false);
    expect(copilotCli.detect({ traceId: 't', spanId: 's', name: 'chat x', endTime: [1, 0], attributes: {} })).toBe(true);
  });

  it('looks in ~/.copilot/otel, $COPILOT_HOME/otel and the file $COPILOT_OTEL_FILE_EXPORTER_PATH', () => {
    expect(copilotCli.locations({ home: '/home/dev', variables: {}, platform: 'linux' })).toEqual([
      { path: join('/home/dev', '.copilot', 'otel'), description: 'GitHub Copilot CLI' },
    ]);
    expect(
      copilotCli.locations({
        home: '/home/dev',
        variables: { COPILOT_OTEL_FILE_EXPORTER_PATH: '/tmp/otel.jsonl', COPILOT_HOME: '/c' },
        platform: 'linux',
      }),
    ).toEqual([
      { path: '/tmp/otel.jsonl', description: 'GitHub Copilot CLI ($COPILOT_OTEL_FILE_EXPORTER_PATH)' },
      { path: join('/c', 'otel'), description: 'GitHub Copilot CLI ($COPILOT_HOME)' },
    ]);
  });

  it('reads any [seconds, nanoseconds] pair to the millisecond, never rounding up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799 }), fc.integer({ min: 0, max: 999_999_999 }), (seconds, nanoseconds) => {
        expect(readHighResolutionTime([seconds, nanoseconds])).toBe(seconds * 1000 + Math.floor(nanoseconds / 1_000_000));
      }),
    );
  });

  it('reads the fixture home end to end through discovery and ingest: no invoke_agent span reaches the provider dialect', async () => {
    const { records, summary } = await ingestFolder(fixture('logs', 'copilot'));
    expect(sumTokens(records)).toEqual({ records: 4, input: 24129, output: 881, reasoning: 448, cacheRead: 12123, cacheWrite: 1200, unattributed: 0, total: 38333 });
    expect(accounting(summary)).toEqual({
      files: 1,
      lines: 14,
      records: 4,
      skipped: { negative_or_non_integer_tokens: 1, invalid_timestamp: 1, invalid_json: 1 },
      noUsage: 6,
      duplicates: 1,
      unreadable: 0,
    });
    expect(new Set(records.map((record) => `${record.dialect}/${record.agent}`))).toEqual(new Set(['copilot-cli/copilot-cli']));
  });
});
