/**
 * `usage blocks`: Claude Code's 5-hour windows, one row per block and per gap
 * between blocks, and for the block running now its elapsed and remaining
 * time, burn rates and the projection to its end, optionally against a
 * limit the user gives (never an invented plan limit).
 */
import type { Analysis } from '../core/analyze.js';
import {
  type ActiveBlockStatus,
  type Block,
  type BlockRow,
  type BlocksState,
  type BurnRate,
  buildBlocks,
  describeActiveBlock,
  findActiveBlock,
  findLargestPastBlock,
} from '../reducers/blocks.js';
import type { Dataset, DatasetColumn, Document, Row } from '../renderers/dataset.js';
import { roundCost, roundRatio } from '../renderers/format.js';
import { formatInstant, formatWallClock } from './analytics-json.js';
import { costColumn, JSON_SCHEMA_VERSION, readGroupCost, serializeInput, serializeTotals, UNPRICED_COLUMN } from './serialize.js';

export { blocksReducer } from '../reducers/blocks.js';

/** `--recent` keeps the blocks that ended less than this long ago. */
export const RECENT_DAYS = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A limit: a number the user gave, or `max`, the largest block before now (an estimate). */
export type TokenLimitFlag = number | 'max';

export interface BlocksOptions {
  zone: string;
  now: number;
  tokenLimit?: TokenLimitFlag | undefined;
  costLimitUsd?: number | undefined;
  /** Only the active block. */
  active?: boolean | undefined;
  /** Only blocks that ended in the last 3 days, and the active one. */
  recent?: boolean | undefined;
  /**
   * --since/--until: the rows that overlap it. Applied to the blocks, never to
   * the records: a block is built from all of its calls, so a range that starts
   * inside a block does not move the block's start.
   */
  range?: { start: number | null; end: number | null } | undefined;
}

interface ResolvedTokenLimit {
  tokens: number;
  source: 'flag' | 'largest_previous_block';
  estimate: boolean;
}

/** `max` with no finished block to measure has no value: the limit is then absent, and said so. */
export function resolveTokenLimit(flag: TokenLimitFlag | undefined, rows: readonly BlockRow[], now: number): ResolvedTokenLimit | null {
  if (flag === undefined) return null;
  if (flag === 'max') {
    const largest = findLargestPastBlock(rows, now);
    return largest === null ? null : { tokens: largest, source: 'largest_previous_block', estimate: true };
  }
  return { tokens: flag, source: 'flag', estimate: false };
}

function serializeRate(rate: BurnRate) {
  return {
    minutes: roundRatio(rate.minutes, 3),
    tokens_per_minute: roundRatio(rate.tokensPerMinute, 3),
    cost_per_hour_usd: roundCost(rate.costPerHour),
    unpriced_tokens: rate.unpricedTokens,
  };
}

function ratio(part: number | null, whole: number): number | null {
  return part === null || whole <= 0 ? null : roundRatio(part / whole);
}

function serializeActive(block: Block, status: ActiveBlockStatus, tokenLimit: ResolvedTokenLimit | null, costLimit: number | null) {
  const cost = readGroupCost(block.totals);
  return {
    start: formatInstant(block.start),
    end: formatInstant(block.end),
    elapsed_ms: status.elapsedMs,
    remaining_ms: status.remainingMs,
    burn_rate: { block: serializeRate(status.blockRate), recent: serializeRate(status.recentRate) },
    projection: { total_tokens: status.projectedTokens, cost_usd: roundCost(status.projectedCostUsd) },
    token_limit:
      tokenLimit === null
        ? null
        : {
            limit: tokenLimit.tokens,
            estimate: tokenLimit.estimate,
            used_ratio: ratio(block.totals.totalTokens, tokenLimit.tokens),
            projected_ratio: ratio(status.projectedTokens, tokenLimit.tokens),
            remaining_tokens: tokenLimit.tokens - block.totals.totalTokens,
          },
    cost_limit:
      costLimit === null
        ? null
        : {
            limit_usd: costLimit,
            used_ratio: ratio(cost, costLimit),
            projected_ratio: ratio(status.projectedCostUsd, costLimit),
            remaining_usd: cost === null ? null : roundCost(costLimit - cost),
          },
  };
}

