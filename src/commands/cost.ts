/** `usage cost`: tokens and cost grouped by one or more keys, highest cost first. */
import { costBy, html, LOG_FLAGS, OUTPUT_FLAGS } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';

export const command = defineCommand({
  name: 'cost',
  summary: 'tokens and cost grouped by one or more keys, highest cost first',
  inputs: 'logs',
  flags: { ...LOG_FLAGS, ...OUTPUT_FLAGS, html, by: costBy },
  examples: ['usage cost --by model', 'usage cost logs/ --by project,model --since this-month --json'],
  async run({ options, analyze, readInputs }) {
    const { buildCostReport, createCostReducer, createKeyReader } = await import('../reports/cost.js');
    const inputs = await readInputs();
    const by = [...options.by];
    const analysis = await analyze(createCostReducer(by.map((key) => createKeyReader(key, inputs.zone))));
    const resolver = inputs.pricer?.resolver;
    const document = buildCostReport(analysis, {
      by,
      since: inputs.since,
      until: inputs.until,
      zone: inputs.zone,
      costMode: options.costMode,
      priceSource: resolver?.builtin?.source ?? 'none',
      pricingFile: resolver?.overrides?.path ?? null,
    });
    return { document };
  },
});
