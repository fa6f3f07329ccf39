import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRecord, type DialectName, type PricedRecord } from '../src/core/record.js';
import type { IngestSummary } from '../src/ingest/ingest.js';
import { blocksReducer, buildBlocks, describeActiveBlock, findActiveBlock } from '../src/reducers/blocks.js';
import { reduceAll } from '../src/reducers/reducer.js';
import { buildBlocksReport, selectRows } from '../src/reports/blocks.js';

function priced(iso: string, model: string, input: number, output: number, cost: number | null, dialect: DialectName = 'claude'): PricedRecord {
  const record = createRecord({ dialect, timestamp: Date.parse(iso), model, cacheReported: true }, { inputTokens: input, outputTokens: output });
  return { ...record, costUsd: cost, calculatedCostUsd: cost, costSource: cost === null ? 'unknown' : 'calculated' };
}

const SUMMARY: IngestSummary = {
  files: 1,
  bytes: 0,
  lines: 0,
  records: 0,
  recordsByDialect: {},
  skipped: { lines: 0, reasons: {} },
  skippedByDialect: {},
  noUsageLines: 0,
  duplicateLines: 0,
  partialLines: 0,
  problems: [],
  unreadable: [],
};

// Three blocks on 2026-11-10 (UTC):
// block 1 09:00–14:00: 09:20 (1000 tokens, $0.10, A), 10:59 (2000, $0.20, B), 13:59:30 (500, $0.05, A)
//   → 3500 tokens, $0.35, models B (2000) then A (1500)
// block 2 14:00–19:00: 14:00:00 exactly at block 1's end (300, $0.03) — a new block with no gap
// gap 19:00–21:00
// block 3 21:00–02:00: 21:45 (600, $0.06), 22:10 (900, $0.09), 22:25 (300, $0.03) → 1800 tokens, $0.18
const RECORDS = [
  priced('2026-11-10T09:20:00Z', 'A', 600, 400, 0.1),
  priced('2026-11-10T10:59:00Z', 'B', 1500, 500, 0.2),
  priced('2026-11-10T13:59:30Z', 'A', 300, 200, 0.05),
  priced('2026-11-10T14:00:00Z', 'A', 200, 100, 0.03),
  priced('2026-11-10T21:45:00Z', 'A', 400, 200, 0.06),
  priced('2026-11-10T22:10:00Z', 'A', 600, 300, 0.09),
  priced('2026-11-10T22:25:00Z', 'A', 200, 100, 0.03),
  // Codex draws from no Claude window: left out, and counted as left out.
  priced('2026-11-10T22:26:00Z', 'gpt-5', 9999, 1, 1, 'codex'),
];
const NOW = Date.parse('2026-11-10T22:30:00Z');

