/**
 * Claude Code's 5-hour usage windows ("blocks"). A block starts at the first
 * call after the previous block ended, floored to the hour (in UTC, so a
 * block boundary is the same instant whatever --tz says), and lasts exactly
 * five hours; the first call at or after its end starts the next block. The
 * time between two blocks with no call is a gap.
 *
 * The state keeps one bucket per minute with calls in it, not one entry per
 * call: block boundaries fall on whole hours, so minute buckets place every
 * call in the same block as its exact time would, and the state stays small
 * (a year of non-stop use is 525,600 buckets). Burn rates over the last 30
 * minutes are therefore measured at minute resolution.
 *
 * Only Claude Code records count by default: the 5-hour window is Anthropic's
 * subscription window, and calls other agents made to other providers do not
 * draw from it. Everything else is counted as left out, never silently lost.
 */
import type { PricedRecord } from '../core/record.js';
import type { Reducer } from './reducer.js';
import { addToTotals, createTokenTotals, mergeTotals, type TokenTotals } from './totals.js';

export const BLOCK_MS = 5 * 60 * 60 * 1000;
export const HOUR_MS = 60 * 60 * 1000;
export const MINUTE_MS = 60 * 1000;
/** The "recent" burn rate looks back this far. */
export const RECENT_WINDOW_MS = 30 * MINUTE_MS;

export interface MinuteBucket {
  totals: TokenTotals;
  /** Tokens per model, for the block's model list (most tokens first). */
  models: Map<string, number>;
  /** The latest call time inside the minute. */
  last: number;
}

export interface BlocksState {
  minutes: Map<number, MinuteBucket>;
  /** Records from other agents than Claude Code, left out by design. */
  otherAgents: number;
  /** Claude Code records with no timestamp: they cannot be placed in a block. */
  undated: number;
}

/** Which records draw from the 5-hour window: Claude Code's own transcripts. */
export function countsTowardBlocks(record: PricedRecord): boolean {
  return record.dialect === 'claude';
}

function createBucket(last: number): MinuteBucket {
  return { totals: createTokenTotals(), models: new Map(), last };
}

function mergeBucket(left: MinuteBucket, right: MinuteBucket): MinuteBucket {
  const models = new Map(left.models);
  for (const [model, tokens] of right.models) models.set(model, (models.get(model) ?? 0) + tokens);
  return { totals: mergeTotals(left.totals, right.totals), models, last: Math.max(left.last, right.last) };
}

export const blocksReducer: Reducer<BlocksState> = {
  create: () => ({ minutes: new Map(), otherAgents: 0, undated: 0 }),
  add(state, record) {
    if (!countsTowardBlocks(record)) {
      state.otherAgents++;
      return;
    }
    if (record.timestamp === null) {
      state.undated++;
      return;
    }
    const minute = Math.floor(record.timestamp / MINUTE_MS) * MINUTE_MS;
    let bucket = state.minutes.get(minute);
    if (bucket === undefined) {
      bucket = createBucket(record.timestamp);
      state.minutes.set(minute, bucket);
    }
    addToTotals(bucket.totals, record);
    bucket.last = Math.max(bucket.last, record.timestamp);
    const model = record.model === '' ? '(unknown model)' : record.model;
    bucket.models.set(model, (bucket.models.get(model) ?? 0) + record.totalTokens);
  },
  merge(left, right) {
    const minutes = new Map<number, MinuteBucket>();
    for (const [minute, bucket] of left.minutes) minutes.set(minute, mergeBucket(bucket, createBucket(bucket.last)));
    for (const [minute, bucket] of right.minutes) {
      const existing = minutes.get(minute);
      minutes.set(minute, existing ? mergeBucket(existing, bucket) : mergeBucket(bucket, createBucket(bucket.last)));
    }
    return { minutes, otherAgents: left.otherAgents + right.otherAgents, undated: left.undated + right.undated };
  },
};

export interface Block {
  kind: 'block';
  start: number;
  /** start + 5 h. */
  end: number;
  /** First and last call inside the block. */
  firstCall: number;
  lastCall: number;
  totals: TokenTotals;
  /** Most tokens first, ties by name. */
  models: string[];
  /** Minute buckets in time order (for burn rates). */
  minutes: Array<[number, MinuteBucket]>;
}

export interface Gap {
  kind: 'gap';
  start: number;
  end: number;
}

export type BlockRow = Block | Gap;

export function floorToHour(instant: number): number {
  return Math.floor(instant / HOUR_MS) * HOUR_MS;
}

function rankModels(models: Map<string, number>): string[] {
  return [...models]
    .sort(([a, at], [b, bt]) => bt - at || (a < b ? -1 : a > b ? 1 : 0))
    .map(([model]) => model);
}

