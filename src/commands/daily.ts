/**
 * `usage daily`, and the runner `usage weekly` and `usage monthly` share: the
 * three commands differ only in the period unit.
 */
import { analyze } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import type { PeriodUnit } from '../reducers/periods.js';
import { type CliContext, shouldUseColor } from '../cli/context.js';
import { checkReadable, type InputFlags, noteSkipped, resolveInputs } from '../cli/inputs.js';
import { type OutputFlags, resolveOutputFormat, writeDocument } from '../cli/output.js';
import { warnUnpriced } from '../cli/pricing.js';
import {
  buildPeriodChart,
  buildPeriodsReport,
  createPeriodsReducer,
  parseMetric,
  parseStartOfWeek,
} from '../reports/periods.js';

export interface PeriodFlags extends InputFlags, OutputFlags {
  breakdown?: boolean | undefined;
  chart?: boolean | undefined;
  metric?: string | undefined;
  startOfWeek?: string | undefined;
}

export async function runPeriodCommand(unit: PeriodUnit, paths: string[], flags: PeriodFlags, context: CliContext): Promise<number> {
  const format = resolveOutputFormat(flags);
  const metric = parseMetric(flags.metric);
  if (flags.chart && format !== 'table') {
    throw new UsageError(`--chart draws for the terminal and cannot be combined with --${format}.`);
  }
  const startOfWeek = unit === 'week' ? parseStartOfWeek(flags.startOfWeek) : undefined;
  const inputs = await resolveInputs(paths, flags, context);
  const options = { unit, zone: inputs.zone, startOfWeek, breakdown: Boolean(flags.breakdown) };
  const analysis = await analyze(inputs.sources, createPeriodsReducer(options), inputs.analyzeOptions);
  checkReadable(analysis.summary, context);
  if (flags.chart) {
    const chart = buildPeriodChart(analysis.state, unit, metric);
    const style = { color: shouldUseColor(context.stdout, context.env, flags.color), width: context.stdout.columns };
    const { renderBarChart, renderSparkline } = await import('../renderers/chart.js');
    context.stdout.write(
      chart.shape === 'bars'
        ? renderBarChart(chart.bars, style, chart.title)
        : renderSparkline(
            chart.bars.map((bar) => bar.value),
            style,
            chart.title,
          ),
    );
    if (!flags.quiet) for (const note of chart.notes) context.stderr.write(`note: ${note}\n`);
  } else {
    await writeDocument(buildPeriodsReport(analysis, { ...inputs, ...options }), context, flags);
  }
  if (!flags.quiet && analysis.state.undated.records > 0) {
    const count = analysis.state.undated.records;
    context.stderr.write(`note: ${count} record${count === 1 ? ' has' : 's have'} no timestamp and belong${count === 1 ? 's' : ''} to no ${unit}; they are left out.\n`);
  }
  warnUnpriced(inputs.pricer, context);
  noteSkipped(analysis.summary, context, flags.quiet);
  return 0;
}

export function runDaily(paths: string[], flags: PeriodFlags, context: CliContext): Promise<number> {
  return runPeriodCommand('day', paths, flags, context);
}
