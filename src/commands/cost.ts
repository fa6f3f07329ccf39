/** `usage cost`: tokens and cost grouped by one or more keys, highest cost first. */
import { costBy, engine, html, LOG_FLAGS, OUTPUT_FLAGS } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';

export const command = defineCommand({
  name: 'cost',
  summary: 'tokens and cost grouped by one or more keys, highest cost first',
  inputs: 'logs',
  repeatable: true,
  flags: { ...LOG_FLAGS, ...OUTPUT_FLAGS, html, by: costBy, engine },
  examples: ['usage cost --by model', 'usage cost logs/ --by project,model --since this-month --json', 'usage cost team-exports/ --by machine,model --engine duckdb'],
  async run(request) {
    const { options, analyze, readInputs } = request;
    const { buildCostReport, createCostReducer, createKeyReader } = await import('../reports/cost.js');
    const inputs = await readInputs();
    const by = [...options.by];
    const analysis =
      options.engine === 'duckdb'
        ? await (async () => {
            const [{ analyzeLake }, { foldCost, listCostColumns }] = await Promise.all([import('../engine/run.js'), import('../engine/fold.js')]);
            return analyzeLake(request, listCostColumns(by), (bundles) => foldCost(bundles, by, inputs.zone), listCostColumns(by).length < by.length);
          })()
        : await analyze(createCostReducer(by.map((key) => createKeyReader(key, inputs.zone))));
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
