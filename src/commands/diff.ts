/**
 * `usage diff`: two date ranges of the logs (read once), or two saved
 * `usage report --json` files with --reports (the first is the baseline).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { analyze } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import type { CliContext } from '../cli/context.js';
import { checkReadable, type InputFlags, noteSkipped, parseDateFlag, resolveInputs, resolveRange } from '../cli/inputs.js';
import { type OutputFlags, resolveOutputFormat, writeDocument } from '../cli/output.js';
import { warnUnpriced } from '../cli/pricing.js';
import { buildDiffReport, createDiffReducer, parseSavedReport, rangesOverlap, readDiffSide } from '../reports/diff.js';
import { formatCalendarDate } from '../time/zone.js';

export interface DiffFlags extends InputFlags, OutputFlags {
  againstSince?: string | undefined;
  againstUntil?: string | undefined;
  reports?: boolean | undefined;
}

async function readSavedReport(path: string, context: CliContext) {
  let text: string;
  try {
    text = await readFile(resolve(context.cwd, path), 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${path}: ${(error as Error).message}.`);
  }
  return parseSavedReport(text, path);
}

async function diffReports(paths: string[], flags: DiffFlags, context: CliContext): Promise<number> {
  const dated = (['since', 'until', 'againstSince', 'againstUntil'] as const).filter((flag) => flags[flag] !== undefined);
  if (dated.length > 0) {
    throw new UsageError('--reports compares two saved reports as they are; date flags do not apply to them.');
  }
  if (paths.length !== 2) {
    throw new UsageError(`--reports needs exactly two files (baseline, then current); ${paths.length} given.`);
  }
  const [baselinePath, currentPath] = paths as [string, string];
  const baseline = await readSavedReport(baselinePath, context);
  const current = await readSavedReport(currentPath, context);
  await writeDocument(buildDiffReport(baseline, current, { mode: 'reports' }), context, flags);
  return 0;
}

export async function runDiff(paths: string[], flags: DiffFlags, context: CliContext): Promise<number> {
  resolveOutputFormat(flags);
  if (flags.reports) return diffReports(paths, flags, context);
  if (flags.since === undefined || flags.againstSince === undefined || flags.againstUntil === undefined) {
    throw new UsageError(
      'usage diff needs two periods: --since (and optionally --until) for the current one, --against-since and --against-until for the baseline; or --reports with two saved reports.',
    );
  }
  // Named by their own flags here; resolveRange below would call them --since/--until.
  const againstSince = formatCalendarDate(parseDateFlag('--against-since', flags.againstSince));
  const againstUntil = formatCalendarDate(parseDateFlag('--against-until', flags.againstUntil));
  if (againstUntil < againstSince) {
    throw new UsageError(`--against-until ${flags.againstUntil} is before --against-since ${flags.againstSince}.`);
  }
  // Both ranges are applied by the diff reducer; reading is not filtered, so the logs are read once.
  const inputs = await resolveInputs(paths, { ...flags, since: undefined, until: undefined }, context);
  const current = resolveRange(flags.since, flags.until, inputs.zone);
  const baseline = resolveRange(flags.againstSince, flags.againstUntil, inputs.zone);
  if (!flags.quiet && rangesOverlap(current.range, baseline.range)) {
    context.stderr.write('note: the two periods overlap; usage in both is counted on both sides.\n');
  }
  const analysis = await analyze(inputs.sources, createDiffReducer(baseline.range, current.range), inputs.analyzeOptions);
  checkReadable(analysis.summary, context);
  const describe = (side: typeof current) => ({
    since: side.since ? formatCalendarDate(side.since) : null,
    until: side.until ? formatCalendarDate(side.until) : null,
    tz: inputs.zone,
  });
  const document = buildDiffReport(
    readDiffSide(analysis.state.baseline, describe(baseline)),
    readDiffSide(analysis.state.current, describe(current)),
    { mode: 'periods', analysis },
  );
  await writeDocument(document, context, flags);
  warnUnpriced(inputs.pricer, context);
  noteSkipped(analysis.summary, context, flags.quiet);
  return 0;
}
