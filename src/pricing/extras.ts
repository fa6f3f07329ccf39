/**
 * Billing rules beyond per-token prices: what a call costs on top of (or
 * instead of) its tokens at standard rates. Each rule is written down in
 * docs/pricing.md with its source and a worked example; a rule applies only
 * where the provider publishes the rate, and says so when it does not.
 *
 * - Anthropic fast mode (`usage.speed: "fast"`): 6× the standard rates
 *   (published for Claude Opus 4.6: $30 / $150 per million input / output
 *   tokens against $5 / $25), on every token category; Opus 4.6 and later
 *   Opus models only, others have no published rate.
 * - Anthropic server-side web search (`usage.server_tool_use.web_search_requests`):
 *   $10 per 1,000 searches (the price data's `web_searches_kcount`); web
 *   fetches are free.
 * - Anthropic US-only inference (`usage.inference_geo: "us"`): 1.1× on every
 *   token category, for Claude Opus 4.6 and newer models; older models have
 *   no published multiplier and are priced at 1×.
 * - OpenAI service tiers (`service_tier`): `flex` is billed at half the
 *   standard rates, `priority` at twice them (GPT-5 family list prices);
 *   any other tier at the standard rates.
 */

/** What a record says about how its call was billed, beyond its tokens. */
export interface BillingContext {
  model: string;
  provider: string;
  speed: string | null;
  serviceTier: string | null;
  inferenceGeo: string | null;
  webSearchRequests: number;
}

/** A calculated cost split into the part each rule adds, in USD, full precision. */
export interface CostBreakdown {
  /** The tokens at the standard rates of the tier the prompt falls in. */
  tokens: number;
  /** Added by fast mode (5× the token cost, so the whole is 6×). */
  fastPremium: number;
  /** Added by US-only inference (0.1× of tokens + fast premium). */
  regionPremium: number;
  /** Added (priority) or taken off (flex, negative) by an OpenAI service tier. */
  serviceTierAdjustment: number;
  /** Server-side web searches. */
  webSearches: number;
  total: number;
}

export const FAST_MODE_MULTIPLIER = 6;
export const US_INFERENCE_MULTIPLIER = 1.1;
export const WEB_SEARCH_USD_PER_THOUSAND = 10;
export const OPENAI_TIER_MULTIPLIERS: Readonly<Record<string, number>> = { flex: 0.5, priority: 2 };

/**
 * Claude models for which Anthropic publishes the US-only inference
 * multiplier: Opus 4.6 and every model released after it (4.6 and later
 * minor versions, and any major version from 5).
 */
export function hasUsInferenceMultiplier(model: string): boolean {
  const match = /claude-(?:opus|sonnet|haiku)-(\d+)(?:[-.](\d+))?/i.exec(model) ?? /claude-(\d+)(?:[-.](\d+))?-(?:opus|sonnet|haiku)/i.exec(model);
  if (!match) return false;
  const major = Number(match[1]);
  const minor = match[2] !== undefined && match[2].length <= 2 ? Number(match[2]) : 0;
  return major > 4 || (major === 4 && minor >= 6);
}

/**
 * Claude models with a published fast-mode rate: Opus 4.6 and later Opus
 * models. Fast mode on any other model has no published rate and is priced
 * at the standard rates (said, not guessed).
 */
export function hasFastModeRate(model: string): boolean {
  const match = /claude-opus-(\d+)(?:[-.](\d+))?/i.exec(model);
  if (!match) return false;
  const major = Number(match[1]);
  const minor = match[2] !== undefined && match[2].length <= 2 ? Number(match[2]) : 0;
  return major > 4 || (major === 4 && minor >= 6);
}

const isAnthropicModel = (provider: string, model: string): boolean => provider === 'anthropic' || /claude/i.test(model);
const isAnthropic = (context: BillingContext): boolean => isAnthropicModel(context.provider, context.model);

/** Applies every billing rule to the standard token cost of one call. */
export function applyBillingRules(tokenCost: number, context: BillingContext): CostBreakdown {
  const breakdown: CostBreakdown = { tokens: tokenCost, fastPremium: 0, regionPremium: 0, serviceTierAdjustment: 0, webSearches: 0, total: 0 };
  breakdown.total = computeBilling(
    tokenCost,
    context.model,
    context.provider,
    context.speed,
    context.serviceTier,
    context.inferenceGeo,
    context.webSearchRequests,
    breakdown,
  );
  return breakdown;
}