function serializeRow(row: BlockRow, now: number) {
  if (row.kind === 'gap') {
    return { kind: 'gap' as const, start: formatInstant(row.start), end: formatInstant(row.end), duration_ms: row.end - row.start };
  }
  return {
    kind: 'block' as const,
    start: formatInstant(row.start),
    end: formatInstant(row.end),
    active: now >= row.start && now < row.end,
    first_call: formatInstant(row.firstCall),
    last_call: formatInstant(row.lastCall),
    models: row.models,
    ...serializeTotals(row.totals),
  };
}

/** Which rows a view keeps: everything, the last 3 days, or the active block alone. */
export function selectRows(rows: readonly BlockRow[], options: Pick<BlocksOptions, 'active' | 'recent' | 'now' | 'range'>): BlockRow[] {
  const range = options.range;
  if (range && (range.start !== null || range.end !== null)) {
    const inRange = rows.filter((row) => (range.start === null || row.end > range.start) && (range.end === null || row.start < range.end));
    while (inRange[0]?.kind === 'gap') inRange.shift();
    while (inRange.at(-1)?.kind === 'gap') inRange.pop();
    return selectRows(inRange, { ...options, range: undefined });
  }
  if (options.active) {
    const active = findActiveBlock(rows, options.now);
    return active === null ? [] : [active];
  }
  if (options.recent) {
    const since = options.now - RECENT_DAYS * DAY_MS;
    const kept = rows.filter((row) => row.end > since);
    // A view never starts with a gap: it would end at the first kept block.
    while (kept[0]?.kind === 'gap') kept.shift();
    return kept;
  }
  return [...rows];
}

/** The wall clock of an hour-aligned instant, to the minute. */
function formatMinute(instant: number, zone: string): string {
  return formatWallClock(instant, zone).slice(0, 16);
}

export interface BlocksView {
  rows: BlockRow[];
  active: Block | null;
  status: ActiveBlockStatus | null;
  tokenLimit: ResolvedTokenLimit | null;
}

export function viewBlocks(state: BlocksState, options: BlocksOptions): BlocksView {
  const all = buildBlocks(state);
  const active = findActiveBlock(all, options.now);
  return {
    rows: selectRows(all, options),
    active,
    status: active === null ? null : describeActiveBlock(active, options.now),
    tokenLimit: resolveTokenLimit(options.tokenLimit, all, options.now),
  };
}

export function buildBlocksReport(analysis: Analysis<BlocksState>, options: BlocksOptions): Document {
  const view = viewBlocks(analysis.state, options);
  const costLimit = options.costLimitUsd ?? null;
  const activeJson = view.active && view.status ? serializeActive(view.active, view.status, view.tokenLimit, costLimit) : null;
  const json = {
    schema: JSON_SCHEMA_VERSION,
    kind: 'blocks',
    tz: options.zone,
    now: formatInstant(options.now),
    block_hours: 5,
    token_limit:
      options.tokenLimit === undefined
        ? null
        : {
            requested: options.tokenLimit === 'max' ? 'max' : options.tokenLimit,
            tokens: view.tokenLimit?.tokens ?? null,
            estimate: view.tokenLimit?.estimate ?? false,
          },
    cost_limit_usd: costLimit,
    blocks: view.rows.map((row) => serializeRow(row, options.now)),
    active: activeJson,
    left_out: { other_agents: analysis.state.otherAgents, undated: analysis.state.undated },
    ...serializeInput(analysis.summary, analysis.excluded),
  };
  return { json, datasets: describeBlocks(view, options, activeJson) };
}

function describeBlocks(view: BlocksView, options: BlocksOptions, activeJson: ReturnType<typeof serializeActive> | null): Dataset[] {
  const columns: DatasetColumn[] = [
    { key: 'start', header: 'start', kind: 'text' },
    { key: 'end', header: 'end', kind: 'text', priority: 6 },
    { key: 'status', header: 'status', kind: 'text', priority: 9 },
    { key: 'calls', header: 'calls', kind: 'integer', priority: 5 },
    { key: 'input_tokens', header: 'input', kind: 'tokens', priority: 3 },
    { key: 'output_tokens', header: 'output', kind: 'tokens', priority: 4 },
    { key: 'cache_write_tokens', header: 'cache write', kind: 'tokens', priority: 2 },
    { key: 'cache_read_tokens', header: 'cache read', kind: 'tokens', priority: 2 },
    { key: 'total_tokens', header: 'tokens', kind: 'tokens', priority: 8 },
    costColumn(8),
    { key: 'models', header: 'models', kind: 'text', priority: 1 },
    UNPRICED_COLUMN,
  ];
  const rows: Row[] = view.rows.map((row) => {
    const base = { start: formatMinute(row.start, options.zone), end: formatMinute(row.end, options.zone) };
    // A gap cost nothing: $0, not the unknown "?" an absent cost would show.
    if (row.kind === 'gap') return { ...base, status: `gap ${formatHours(row.end - row.start)}`, cost_usd: 0 };
    return {
      ...base,
      status: row === view.active ? 'active' : '',
      ...serializeTotals(row.totals),
      models: row.models.join(', '),
    };
  });
  const datasets: Dataset[] = [{ name: 'blocks', title: 'Claude Code 5-hour blocks', columns, rows }];
  if (activeJson && view.status) datasets.push(describeActive(activeJson, view.status));
  return datasets;
}

