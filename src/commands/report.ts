import { analyze } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import type { CliContext } from '../cli/context.js';
import { checkReadable, type InputFlags, noteSkipped, resolveInputs } from '../cli/inputs.js';
import { type OutputFlags, resolveOutputFormat, writeDocument } from '../cli/output.js';
import { warnUnpriced } from '../cli/pricing.js';
import { buildReport, createReportReducer, DEFAULT_TREND_DAYS } from '../reports/report.js';
import { readCalendarDate } from '../time/zone.js';

export type ReportFlags = InputFlags & OutputFlags & { trendDays?: string | undefined };

// Ten years of days is already more than any table can show.
const MAX_TREND_DAYS = 3660;

export function parseTrendDays(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TREND_DAYS;
  const days = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(days) || days < 1 || days > MAX_TREND_DAYS) {
    throw new UsageError(`--trend-days "${text}" is not a number of days: use a whole number from 1 to ${MAX_TREND_DAYS}.`);
  }
  return days;
}

export async function runReport(paths: string[], flags: ReportFlags, context: CliContext): Promise<number> {
  resolveOutputFormat(flags);
  const trendDays = parseTrendDays(flags.trendDays);
  const inputs = await resolveInputs(paths, flags, context);
  const analysis = await analyze(inputs.sources, createReportReducer(inputs.zone), inputs.analyzeOptions);
  checkReadable(analysis.summary, context);
  const today = readCalendarDate(context.now.getTime(), inputs.zone);
  await writeDocument(buildReport(analysis, { ...inputs, today, trendDays }), context, flags);
  warnUnpriced(inputs.pricer, context);
  noteSkipped(analysis.summary, context, flags.quiet);
  return 0;
}