/** Blocks and the gaps between them, in time order. */
export function buildBlocks(state: BlocksState): BlockRow[] {
  const ordered = [...state.minutes].sort(([a], [b]) => a - b);
  const rows: BlockRow[] = [];
  let current: { block: Block; models: Map<string, number> } | null = null;
  const close = () => {
    if (current === null) return;
    current.block.models = rankModels(current.models);
    rows.push(current.block);
  };
  for (const [minute, bucket] of ordered) {
    if (current === null || minute >= current.block.end) {
      const previousEnd = current?.block.end ?? null;
      close();
      const start = floorToHour(minute);
      if (previousEnd !== null && start > previousEnd) rows.push({ kind: 'gap', start: previousEnd, end: start });
      current = {
        block: {
          kind: 'block',
          start,
          end: start + BLOCK_MS,
          firstCall: bucket.last,
          lastCall: bucket.last,
          totals: createTokenTotals(),
          models: [],
          minutes: [],
        },
        models: new Map(),
      };
    }
    const block = current.block;
    block.totals = mergeTotals(block.totals, bucket.totals);
    block.lastCall = Math.max(block.lastCall, bucket.last);
    // The bucket keeps only its latest time; a minute's first call is at or after the minute itself.
    if (block.minutes.length === 0) block.firstCall = Math.max(minute, block.start);
    block.minutes.push([minute, bucket]);
    for (const [model, tokens] of bucket.models) current.models.set(model, (current.models.get(model) ?? 0) + tokens);
  }
  close();
  return rows;
}

/** The block `now` falls in, if any: started and not yet ended. */
export function findActiveBlock(rows: readonly BlockRow[], now: number): Block | null {
  const last = rows.at(-1);
  return last !== undefined && last.kind === 'block' && now >= last.start && now < last.end ? last : null;
}

export interface BurnRate {
  /** Tokens per minute. */
  tokensPerMinute: number;
  /** Known cost per hour; null when nothing in the window could be priced. */
  costPerHour: number | null;
  /** Unpriced tokens in the window: when > 0 the cost rate is a lower bound. */
  unpricedTokens: number;
  /** The window the rate is measured over, in minutes. */
  minutes: number;
}

export interface ActiveBlockStatus {
  elapsedMs: number;
  remainingMs: number;
  /** Over the block so far: tokens ÷ elapsed time. */
  blockRate: BurnRate;
  /** Over the last 30 minutes (or the block so far, when it is younger). */
  recentRate: BurnRate;
  /** At the block's average rate, the totals the block will reach at its end. */
  projectedTokens: number;
  projectedCostUsd: number | null;
}

function rateOf(totals: TokenTotals, windowMs: number): BurnRate {
  const minutes = windowMs / MINUTE_MS;
  const priced = !(totals.records > 0 && totals.unpricedRecords === totals.records);
  return {
    tokensPerMinute: minutes > 0 ? totals.totalTokens / minutes : 0,
    costPerHour: priced ? (minutes > 0 ? (totals.costUsd / minutes) * 60 : 0) : null,
    unpricedTokens: totals.unpricedTokens,
    minutes,
  };
}

/**
 * Elapsed and remaining time, burn rates and projection of the active block
 * at `now`. The elapsed time is at least one minute, so a block whose first
 * call was seconds ago does not report an absurd rate.
 */
export function describeActiveBlock(block: Block, now: number): ActiveBlockStatus {
  const elapsedMs = Math.max(now - block.start, MINUTE_MS);
  const remainingMs = Math.max(block.end - now, 0);
  const blockRate = rateOf(block.totals, elapsedMs);
  const recentStart = now - RECENT_WINDOW_MS;
  let recent = createTokenTotals();
  for (const [minute, bucket] of block.minutes) {
    // A minute bucket counts when its minute began inside the window.
    if (minute >= recentStart && minute <= now) recent = mergeTotals(recent, bucket.totals);
  }
  const recentRate = rateOf(recent, Math.min(RECENT_WINDOW_MS, elapsedMs));
  const remainingMinutes = remainingMs / MINUTE_MS;
  return {
    elapsedMs,
    remainingMs,
    blockRate,
    recentRate,
    projectedTokens: Math.round(block.totals.totalTokens + blockRate.tokensPerMinute * remainingMinutes),
    projectedCostUsd: blockRate.costPerHour === null ? null : block.totals.costUsd + (blockRate.costPerHour / 60) * remainingMinutes,
  };
}

/** The largest total of the blocks that ended before `now`: the `--token-limit max` estimate. */
export function findLargestPastBlock(rows: readonly BlockRow[], now: number): number | null {
  let largest: number | null = null;
  for (const row of rows) {
    if (row.kind !== 'block' || row.end > now) continue;
    if (largest === null || row.totals.totalTokens > largest) largest = row.totals.totalTokens;
  }
  return largest;
}
