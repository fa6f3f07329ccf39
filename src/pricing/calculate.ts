/**
 * Cost of one record, and the record pricer the pipeline calls per record.
 *
 * cost = fresh input × input + output × output (reasoning is inside output)
 *      + cache read × read + (5-minute writes + unattributed writes) × write 5m
 *      + 1-hour writes × write 1h,
 * all at the rates of the one tier the request's whole prompt falls in, from
 * the price list entry in force when the call was made.
 */
import { compileFunction, RECORD_FIELDS } from '../core/fields.js';
import type { PricedRecord, UsageRecord } from '../core/record.js';
import { applyBillingRules, billedTotal, type CostBreakdown, readBillingContext } from './extras.js';
import type { ModelIdentity, Resolver } from './resolve.js';
import { selectTier } from './table.js';
import type { CostMode, PricePeriod, PriceTable, Resolution } from './types.js';

export type TokenFields = Pick<
  UsageRecord,
  'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'cacheWrite5mTokens' | 'cacheWrite1hTokens' | 'unattributedTokens'
> &
  Partial<Pick<UsageRecord, 'calls' | 'aggregate'>>;

/** Why a record's cost is unknown. */
export type UnpricedReason = 'no-price' | 'no-recorded-cost' | 'total-only' | 'no-output-price';

export type CostResult = { cost: number; reason: null } | { cost: null; reason: UnpricedReason };

const SECONDS_PER_DAY = 86_400;

