/**
 * Resolves --pricing and --cost-mode into the record pricer, and words the
 * one-line warnings about records whose cost is unknown (the runner writes
 * them at the end of a run).
 */
import { isAbsolute, resolve } from 'node:path';
import { createRecordPricer, type RecordPricer, type UnpricedModel, type UnpricedReason } from '../pricing/calculate.js';
import { loadBuiltinDatabase } from '../pricing/database.js';
import { loadPricingFile, type OverrideDatabase } from '../pricing/overrides.js';
import { createResolver, type Resolver } from '../pricing/resolve.js';
import type { CostMode } from '../pricing/types.js';
import { formatInteger, sanitizeText } from '../renderers/format.js';
import type { CliContext } from './context.js';

export interface PricingOptions {
  /** The override file as given (relative to the working directory) or from the config file (absolute). */
  pricing?: string | undefined;
  costMode?: CostMode | undefined;
}

/** The built-in data plus the override file, if one was given. */
export async function resolvePriceResolver(flags: PricingOptions, context: CliContext): Promise<Resolver> {
  let overrides: OverrideDatabase | null = null;
  if (flags.pricing !== undefined) {
    const path = isAbsolute(flags.pricing) ? flags.pricing : resolve(context.cwd, flags.pricing);
    overrides = await loadPricingFile(path, flags.pricing);
  }
  return createResolver(await loadBuiltinDatabase(), overrides);
}

export async function resolvePricer(flags: PricingOptions, context: CliContext): Promise<RecordPricer> {
  return createRecordPricer(await resolvePriceResolver(flags, context), flags.costMode ?? 'auto');
}

const REASON_TEXT: Record<UnpricedReason, string> = {
  'no-price': 'no price is known for this model; add one with --pricing FILE (docs/pricing.md)',
  'no-recorded-cost': 'the log recorded no cost and --cost-mode is recorded',
  'total-only': 'the log gave only a token total, which cannot be split into priced parts',
  'no-output-price': 'the price data has no output price for this model',
};

export function describeUnpriced(entry: UnpricedModel): string {
  const reasons = (Object.keys(entry.reasons) as UnpricedReason[])
    .sort()
    .map((reason) => REASON_TEXT[reason])
    .join('; ');
  const records = `${formatInteger(entry.records)} record${entry.records === 1 ? '' : 's'}`;
  return `cost unknown for ${records} of model "${sanitizeText(entry.model)}" (${formatInteger(entry.totalTokens)} tokens): ${reasons}.`;
}

/** The models whose cost is unknown, most tokens first: the one ordering every warning and report uses. */
export function listUnpricedModels(pricer: RecordPricer): UnpricedModel[] {
  return [...pricer.unpriced.values()].sort(
    (a, b) => b.totalTokens - a.totalTokens || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0),
  );
}

const WARNING_LIMIT = 10;

/**
 * One line per model whose cost is unknown; past ten, one line for the rest
 * that points at where they are all listed: the `unpriced_models` key when
 * the command prints one, else `usage pricing --unknown`.
 */
export function describeUnpricedWarnings(pricer: RecordPricer, printsUnpricedModels: boolean): string[] {
  const entries = listUnpricedModels(pricer);
  const lines = entries.slice(0, WARNING_LIMIT).map((entry) => `warning: ${describeUnpriced(entry)}`);
  if (entries.length > WARNING_LIMIT) {
    const where = printsUnpricedModels ? 'listed under unpriced_models in --json' : 'run `usage pricing --unknown` with the same paths to list them';
    lines.push(`warning: and ${entries.length - WARNING_LIMIT} more models with unknown cost (${where}).`);
  }
  return lines;
}