describe('blocks', () => {
  it('starts a block at the first call floored to the hour, a new one at or after its end, and shows gaps', () => {
    const state = reduceAll(blocksReducer, RECORDS);
    expect(state.otherAgents).toBe(1);
    const rows = buildBlocks(state);
    expect(rows.map((row) => [row.kind, new Date(row.start).toISOString(), new Date(row.end).toISOString()])).toEqual([
      ['block', '2026-11-10T09:00:00.000Z', '2026-11-10T14:00:00.000Z'],
      ['block', '2026-11-10T14:00:00.000Z', '2026-11-10T19:00:00.000Z'],
      ['gap', '2026-11-10T19:00:00.000Z', '2026-11-10T21:00:00.000Z'],
      ['block', '2026-11-10T21:00:00.000Z', '2026-11-11T02:00:00.000Z'],
    ]);
    const [first] = rows;
    if (first?.kind !== 'block') throw new Error('expected a block');
    expect(first.totals.totalTokens).toBe(3500);
    expect(first.totals.calls).toBe(3);
    expect(first.totals.costUsd).toBeCloseTo(0.35, 10);
    expect(first.models).toEqual(['B', 'A']);
  });

  it('selects whole blocks for a date range, never moving a block start to the range start', () => {
    const rows = buildBlocks(reduceAll(blocksReducer, RECORDS));
    // From 10:00 (inside block 1) to 20:00 (inside the gap): blocks 1 and 2 overlap it; the gap at the end is dropped.
    const kept = selectRows(rows, { now: NOW, range: { start: Date.parse('2026-11-10T10:00:00Z'), end: Date.parse('2026-11-10T20:00:00Z') } });
    expect(kept.map((row) => [row.kind, new Date(row.start).toISOString()])).toEqual([
      ['block', '2026-11-10T09:00:00.000Z'],
      ['block', '2026-11-10T14:00:00.000Z'],
    ]);
    // From 22:00 on (inside block 3): block 3 whole, still starting at 21:00 with all three of its calls (1800 tokens).
    const late = selectRows(rows, { now: NOW, range: { start: Date.parse('2026-11-10T22:00:00Z'), end: null } });
    expect(late.map((row) => new Date(row.start).toISOString())).toEqual(['2026-11-10T21:00:00.000Z']);
    const [block] = late;
    expect(block?.kind === 'block' ? block.totals.totalTokens : null).toBe(1800);
  });

  it('measures burn rates and projects to the block end at a fixed now', () => {
    const rows = buildBlocks(reduceAll(blocksReducer, RECORDS));
    const active = findActiveBlock(rows, NOW);
    expect(active?.start).toBe(Date.parse('2026-11-10T21:00:00Z'));
    const status = describeActiveBlock(active!, NOW);
    // elapsed 21:00→22:30 = 90 min; remaining 22:30→02:00 = 210 min
    expect(status.elapsedMs).toBe(90 * 60_000);
    expect(status.remainingMs).toBe(210 * 60_000);
    // block: 1800 tokens / 90 min = 20 tokens/min; $0.18 / 90 min × 60 = $0.12/h
    expect(status.blockRate.tokensPerMinute).toBe(20);
    expect(status.blockRate.costPerHour).toBeCloseTo(0.12, 10);
    // last 30 min (22:00–22:30): 22:10 (900) + 22:25 (300) = 1200 / 30 = 40 tokens/min; $0.12 / 30 × 60 = $0.24/h
    expect(status.recentRate.tokensPerMinute).toBe(40);
    expect(status.recentRate.costPerHour).toBeCloseTo(0.24, 10);
    // projection at the block rate: 1800 + 20 × 210 = 6000 tokens; $0.18 + $0.12/h × 3.5 h = $0.60
    expect(status.projectedTokens).toBe(6000);
    expect(status.projectedCostUsd).toBeCloseTo(0.6, 10);
    // No block is active once its end has passed.
    expect(findActiveBlock(rows, Date.parse('2026-11-11T02:00:00Z'))).toBeNull();
  });

  it('uses the largest previous block for --token-limit max and says it is an estimate', () => {
    const analysis = { state: reduceAll(blocksReducer, RECORDS), summary: SUMMARY, excluded: { outOfRange: 0, undated: 0 } };
    const document = buildBlocksReport(analysis, { zone: 'UTC', now: NOW, tokenLimit: 'max', costLimitUsd: 1 });
    const json = document.json as {
      token_limit: { tokens: number; estimate: boolean };
      active: { token_limit: { limit: number; used_ratio: number; projected_ratio: number; remaining_tokens: number }; cost_limit: { used_ratio: number; projected_ratio: number } };
      blocks: Array<{ kind: string; active?: boolean }>;
      left_out: { other_agents: number };
    };
    // Finished blocks: 3500 and 300 tokens → the limit is 3500, an estimate.
    expect(json.token_limit).toEqual({ requested: 'max', tokens: 3500, estimate: true });
    // 1800 / 3500 = 0.5142857…; 6000 / 3500 = 1.7142857…; 3500 − 1800 = 1700 left
    expect(json.active.token_limit).toEqual({ limit: 3500, estimate: true, used_ratio: 0.514286, projected_ratio: 1.714286, remaining_tokens: 1700 });
    // $0.18 of $1 = 0.18; projected $0.60 of $1 = 0.6
    expect(json.active.cost_limit.used_ratio).toBeCloseTo(0.18, 6);
    expect(json.active.cost_limit.projected_ratio).toBeCloseTo(0.6, 6);
    expect(json.blocks.map((row) => row.kind)).toEqual(['block', 'block', 'gap', 'block']);
    expect(json.blocks.at(-1)?.active).toBe(true);
    expect(json.left_out.other_agents).toBe(1);
    // --active keeps the running block alone; --recent drops nothing here (all within 3 days).
    const active = buildBlocksReport(analysis, { zone: 'UTC', now: NOW, active: true }).json as { blocks: unknown[] };
    expect(active.blocks).toHaveLength(1);
  });

  it('keeps a block across midnight and a DST change in New York as one 5-hour window', () => {
    const records = [
      // 05:30Z on Nov 1 is 01:30 EDT; DST ends at 06:00Z (02:00 EDT → 01:00 EST).
      priced('2026-11-01T05:30:00Z', 'A', 10, 0, 0.01),
      // 09:59Z is 04:59 EST: still inside the block that started at 05:00Z (01:00 EDT).
      priced('2026-11-01T09:59:00Z', 'A', 20, 0, 0.02),
      // 10:00Z (05:00 EST) is the block's end: a new block.
      priced('2026-11-01T10:00:00Z', 'A', 30, 0, 0.03),
      // 04:30Z on Nov 11 is 23:30 on Nov 10 in New York (EST, UTC−5); 06:15Z is 01:15 on Nov 11.
      priced('2026-11-11T04:30:00Z', 'A', 40, 0, 0.04),
      priced('2026-11-11T06:15:00Z', 'A', 50, 0, 0.05),
    ];
    const analysis = { state: reduceAll(blocksReducer, records), summary: SUMMARY, excluded: { outOfRange: 0, undated: 0 } };
    const document = buildBlocksReport(analysis, { zone: 'America/New_York', now: Date.parse('2026-12-01T00:00:00Z') });
    const table = document.datasets[0]!.rows.map((row) => [row['start'], row['end'], row['status'], row['total_tokens'] ?? null]);
    expect(table).toEqual([
      // Wall clock 01:00 EDT → 05:00 EST reads as 4 hours but is 5: the clock went back once.
      ['2026-11-01 01:00', '2026-11-01 05:00', '', 30],
      ['2026-11-01 05:00', '2026-11-01 10:00', '', 30],
      // 10:00 EST Nov 1 (15:00Z) to 23:00 EST Nov 10 (04:00Z Nov 11) = 9 days 13 h = 229 h
      ['2026-11-01 10:00', '2026-11-10 23:00', 'gap 229h', null],
      // 23:00 Nov 10 → 04:00 Nov 11 local: one block across midnight, 40 + 50 tokens
      ['2026-11-10 23:00', '2026-11-11 04:00', '', 90],
    ]);
  });

  it('gives the same blocks whatever the order of the records', () => {
    const record = fc
      .record({ minute: fc.integer({ min: 0, max: 3 * 24 * 60 }), tokens: fc.integer({ min: 0, max: 1000 }) })
      .map(({ minute, tokens }) => priced(new Date(Date.parse('2026-11-10T00:00:00Z') + minute * 60_000).toISOString(), 'A', tokens, 0, tokens / 1000));
    fc.assert(
      fc.property(fc.array(record, { maxLength: 40 }), fc.nat(), (records, cut) => {
        const at = records.length === 0 ? 0 : cut % (records.length + 1);
        // Rotated at an arbitrary point and reversed: the same records, another order.
        const reordered = reduceAll(blocksReducer, [...records.slice(at), ...records.slice(0, at)].reverse());
        const whole = reduceAll(blocksReducer, records);
        const shape = (rows: ReturnType<typeof buildBlocks>) =>
          rows.map((row) => (row.kind === 'gap' ? [row.start, row.end] : [row.start, row.end, row.totals.totalTokens, row.totals.records]));
        expect(shape(buildBlocks(reordered))).toEqual(shape(buildBlocks(whole)));
      }),
    );
  });
});