function formatHours(milliseconds: number): string {
  const hours = milliseconds / (60 * 60 * 1000);
  return Number.isInteger(hours) ? `${hours}h` : `${hours.toFixed(1)}h`;
}

function describeActive(json: ReturnType<typeof serializeActive>, status: ActiveBlockStatus): Dataset {
  const columns: DatasetColumn[] = [
    { key: 'elapsed_ms', header: 'elapsed', kind: 'duration', priority: 6 },
    { key: 'remaining_ms', header: 'remaining', kind: 'duration', priority: 9 },
    { key: 'block_tokens_per_minute', header: 'tokens/min', kind: 'integer', priority: 7 },
    { key: 'block_cost_per_hour_usd', header: '$/h', kind: 'cost', priority: 7, unpricedKeys: ['block_unpriced_tokens'] },
    { key: 'recent_tokens_per_minute', header: 'tokens/min 30m', kind: 'integer', priority: 5 },
    { key: 'recent_cost_per_hour_usd', header: '$/h 30m', kind: 'cost', priority: 5, unpricedKeys: ['recent_unpriced_tokens'] },
    { key: 'projected_tokens', header: 'projected tokens', kind: 'tokens', priority: 8 },
    { key: 'projected_cost_usd', header: 'projected cost', kind: 'cost', priority: 8, unpricedKeys: ['block_unpriced_tokens'] },
    { key: 'block_unpriced_tokens', header: 'unpriced', kind: 'tokens', hiddenInTables: true },
    { key: 'recent_unpriced_tokens', header: 'unpriced 30m', kind: 'tokens', hiddenInTables: true },
  ];
  const row: Row = {
    elapsed_ms: status.elapsedMs,
    remaining_ms: status.remainingMs,
    block_tokens_per_minute: Math.round(status.blockRate.tokensPerMinute),
    block_cost_per_hour_usd: status.blockRate.costPerHour,
    recent_tokens_per_minute: Math.round(status.recentRate.tokensPerMinute),
    recent_cost_per_hour_usd: status.recentRate.costPerHour,
    projected_tokens: status.projectedTokens,
    projected_cost_usd: status.projectedCostUsd,
    block_unpriced_tokens: status.blockRate.unpricedTokens,
    recent_unpriced_tokens: status.recentRate.unpricedTokens,
  };
  if (json.token_limit) {
    columns.push(
      { key: 'token_limit', header: json.token_limit.estimate ? 'limit (est.)' : 'limit', kind: 'tokens', priority: 8 },
      { key: 'limit_used', header: 'used', kind: 'ratio', priority: 8 },
      { key: 'limit_projected', header: 'projected', kind: 'ratio', priority: 7 },
    );
    Object.assign(row, {
      token_limit: json.token_limit.limit,
      limit_used: json.token_limit.used_ratio,
      limit_projected: json.token_limit.projected_ratio,
    });
  }
  if (json.cost_limit) {
    columns.push(
      { key: 'cost_limit_usd', header: 'cost limit', kind: 'cost', priority: 8 },
      { key: 'cost_limit_used', header: 'cost used', kind: 'ratio', priority: 8 },
      { key: 'cost_limit_projected', header: 'cost projected', kind: 'ratio', priority: 7 },
    );
    Object.assign(row, {
      cost_limit_usd: json.cost_limit.limit_usd,
      cost_limit_used: json.cost_limit.used_ratio,
      cost_limit_projected: json.cost_limit.projected_ratio,
    });
  }
  return { name: 'active', title: 'Active block', columns, rows: [row] };
}
