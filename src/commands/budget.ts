/**
 * `usage budget`: exit 0 within limits, 3 when a limit is breached
 * (docs/budget.md). Made for CI: the table or JSON goes to stdout, the
 * verdict in sentences to stderr. Limits come from the flags, else from the
 * config file's `budgets` (read once, by the runner).
 */
import { budgetBy, engine, html, LOG_FLAGS, maxCost, maxTokens, OUTPUT_FLAGS, period, warnAt } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';
import { UsageError } from '../core/errors.js';

export const command = defineCommand({
  name: 'budget',
  summary: 'check spend against limits; exit 3 when a limit is breached (for CI)',
  inputs: 'logs',
  repeatable: true,
  flags: { ...LOG_FLAGS, ...OUTPUT_FLAGS, html, maxCost, maxTokens, period, by: budgetBy, warnAt, engine },
  help: 'Exit codes: 0 within limits, 3 a limit was breached (even with unreadable input), 2 bad flags, 1 unreadable data within limits.',
  examples: ['usage budget logs/ --max-cost 25 --period month --warn-at 0.8', 'usage budget logs/ --max-tokens 5000000 --since this-month --by project'],
  check(options) {
    if (options.maxCost === undefined && options.maxTokens === undefined) {
      throw new UsageError('usage budget needs a limit: pass --max-cost USD or --max-tokens N (or set budgets in the config file).');
    }
  },
  async run(request) {
    const { options, analyze, readInputs, context } = request;
    const limits = {
      maxCost: options.maxCost ?? null,
      maxTokens: options.maxTokens ?? null,
      period: options.period,
      by: options.by ?? null,
      warnAt: options.warnAt ?? null,
    };
    const { buildBudgetReport, checkBudget, createBudgetReducer, describeBudgetProblems, readBudgetVerdict } = await import(
      '../reports/budget.js'
    );
    const inputs = await readInputs();
    const analysis =
      options.engine === 'duckdb'
        ? await (async () => {
            const [{ analyzeLake }, { foldBudget, listBudgetColumns }] = await Promise.all([import('../engine/run.js'), import('../engine/fold.js')]);
            return analyzeLake(request, listBudgetColumns(limits), (bundles) => foldBudget(bundles, limits, inputs.zone), limits.period !== 'all');
          })()
        : await analyze(createBudgetReducer(limits, inputs.zone));
    const result = checkBudget(analysis.state, limits, inputs.zone, context.now);
    const problems = describeBudgetProblems(result);
    const checked = result.checks.length;
    const breaches = result.checks.filter((check) => check.status === 'breach').length;
    return {
      document: buildBudgetReport(result, analysis, inputs),
      // Breaches and unpriced usage are the verdict itself, so --quiet does not hide them.
      warnings: problems.filter((line) => !line.startsWith('note:')),
      notes: [
        ...problems.filter((line) => line.startsWith('note:')),
        result.status === 'breach'
          ? `budget: ${breaches} of ${checked} checks over the limit (exit 3)`
          : `budget: ${checked} check${checked === 1 ? '' : 's'} within limits`,
      ],
      verdict: readBudgetVerdict(result),
      // Unknown prices only matter to a cost limit; a token budget is exact without them.
      warnUnpriced: limits.maxCost !== null,
    };
  },
});
