/**
 * Billing rules beyond per-token prices (src/pricing/extras.ts, docs/pricing.md
 * "Priced as billed"). Prices per million tokens are the built-in data's:
 * claude-opus-4-6 $5 in / $25 out; claude-sonnet-4-6 $3 / $15;
 * claude-haiku-4-5 $1 / $5; gpt-5 $1.25 / $10. Every figure is worked by hand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRecord, type RecordIdentity, type TokenCounts, type UsageRecord } from '../src/core/record.js';
import { calculateCost, calculateCostBreakdown, createRecordPricer } from '../src/pricing/calculate.js';
import { type BuiltinDatabase, loadBuiltinDatabase } from '../src/pricing/database.js';
import { describeBillingRules, hasUsInferenceMultiplier } from '../src/pricing/extras.js';
import { parsePricingFile } from '../src/pricing/overrides-schema.js';
import { createResolver } from '../src/pricing/resolve.js';
import type { CostMode, PriceTable } from '../src/pricing/types.js';

let builtin: BuiltinDatabase;
beforeAll(async () => {
  builtin = await loadBuiltinDatabase();
});

interface Extras {
  speed?: string | null;
  serviceTier?: string | null;
  inferenceGeo?: string | null;
  webSearchRequests?: number;
}

function record(identity: Partial<RecordIdentity> & { model: string }, tokens: TokenCounts, extras: Extras = {}): UsageRecord {
  const base = createRecord({ dialect: 'claude', timestamp: Date.parse('2026-04-12T12:00:00Z'), cacheReported: true, ...identity }, tokens);
  return { ...base, ...extras } as UsageRecord;
}

function cost(identity: Partial<RecordIdentity> & { model: string }, tokens: TokenCounts, extras: Extras = {}, mode: CostMode = 'calculate') {
  return createRecordPricer(createResolver(builtin, null), mode).priceRecord(record(identity, tokens, extras));
}

function breakdown(model: string, tokens: TokenCounts, extras: Extras = {}, provider?: string) {
  const value = record({ model, ...(provider ? { provider } : {}) }, tokens, extras);
  const result = calculateCostBreakdown(value, createResolver(builtin, null).resolve(value));
  if (result.cost === null) throw new Error(`unpriced: ${result.reason}`);
  return result.breakdown;
}

describe('Anthropic fast mode', () => {
  it('bills usage.speed "fast" at 6× the standard token cost, the premium on its own line', () => {
    // 1,000 × $5 + 2,000 × $25 = 5,000 + 50,000 = 55,000 per million → $0.055 standard;
    // fast: × 6 = $0.33, of which the premium is 5 × $0.055 = $0.275.
    const parts = breakdown('claude-opus-4-6', { inputTokens: 1000, outputTokens: 2000 }, { speed: 'fast' });
    expect(parts.tokens).toBeCloseTo(0.055, 12);
    expect(parts.fastPremium).toBeCloseTo(0.275, 12);
    expect(parts.total).toBeCloseTo(0.33, 12);
    expect(cost({ model: 'claude-opus-4-6' }, { inputTokens: 1000, outputTokens: 2000 }, { speed: 'standard' }).costUsd).toBeCloseTo(0.055, 12);
    // No published fast rate for Sonnet 4.5: 1,000 × $3 + 2,000 × $15 = $0.033, as standard.
    expect(breakdown('claude-sonnet-4-5-20250929', { inputTokens: 1000, outputTokens: 2000 }, { speed: 'fast' }).total).toBeCloseTo(0.033, 12);
  });
});

describe('server-side web search', () => {
  it('adds $10 per 1,000 searches', () => {
    // 1,000 × $5 = $0.005 of tokens; 3 searches × $10 / 1,000 = $0.03; total $0.035.
    const parts = breakdown('claude-opus-4-6', { inputTokens: 1000, outputTokens: 0 }, { webSearchRequests: 3 });
    expect(parts.webSearches).toBeCloseTo(0.03, 12);
    expect(parts.total).toBeCloseTo(0.035, 12);
  });
});

describe('US-only inference', () => {
  it('is 1.1× for Opus/Sonnet 4.6 and newer, 1× where no multiplier is published', () => {
    // sonnet-4-6: 1,000 × $3 + 1,000 × $15 = $0.018; × 1.1 = $0.0198 (premium $0.0018).
    const sonnet = breakdown('claude-sonnet-4-6', { inputTokens: 1000, outputTokens: 1000 }, { inferenceGeo: 'us' });
    expect(sonnet.regionPremium).toBeCloseTo(0.0018, 12);
    expect(sonnet.total).toBeCloseTo(0.0198, 12);
    // haiku-4-5: 1,000 × $1 + 1,000 × $5 = $0.006, no multiplier published for it.
    expect(breakdown('claude-haiku-4-5-20251001', { inputTokens: 1000, outputTokens: 1000 }, { inferenceGeo: 'us' }).total).toBeCloseTo(0.006, 12);
    // "global" and Claude Code's "not_available" are standard.
    expect(breakdown('claude-sonnet-4-6', { inputTokens: 1000, outputTokens: 1000 }, { inferenceGeo: 'not_available' }).total).toBeCloseTo(0.018, 12);
    expect([hasUsInferenceMultiplier('claude-opus-4-6'), hasUsInferenceMultiplier('claude-opus-4-5-20251101'), hasUsInferenceMultiplier('claude-3-7-sonnet')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('composes with fast mode: 6 × 1.1', () => {
    // $0.055 × 6 = $0.33; × 1.1 = $0.363 (region premium 0.1 × $0.33 = $0.033).
    const parts = breakdown('claude-opus-4-6', { inputTokens: 1000, outputTokens: 2000 }, { speed: 'fast', inferenceGeo: 'us' });
    expect(parts.regionPremium).toBeCloseTo(0.033, 12);
    expect(parts.total).toBeCloseTo(0.363, 12);
  });
});

describe('OpenAI service tiers', () => {
  it('bills flex at half and priority at twice the standard rates', () => {
    // gpt-5: 1,000,000 × $1.25 = $1.25 standard; flex $0.625; priority $2.50.
    const tokens = { inputTokens: 1_000_000, outputTokens: 0 };
    expect(breakdown('gpt-5', tokens, { serviceTier: 'flex' }, 'openai').total).toBeCloseTo(0.625, 12);
    expect(breakdown('gpt-5', tokens, { serviceTier: 'priority' }, 'openai')).toMatchObject({ tokens: 1.25, serviceTierAdjustment: 1.25, total: 2.5 });
    expect(breakdown('gpt-5', tokens, { serviceTier: 'default' }, 'openai').total).toBeCloseTo(1.25, 12);
  });

  it('lists each rule that applies to a model on its own line', () => {
    expect(describeBillingRules('claude-opus-4-6', 'anthropic')).toEqual([
      'fast mode (usage.speed "fast"): 6× the token cost',
      'web search: $10 per 1,000 requests (web fetch free)',
      'US-only inference (inference_geo "us"): 1.1× the token cost',
    ]);
    expect(describeBillingRules('gpt-5', 'openai')).toEqual(['service tier flex: 0.5× the token cost; priority: 2× (approximate where OpenAI publishes no priority rate)']);
  });
});

describe('a recorded cost of 0 is not a price', () => {
  it('is "no recorded cost" on a record with tokens, so auto calculates', () => {
    // thane wrote 0 for bedrock-east/claude-haiku-4-5; 1,000 × $1 + 100 × $5 = 1,500 per million → $0.0015.
    const identity = { dialect: 'thane' as const, model: 'claude-haiku-4-5', recordedCostUsd: 0 };
    const tokens = { inputTokens: 1000, outputTokens: 100 };
    expect(cost(identity, tokens, {}, 'auto')).toMatchObject({ costSource: 'calculated' });
    expect(cost(identity, tokens, {}, 'auto').costUsd).toBeCloseTo(0.0015, 12);
    expect(cost(identity, tokens, {}, 'recorded')).toMatchObject({ costSource: 'unknown', costUsd: null });
    // A recorded 0 on a record without tokens stays a real 0.
    expect(cost(identity, { inputTokens: 0, outputTokens: 0 }, {}, 'auto')).toMatchObject({ costSource: 'recorded', costUsd: 0 });
  });
});

describe('prices near the largest double', () => {
  it('are refused in a pricing file, and never computed into $NaN', () => {
    expect(() => parsePricingFile({ models: { a: { input: 1e308, output: 1 } } }, 'p.json')).toThrow(/p\.json: models\.a\.input: .*at most 1000000/);
    const rates = { input: 1e308, output: 1e308, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
    const table: PriceTable = { tiers: [{ above: 0, rates, defaulted: { cacheRead: false, cacheWrite5m: false, cacheWrite1h: false } }] };
    const tokens = { inputTokens: 10, outputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, unattributedTokens: 0 };
    // 10 × 1e308 overflows to Infinity: not a price.
    expect(calculateCost(tokens, table)).toEqual({ cost: null, reason: 'no-price' });
  });
});
