/**
 * `usage budget`: exit 0 within limits, 3 when a limit is breached, 2 for bad
 * flags (docs/budget.md). Made for CI: the table or JSON goes to stdout, the
 * verdict in sentences to stderr.
 */
import { analyze } from '../core/analyze.js';
import type { CliContext } from '../cli/context.js';
import { loadConfig } from '../cli/config.js';
import { checkReadable, type InputFlags, noteSkipped, resolveInputs } from '../cli/inputs.js';
import { type OutputFlags, resolveOutputFormat, writeDocument } from '../cli/output.js';
import { warnUnpriced } from '../cli/pricing.js';
import {
  type BudgetFlagValues,
  buildBudgetReport,
  checkBudget,
  createBudgetReducer,
  describeBudgetProblems,
  readBudgetExitCode,
  resolveBudgetLimits,
} from '../reports/budget.js';

export type BudgetFlags = InputFlags & OutputFlags & BudgetFlagValues;

export async function runBudget(paths: string[], flags: BudgetFlags, context: CliContext): Promise<number> {
  resolveOutputFormat(flags);
  const config = await loadConfig(flags.config, context);
  const limits = resolveBudgetLimits(flags, config.budgets);
  const inputs = await resolveInputs(paths, flags, context);
  const analysis = await analyze(inputs.sources, createBudgetReducer(limits, inputs.zone), inputs.analyzeOptions);
  checkReadable(analysis.summary, context);
  const result = checkBudget(analysis.state, limits, inputs.zone, context.now);
  await writeDocument(buildBudgetReport(result, analysis, inputs), context, flags);
  // Breaches and unpriced usage are the verdict itself, so --quiet does not hide them.
  for (const line of describeBudgetProblems(result)) {
    if (!flags.quiet || !line.startsWith('note:')) context.stderr.write(`${line}\n`);
  }
  const checked = result.checks.length;
  if (!flags.quiet) {
    context.stderr.write(
      result.status === 'breach'
        ? `budget: ${result.checks.filter((check) => check.status === 'breach').length} of ${checked} checks over the limit (exit 3)\n`
        : `budget: ${checked} check${checked === 1 ? '' : 's'} within limits\n`,
    );
  }
  // Unknown prices only matter to a cost limit; a token budget is exact without them.
  if (limits.maxCost !== null) warnUnpriced(inputs.pricer, context);
  noteSkipped(analysis.summary, context, flags.quiet);
  return readBudgetExitCode(result);
}
