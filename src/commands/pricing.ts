import type { CliContext } from '../cli/context.js';
import { checkReadable, type InputFlags, noteSkipped, resolveInputs } from '../cli/inputs.js';
import { type OutputFlags, resolveOutputFormat, writeDocument } from '../cli/output.js';
import { loadConfig } from '../cli/config.js';
import { resolveCostMode, resolvePriceResolver } from '../cli/pricing.js';
import { analyze } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import { createRecordPricer } from '../pricing/calculate.js';
import type { Reducer } from '../reducers/reducer.js';
import { buildPricingReport, buildUnknownModelsReport } from '../reports/pricing.js';

export type PricingCommandFlags = InputFlags & OutputFlags & { unknown?: boolean | undefined };

const ignoreRecords: Reducer<null> = { create: () => null, add: () => {}, merge: () => null };

/**
 * `usage pricing MODEL...` shows how each id resolves and the prices behind
 * it (exit 1 when any id has no price, like a lookup that failed);
 * `usage pricing --unknown [paths]` lists the models in the logs without one.
 */
export async function runPricing(paths: string[], flags: PricingCommandFlags, context: CliContext): Promise<number> {
  resolveOutputFormat(flags);
  if (flags.unknown) {
    const inputs = await resolveInputs(paths, flags, context);
    // Whatever --cost-mode says, the question is which models the price data lacks.
    const pricer = createRecordPricer(inputs.pricer.resolver, 'calculate');
    const analysis = await analyze(inputs.sources, ignoreRecords, { ...inputs.analyzeOptions, priceRecord: pricer.priceRecord });
    checkReadable(analysis.summary, context);
    await writeDocument(buildUnknownModelsReport(analysis, pricer), context, flags);
    noteSkipped(analysis.summary, context, flags.quiet);
    return 0;
  }
  if (paths.length === 0) {
    throw new UsageError('Name at least one model id, e.g. `usage pricing claude-sonnet-4-5`, or use --unknown [paths].');
  }
  const config = await loadConfig(flags.config, context);
  resolveCostMode(flags.costMode);
  const resolver = await resolvePriceResolver({ pricing: flags.pricing ?? config.pricing }, context);
  const report = buildPricingReport(paths, resolver);
  await writeDocument(report.document, context, flags);
  for (const model of report.unknown) {
    context.stderr.write(`warning: no price for "${model}"; add it with --pricing FILE (docs/pricing.md).\n`);
  }
  return report.unknown.length > 0 ? 1 : 0;
}
