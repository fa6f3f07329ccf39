/**
 * The shapes the pricing engine works in. Every price is US dollars per
 * million tokens; costs are computed in full precision and rounded only when
 * shown.
 */

/** Per-million-token prices that apply to one request. */
export interface Rates {
  input: number;
  /** Null when the data has no output price (embedding models): output tokens then make the cost unknown. */
  output: number | null;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

/** Which of a tier's cache prices were filled in by a default rule rather than given. */
export interface DefaultedRates {
  cacheRead: boolean;
  cacheWrite5m: boolean;
  cacheWrite1h: boolean;
}

export interface PriceTier {
  /** The tier applies when a request's whole prompt is larger than this; 0 for the base tier. */
  above: number;
  rates: Rates;
  defaulted: DefaultedRates;
}

/** All tiers of one price list entry, base tier first, thresholds ascending. */
export interface PriceTable {
  tiers: PriceTier[];
}

export type PriceOrigin = 'built-in' | 'override';

/** One entry of a model's price history; of the entries that apply to a call, the last one wins. */
export interface PricePeriod {
  /** `YYYY-MM-DD` (UTC) from which the entry applies, or null for no start. */
  startDate: string | null;
  startMs: number | null;
  /** A daily UTC window (seconds since midnight, end exclusive) the entry is limited to, e.g. off-peak hours. */
  window: { start: number; end: number; text: string } | null;
  table: PriceTable;
  origin: PriceOrigin;
}

/** How a model id was matched to a price. */
export type ResolutionStep = 'exact' | 'dated' | 'provider-prefix' | 'upstream' | 'deployment' | 'free';

export interface PriceMatch {
  /** The id the price is filed under (the data's model id or the override file's key). */
  modelId: string;
  /** The data's provider id (`anthropic`, `openai`, ...) or `override`. */
  providerId: string;
  /** The normalized candidate that matched. */
  matched: string;
  step: ResolutionStep;
}

export interface Resolution {
  status: 'priced' | 'free' | 'unknown';
  /** The built-in match, when there is one. */
  builtin: PriceMatch | null;
  /** The override-file match, when there is one. */
  override: PriceMatch | null;
  /** Built-in entries first, then override entries, so an applicable override wins. */
  periods: PricePeriod[];
}

export type CostMode = 'calculate' | 'recorded' | 'auto';
export const COST_MODES: readonly CostMode[] = ['calculate', 'recorded', 'auto'];
