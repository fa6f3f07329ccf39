/**
 * Turns per-key prices (flat or tiered) into a PriceTable, filling in the
 * cache prices a source left out by the documented default rules.
 */
import type { DefaultedRates, PriceTable, PriceTier, Rates } from './types.js';

/** A flat price, or a base price with long-context tiers (`start` = prompt size the tier applies above). */
export type KeyPrice = number | { base: number; tiers: ReadonlyArray<{ start: number; price: number }> };

export interface KeyPrices {
  input: KeyPrice;
  output?: KeyPrice | undefined;
  cacheRead?: KeyPrice | undefined;
  cacheWrite5m?: KeyPrice | undefined;
  cacheWrite1h?: KeyPrice | undefined;
}

/**
 * Anthropic bills cache traffic as fixed multiples of the input price; other
 * providers either have no write premium (OpenAI, Gemini, DeepSeek, ...) or
 * publish their cache prices, so their defaults assume no discount and no
 * premium: a cache read or write costs what fresh input costs.
 */
export type DefaultRule = 'anthropic' | 'input';

export const ANTHROPIC_MULTIPLIERS = { cacheRead: 0.1, cacheWrite5m: 1.25, cacheWrite1h: 2 } as const;

function priceAt(price: KeyPrice, threshold: number): number {
  if (typeof price === 'number') return price;
  let chosen = price.base;
  for (const tier of price.tiers) if (tier.start <= threshold) chosen = tier.price;
  return chosen;
}

function collectThresholds(prices: KeyPrices): number[] {
  const thresholds = new Set<number>();
  for (const price of [prices.input, prices.output, prices.cacheRead, prices.cacheWrite5m, prices.cacheWrite1h]) {
    if (price !== undefined && typeof price !== 'number') for (const tier of price.tiers) thresholds.add(tier.start);
  }
  return [...thresholds].sort((a, b) => a - b);
}

/** One tier from prices as they apply above `above` tokens of prompt. */
export function buildTier(prices: KeyPrices, above: number, rule: DefaultRule): PriceTier {
  const read = (price: KeyPrice | undefined): number | undefined => (price === undefined ? undefined : priceAt(price, above));
  const input = priceAt(prices.input, above);
  const output = read(prices.output);
  const cacheRead = read(prices.cacheRead);
  const cacheWrite5m = read(prices.cacheWrite5m);
  const cacheWrite1h = read(prices.cacheWrite1h);
  const defaulted: DefaultedRates = {
    cacheRead: cacheRead === undefined,
    cacheWrite5m: cacheWrite5m === undefined,
    cacheWrite1h: cacheWrite1h === undefined,
  };
  let rates: Rates;
  if (rule === 'anthropic') {
    rates = {
      input,
      output: output ?? null,
      cacheRead: cacheRead ?? input * ANTHROPIC_MULTIPLIERS.cacheRead,
      cacheWrite5m: cacheWrite5m ?? input * ANTHROPIC_MULTIPLIERS.cacheWrite5m,
      cacheWrite1h: cacheWrite1h ?? input * ANTHROPIC_MULTIPLIERS.cacheWrite1h,
    };
  } else {
    const write5m = cacheWrite5m ?? input;
    rates = { input, output: output ?? null, cacheRead: cacheRead ?? input, cacheWrite5m: write5m, cacheWrite1h: cacheWrite1h ?? write5m };
  }
  return { above, rates, defaulted };
}

export function buildPriceTable(prices: KeyPrices, rule: DefaultRule): PriceTable {
  const tiers = [buildTier(prices, 0, rule)];
  for (const threshold of collectThresholds(prices)) tiers.push(buildTier(prices, threshold, rule));
  return { tiers };
}

/** The tier for a request: decided once, from the request's whole prompt. */
export function selectTier(table: PriceTable, promptTokens: number): PriceTier {
  const { tiers } = table;
  let chosen = tiers[0]!;
  for (let index = 1; index < tiers.length; index++) {
    const tier = tiers[index]!;
    if (promptTokens > tier.above) chosen = tier;
  }
  return chosen;
}
