/** `usage report`: totals, days and streaks, shares, cache health, and what was skipped. */
import { engine, html, LOG_FLAGS, OUTPUT_FLAGS, trendDays } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';

export const command = defineCommand({
  name: 'report',
  summary: 'totals per token kind, days and streaks, shares, cache health, and what was skipped',
  inputs: 'logs',
  repeatable: true,
  flags: { ...LOG_FLAGS, ...OUTPUT_FLAGS, html, trendDays, engine },
  examples: [
    'usage report ~/.claude/projects --since 2026-11-01',
    'usage report logs/ --since 7d',
    'usage report logs/ --json | jq .totals.total_tokens',
    'usage report logs/ --html report.html',
    'usage report team-exports/ --engine duckdb',
  ],
  async run(request) {
    const { options, analyze, readInputs } = request;
    const { buildReport, createReportReducer } = await import('../reports/report.js');
    const inputs = await readInputs();
    const analysis =
      options.engine === 'duckdb'
        ? await (async () => {
            const [{ analyzeLake }, { foldReport, REPORT_COLUMNS, REPORT_SHARE_COLUMNS }] = await Promise.all([import('../engine/run.js'), import('../engine/fold.js')]);
            return analyzeLake(request, REPORT_COLUMNS, (bundles, result) => foldReport(bundles, result.more[0] ?? [], inputs.zone, result.contextMiddle), true, {
              contextMedian: true,
              alsoGroupBy: [REPORT_SHARE_COLUMNS],
            });
          })()
        : await analyze(createReportReducer(inputs.zone));
    const resolver = inputs.pricer?.resolver;
    const prices = { builtIn: resolver?.builtin?.source ?? 'none', overrideFile: resolver?.overrides?.path ?? null };
    return { document: buildReport(analysis, { ...inputs, today: inputs.today, trendDays: options.trendDays, prices }) };
  },
});