function isInWindow(window: { start: number; end: number }, timestamp: number): boolean {
  const seconds = (((timestamp / 1000) % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
  return window.end < window.start
    ? seconds >= window.start || seconds < window.end
    : seconds >= window.start && seconds < window.end;
}

/**
 * The price list entry for a call: of the entries that apply, the last one.
 * A call without a time gets the latest dated price (daily windows ignored);
 * a call before every start date gets the first entry.
 */
export function selectPeriod(periods: readonly PricePeriod[], timestamp: number | null): PricePeriod | undefined {
  for (let index = periods.length - 1; index >= 0; index--) {
    const period = periods[index]!;
    if (timestamp === null) {
      if (period.window === null) return period;
      continue;
    }
    if (period.startMs !== null && timestamp < period.startMs) continue;
    if (period.window !== null && !isInWindow(period.window, timestamp)) continue;
    return period;
  }
  return periods[0];
}

/** The calculated cost of one request at one price table, in full precision. */
export function calculateCost(tokens: TokenFields, table: PriceTable): CostResult {
  // A bare total cannot be split into input, output and cache, so it cannot be priced.
  if (tokens.unattributedTokens > 0) return { cost: null, reason: 'total-only' };
  // The long-context tier is decided per request: a record that sums several
  // calls (a jcode turn, a whole Goose or Droid session) says nothing about
  // any one prompt's size, so it is priced at the base tier (a lower bound if
  // one of its calls did pass the threshold).
  const perRequest = tokens.aggregate !== true && (tokens.calls ?? 1) <= 1;
  const prompt = perRequest ? tokens.inputTokens + tokens.cacheReadTokens + tokens.cacheWriteTokens : 0;
  const { rates } = selectTier(table, prompt);
  if (rates.output === null && tokens.outputTokens > 0) return { cost: null, reason: 'no-output-price' };
  const unattributedWrites = Math.max(0, tokens.cacheWriteTokens - tokens.cacheWrite5mTokens - tokens.cacheWrite1hTokens);
  const dollarsTimesMillion =
    tokens.inputTokens * rates.input +
    tokens.outputTokens * (rates.output ?? 0) +
    tokens.cacheReadTokens * rates.cacheRead +
    (tokens.cacheWrite5mTokens + unattributedWrites) * rates.cacheWrite5m +
    tokens.cacheWrite1hTokens * rates.cacheWrite1h;
  const cost = dollarsTimesMillion / 1_000_000;
  // Prices near the largest double overflow to Infinity (and Infinity − Infinity
  // to NaN): such a figure is not a price, so the cost is unknown, never $NaN.
  if (!Number.isFinite(cost)) return { cost: null, reason: 'no-price' };
  return { cost, reason: null };
}

/** The calculated cost of a record with its resolution; null cost when unknown. */
export function calculateRecordCost(
  record: TokenFields & { timestamp: number | null } & Partial<Pick<UsageRecord, 'model' | 'provider'>>,
  resolution: Resolution,
): CostResult {
  const breakdown = calculateCostBreakdown(record, resolution);
  return breakdown.cost === null ? breakdown : { cost: breakdown.breakdown.total, reason: null };
}

/**
 * The calculated cost with the part each billing rule adds (src/pricing/extras.ts),
 * so any total can be checked by hand.
 */
export function calculateCostBreakdown(
  record: TokenFields & { timestamp: number | null } & Partial<Pick<UsageRecord, 'model' | 'provider'>>,
  resolution: Resolution,
): { cost: number; reason: null; breakdown: CostBreakdown } | { cost: null; reason: UnpricedReason } {
  if (resolution.status === 'free') {
    return { cost: 0, reason: null, breakdown: { tokens: 0, fastPremium: 0, regionPremium: 0, serviceTierAdjustment: 0, webSearches: 0, total: 0 } };
  }
  const period = selectPeriod(resolution.periods, record.timestamp);
  if (period === undefined) return { cost: null, reason: 'no-price' };
  const tokens = calculateCost(record, period.table);
  if (tokens.cost === null) return tokens;
  // The billing fields named one by one: a spread of a whole record cost more than the rest of its pricing.
  const billing = record as Partial<Pick<UsageRecord, 'speed' | 'serviceTier' | 'inferenceGeo' | 'webSearchRequests'>>;
  const breakdown = applyBillingRules(
    tokens.cost,
    readBillingContext({
      model: record.model ?? '',
      provider: record.provider ?? '',
      speed: billing.speed,
      serviceTier: billing.serviceTier,
      inferenceGeo: billing.inferenceGeo,
      webSearchRequests: billing.webSearchRequests,
    }),
  );
  if (!Number.isFinite(breakdown.total)) return { cost: null, reason: 'no-price' };
  return { cost: breakdown.total, reason: null, breakdown };
}

/**
 * The calculated cost of a record (calculateRecordCost's figure), or why it
 * is unknown, without building a breakdown: the pricer's per-record path.
 */
function calculateRecordCostValue(record: UsageRecord, resolution: Resolution): number | UnpricedReason {
  if (resolution.status === 'free') return 0;
  const period = selectPeriod(resolution.periods, record.timestamp);
  if (period === undefined) return 'no-price';
  const tokens = calculateCost(record, period.table);
  if (tokens.cost === null) return tokens.reason;
  const total = billedTotal(
    tokens.cost,
    record.model ?? '',
    record.provider ?? '',
    record.speed ?? null,
    record.serviceTier ?? null,
    record.inferenceGeo ?? null,
    record.webSearchRequests ?? 0,
  );
  return Number.isFinite(total) ? total : 'no-price';
}

/**
 * Copies the record field by field, generated from the field declaration.
 * An object spread of a record this wide costs about 10 µs in V8 (it leaves
 * the fast clone path), which would be most of a run's time; a literal is
 * about a hundredth of that.
 */
const toPricedRecord = compileFunction<
  (record: UsageRecord, costUsd: number | null, calculatedCostUsd: number | null, costSource: PricedRecord['costSource']) => PricedRecord
>(
  'toPricedRecord',
  ['record', 'costUsd', 'calculatedCostUsd', 'costSource'],
  `return { ${RECORD_FIELDS.map((field) => `${field.name}: record.${field.name}`).join(', ')}, costUsd, calculatedCostUsd, costSource };`,
);

export interface UnpricedModel {
  model: string;
  records: number;
  totalTokens: number;
  reasons: Partial<Record<UnpricedReason, number>>;
}

export interface RecordPricer {
  priceRecord(record: UsageRecord): PricedRecord;
  /** Models with at least one record whose cost is unknown, by the model id the log wrote. */
  unpriced: Map<string, UnpricedModel>;
  resolver: Resolver;
  mode: CostMode;
}

export function createRecordPricer(resolver: Resolver, mode: CostMode): RecordPricer {
  const unpriced = new Map<string, UnpricedModel>();

  const noteUnpriced = (record: UsageRecord, reason: UnpricedReason): void => {
    let entry = unpriced.get(record.model);
    if (entry === undefined) {
      entry = { model: record.model, records: 0, totalTokens: 0, reasons: {} };
      unpriced.set(record.model, entry);
    }
    entry.records++;
    entry.totalTokens += record.totalTokens;
    entry.reasons[reason] = (entry.reasons[reason] ?? 0) + 1;
  };

  const priceRecord = (record: UsageRecord): PricedRecord => {
    const identity: ModelIdentity = record;
    const resolution = resolver.resolve(identity);
    const value = calculateRecordCostValue(record, resolution);
    const calculated = typeof value === 'number' ? value : null;
    // A recorded 0 on a record with tokens is a writer that could not price
    // the model (thane, kernex), not a free call: it is no recorded cost.
    const recorded = record.recordedCostUsd === 0 && record.totalTokens > 0 ? null : record.recordedCostUsd;
    let costUsd: number | null;
    let costSource: PricedRecord['costSource'];
    let reason: UnpricedReason | null = null;
    if (mode !== 'calculate' && recorded !== null) {
      costUsd = recorded;
      costSource = 'recorded';
    } else if (mode === 'recorded' && resolution.status !== 'free') {
      costUsd = null;
      costSource = 'unknown';
      reason = 'no-recorded-cost';
    } else if (calculated === null) {
      costUsd = null;
      costSource = 'unknown';
      reason = value as UnpricedReason;
    } else {
      costUsd = calculated;
      costSource = resolution.status === 'free' ? 'free' : 'calculated';
    }
    if (reason !== null) noteUnpriced(record, reason);
    return toPricedRecord(record, costUsd, calculated, costSource);
  };

  return { priceRecord, unpriced, resolver, mode };
}