/**
 * The total applyBillingRules returns, without building the breakdown or
 * the context: the pricer's per-record path (two objects a record were a
 * fifth of its pricing).
 */
export function billedTotal(
  tokenCost: number,
  model: string,
  provider: string,
  speed: string | null,
  serviceTier: string | null,
  inferenceGeo: string | null,
  webSearchRequests: number,
): number {
  return computeBilling(tokenCost, model, provider, speed, serviceTier, inferenceGeo, webSearchRequests, null);
}

/** The billing rules, once: the total, and each part into `breakdown` when given. */
function computeBilling(
  tokenCost: number,
  model: string,
  provider: string,
  speed: string | null,
  serviceTier: string | null,
  inferenceGeo: string | null,
  webSearchRequests: number,
  breakdown: CostBreakdown | null,
): number {
  const anthropic = isAnthropicModel(provider, model);
  const fast = anthropic && speed === 'fast' && hasFastModeRate(model);
  const fastPremium = fast ? tokenCost * (FAST_MODE_MULTIPLIER - 1) : 0;
  const us = anthropic && inferenceGeo === 'us' && hasUsInferenceMultiplier(model);
  const regionPremium = us ? (tokenCost + fastPremium) * (US_INFERENCE_MULTIPLIER - 1) : 0;
  const tierMultiplier = provider === 'openai' && serviceTier !== null ? (OPENAI_TIER_MULTIPLIERS[serviceTier] ?? 1) : 1;
  const serviceTierAdjustment = tokenCost * (tierMultiplier - 1);
  const webSearches = anthropic ? (webSearchRequests * WEB_SEARCH_USD_PER_THOUSAND) / 1000 : 0;
  if (breakdown !== null) {
    breakdown.fastPremium = fastPremium;
    breakdown.regionPremium = regionPremium;
    breakdown.serviceTierAdjustment = serviceTierAdjustment;
    breakdown.webSearches = webSearches;
  }
  return tokenCost + fastPremium + regionPremium + serviceTierAdjustment + webSearches;
}

/** The billing context of a record; fields a record does not carry read as standard. */
export function readBillingContext(record: {
  model: string;
  provider: string;
  speed?: string | null | undefined;
  serviceTier?: string | null | undefined;
  inferenceGeo?: string | null | undefined;
  webSearchRequests?: number | null | undefined;
}): BillingContext {
  return {
    model: record.model,
    provider: record.provider,
    speed: record.speed ?? null,
    serviceTier: record.serviceTier ?? null,
    inferenceGeo: record.inferenceGeo ?? null,
    webSearchRequests: record.webSearchRequests ?? 0,
  };
}

/** One line per billing rule that applies to a model, for `usage pricing`. */
export function describeBillingRules(model: string, provider: string): string[] {
  const rules: string[] = [];
  const context = { model, provider, speed: null, serviceTier: null, inferenceGeo: null, webSearchRequests: 0 };
  if (isAnthropic(context)) {
    rules.push(
      hasFastModeRate(model)
        ? `fast mode (usage.speed "fast"): ${FAST_MODE_MULTIPLIER}× the token cost`
        : 'fast mode: no published rate for this model (priced as standard)',
    );
    rules.push(`web search: $${WEB_SEARCH_USD_PER_THOUSAND} per 1,000 requests (web fetch free)`);
    rules.push(
      hasUsInferenceMultiplier(model)
        ? `US-only inference (inference_geo "us"): ${US_INFERENCE_MULTIPLIER}× the token cost`
        : 'US-only inference: no published multiplier for this model (priced at 1×)',
    );
  }
  if (provider === 'openai') {
    rules.push(`service tier flex: ${OPENAI_TIER_MULTIPLIERS['flex']}× the token cost; priority: ${OPENAI_TIER_MULTIPLIERS['priority']}× (approximate where OpenAI publishes no priority rate)`);
  }
  return rules;
}
