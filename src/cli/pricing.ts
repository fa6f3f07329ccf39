/**
 * Resolves --pricing and --cost-mode into the record pricer, and writes the
 * one-line warnings about records whose cost is unknown at the end of a run.
 */
import { isAbsolute, resolve } from 'node:path';
import type { PriceRecord } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import { createRecordPricer, type RecordPricer, type UnpricedModel, type UnpricedReason } from '../pricing/calculate.js';
import { loadBuiltinDatabase } from '../pricing/database.js';
import { loadPricingFile, type OverrideDatabase } from '../pricing/overrides.js';
import { createResolver, type Resolver } from '../pricing/resolve.js';
import { COST_MODES, type CostMode } from '../pricing/types.js';
import { formatInteger, sanitizeText } from '../renderers/format.js';
import type { CliContext } from './context.js';

export interface PricingFlags {
  pricing?: string | undefined;
  costMode?: string | undefined;
}

export function resolveCostMode(flag: string | undefined): CostMode {
  const mode = flag ?? 'auto';
  if (!(COST_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--cost-mode "${mode}" is not a cost mode: use calculate, recorded or auto.`);
  }
  return mode as CostMode;
}

/** The built-in data plus the override file, if one was given. */
export async function resolvePriceResolver(flags: PricingFlags, context: CliContext): Promise<Resolver> {
  let overrides: OverrideDatabase | null = null;
  if (flags.pricing !== undefined) {
    const path = isAbsolute(flags.pricing) ? flags.pricing : resolve(context.cwd, flags.pricing);
    overrides = await loadPricingFile(path, flags.pricing);
  }
  return createResolver(await loadBuiltinDatabase(), overrides);
}

export async function resolvePricer(flags: PricingFlags, context: CliContext): Promise<RecordPricer> {
  const mode = resolveCostMode(flags.costMode);
  return createRecordPricer(await resolvePriceResolver(flags, context), mode);
}

export async function resolvePriceRecord(flags: PricingFlags, context: CliContext): Promise<PriceRecord> {
  return (await resolvePricer(flags, context)).priceRecord;
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

const WARNING_LIMIT = 10;

/** One line per model whose cost is unknown, most tokens first; never silent, even with --quiet. */
export function warnUnpriced(pricer: RecordPricer, context: CliContext): void {
  const entries = [...pricer.unpriced.values()].sort(
    (a, b) => b.totalTokens - a.totalTokens || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0),
  );
  for (const entry of entries.slice(0, WARNING_LIMIT)) context.stderr.write(`warning: ${describeUnpriced(entry)}\n`);
  if (entries.length > WARNING_LIMIT) {
    context.stderr.write(
      `warning: and ${entries.length - WARNING_LIMIT} more models with unknown cost (listed under unpriced_models in --json).\n`,
    );
  }
}
