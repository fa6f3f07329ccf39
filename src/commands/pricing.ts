/**
 * `usage pricing MODEL...` shows how each id resolves and the prices behind
 * it; `usage pricing --unknown [paths]` lists the models in the logs that
 * have none. Either way, a model with no price is the answer "no" (exit 4).
 */
import { LOG_FLAGS, OUTPUT_FLAGS, unknown } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';
import { UsageError } from '../core/errors.js';
import type { Reducer } from '../reducers/reducer.js';

const ignoreRecords: Reducer<null> = { create: () => null, add: () => {}, merge: () => null };

export const command = defineCommand({
  name: 'pricing',
  summary: 'how model ids resolve to prices (or, with --unknown, which models in the logs have no price); exit 4 when one has none',
  arguments: { syntax: '[models-or-paths...]', description: 'model ids; with --unknown, log paths (none reads the default locations)' },
  inputs: 'logs',
  flags: { ...LOG_FLAGS, ...OUTPUT_FLAGS, unknown },
  examples: ['usage pricing claude-sonnet-4-5-20250929 gpt-5', 'usage pricing --unknown ~/.codex/sessions'],
  async run({ options, args, analyze, readInputs, context }) {
    const { buildPricingReport, buildUnknownModelsReport } = await import('../reports/pricing.js');
    const { createRecordPricer } = await import('../pricing/calculate.js');
    if (options.unknown) {
      const inputs = await readInputs();
      if (!inputs.pricer) throw new Error('pricing reads priced logs');
      // Whatever --cost-mode says, the question is which models the price data lacks.
      const pricer = createRecordPricer(inputs.pricer.resolver, 'calculate');
      const analysis = await analyze(ignoreRecords, { priceRecord: pricer.priceRecord });
      const document = buildUnknownModelsReport(analysis, pricer);
      const missing = (document.json as { unpriced_models: unknown[] }).unpriced_models.length;
      // The table is the answer; the runner's warning lines would repeat it.
      return { document, verdict: missing > 0 ? 'no' : 'ok', warnUnpriced: false };
    }
    const readingFlags = (['since', 'until', 'format', 'strict'] as const).filter((flag) => options[flag]);
    if (readingFlags.length > 0) {
      const named = readingFlags.map((flag) => `--${flag}`).join(', ');
      throw new UsageError(`${named} only apply to reading logs: use them with --unknown [paths].`);
    }
    if (args.length === 0) {
      throw new UsageError('Name at least one model id, e.g. `usage pricing claude-sonnet-4-5`, or use --unknown [paths].');
    }
    const { resolvePriceResolver } = await import('../cli/pricing.js');
    const report = buildPricingReport([...args], await resolvePriceResolver(options, context));
    return {
      document: report.document,
      warnings: report.unknown.map((model) => `warning: no price for "${model}"; add it with --pricing FILE (docs/pricing.md).`),
      verdict: report.unknown.length > 0 ? 'no' : 'ok',
    };
  },
});
