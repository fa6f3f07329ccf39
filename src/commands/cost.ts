import type { CliContext } from '../cli/context.js';
import { checkReadable, type InputFlags, noteSkipped, resolveInputs } from '../cli/inputs.js';
import { type OutputFlags, resolveOutputFormat, writeDocument } from '../cli/output.js';
import { warnUnpriced } from '../cli/pricing.js';
import { analyze } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import { buildCostReport, COST_KEYS, type CostKey, createCostReducer, createKeyReader } from '../reports/cost.js';

export type CostFlags = InputFlags & OutputFlags & { by?: string | undefined };

/** `--by project,model` → ['project', 'model']; `-` and spaces are accepted for `_`. */
export function parseCostKeys(text: string | undefined): CostKey[] {
  const parts = (text ?? 'model')
    .split(',')
    .map((part) => part.trim().toLowerCase().replace(/[- ]/g, '_'))
    .filter((part) => part !== '');
  if (parts.length === 0) throw new UsageError(`--by needs at least one key: ${COST_KEYS.join(', ')}.`);
  const keys: CostKey[] = [];
  for (const part of parts) {
    if (!(COST_KEYS as readonly string[]).includes(part)) {
      throw new UsageError(`--by "${part}" is not a grouping key: use ${COST_KEYS.join(', ')}.`);
    }
    if (keys.includes(part as CostKey)) throw new UsageError(`--by lists "${part}" twice.`);
    keys.push(part as CostKey);
  }
  return keys;
}

export async function runCost(paths: string[], flags: CostFlags, context: CliContext): Promise<number> {
  resolveOutputFormat(flags);
  const by = parseCostKeys(flags.by);
  const inputs = await resolveInputs(paths, flags, context);
  const reducer = createCostReducer(by.map((key) => createKeyReader(key, inputs.zone)));
  const analysis = await analyze(inputs.sources, reducer, inputs.analyzeOptions);
  checkReadable(analysis.summary, context);
  const { resolver, mode } = inputs.pricer;
  const document = buildCostReport(analysis, {
    by,
    since: inputs.since,
    until: inputs.until,
    zone: inputs.zone,
    costMode: mode,
    priceSource: resolver.builtin?.source ?? 'none',
    pricingFile: resolver.overrides?.path ?? null,
  });
  await writeDocument(document, context, flags);
  noteSkipped(analysis.summary, context, flags.quiet);
  warnUnpriced(inputs.pricer, context);
  return 0;
}
