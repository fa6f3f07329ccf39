/**
 * `usage diff`: two date ranges of the logs (read once), or two saved
 * `usage report --json` files with --reports (the first is the baseline).
 */
import { againstSince, againstUntil, LOG_FLAGS, OUTPUT_FLAGS, reports } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';
import { UsageError } from '../core/errors.js';

export const command = defineCommand({
  name: 'diff',
  summary: 'change in tokens and cost, per model and in total, between two periods or two saved JSON reports',
  inputs: 'logs',
  flags: { ...LOG_FLAGS, ...OUTPUT_FLAGS, againstSince, againstUntil, reports },
  examples: [
    'usage diff logs/ --since 2026-11-08 --until 2026-11-14 --against-since 2026-11-01 --against-until 2026-11-07',
    'usage diff --reports last-week.json this-week.json',
  ],
  async run({ options, args, analyze, readInputs, context }) {
    const { buildDiffReport, createDiffReducer, parseSavedReport, rangesOverlap, readDiffSide } = await import('../reports/diff.js');
    if (options.reports) {
      const dated = (['since', 'until', 'againstSince', 'againstUntil'] as const).filter((flag) => options[flag] !== undefined);
      if (dated.length > 0) throw new UsageError('--reports compares two saved reports as they are; date flags do not apply to them.');
      if (args.length !== 2) throw new UsageError(`--reports needs exactly two files (baseline, then current); ${args.length} given.`);
      const { readFile } = await import('node:fs/promises');
      const { resolve } = await import('node:path');
      const readSaved = async (path: string) => {
        let text: string;
        try {
          text = await readFile(resolve(context.cwd, path), 'utf8');
        } catch (error) {
          throw new UsageError(`Cannot read ${path}: ${(error as Error).message}.`);
        }
        return parseSavedReport(text, path);
      };
      const [baselinePath, currentPath] = args as [string, string];
      const baseline = await readSaved(baselinePath);
      const current = await readSaved(currentPath);
      return { document: buildDiffReport(baseline, current, { mode: 'reports' }) };
    }
    if (options.since === undefined || options.againstSince === undefined || options.againstUntil === undefined) {
      throw new UsageError(
        'usage diff needs two periods: --since (and optionally --until) for the current one, --against-since and --against-until for the baseline; or --reports with two saved reports.',
      );
    }
    const { resolveDate, resolveRange } = await import('../cli/inputs.js');
    const inputs = await readInputs();
    const today = inputs.today;
    const baseline = resolveRange(
      '--against-since',
      '--against-until',
      resolveDate(options.againstSince, 'start', today),
      resolveDate(options.againstUntil, 'end', today),
      inputs.zone,
    );
    const current = { range: inputs.range, since: inputs.since, until: inputs.until };
    const notes = rangesOverlap(current.range, baseline.range) ? ['note: the two periods overlap; usage in both is counted on both sides.'] : [];
    // Both ranges are applied by the diff reducer; reading is not filtered, so the logs are read once.
    const analysis = await analyze(createDiffReducer(baseline.range, current.range), { range: undefined });
    const { formatCalendarDate } = await import('../time/zone.js');
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
    return { document, notes };
  },
});
