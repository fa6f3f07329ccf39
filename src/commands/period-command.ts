/**
 * The spec `usage daily`, `usage weekly` and `usage monthly` share: the three
 * commands differ only in the period unit (and weekly's --start-of-week).
 */
import { breakdown, chart, engine, LOG_FLAGS, metric, OUTPUT_FLAGS, startOfWeek } from '../cli/flags.js';
import { type CommandRequest, type CommandResult, defineCommand } from '../cli/spec.js';
import { UsageError } from '../core/errors.js';
import type { PeriodUnit } from '../reducers/periods.js';

const PERIOD_FLAGS = { ...LOG_FLAGS, ...OUTPUT_FLAGS, breakdown, chart, metric, engine } as const;
const NOUNS: Readonly<Record<PeriodUnit, string>> = { day: 'day', week: 'week', month: 'month' };
const NAMES: Readonly<Record<PeriodUnit, string>> = { day: 'daily', week: 'weekly', month: 'monthly' };

/** --chart draws for the terminal: checked before anything is read (CommandSpec.check). */
function checkPeriodFlags(options: Pick<CommandRequest<typeof PERIOD_FLAGS>['options'], 'chart' | 'json' | 'ndjson' | 'csv' | 'markdown'>): void {
  const machine = (['json', 'ndjson', 'csv', 'markdown'] as const).find((format) => options[format]);
  if (options.chart && machine) throw new UsageError(`--chart draws for the terminal and cannot be combined with --${machine}.`);
}

async function runPeriods(
  unit: PeriodUnit,
  request: CommandRequest<typeof PERIOD_FLAGS & { startOfWeek?: typeof startOfWeek }>,
): Promise<CommandResult> {
  const { options, analyze, readInputs, context } = request;
  const { buildPeriodChart, buildPeriodsReport, createPeriodsReducer } = await import('../reports/periods.js');
  const inputs = await readInputs();
  const weekStart = 'startOfWeek' in options ? options.startOfWeek : undefined;
  const settings = { unit, zone: inputs.zone, startOfWeek: weekStart, breakdown: options.breakdown };
  const analysis =
    options.engine === 'duckdb'
      ? await (async () => {
          const [{ analyzeLake }, { foldPeriods }] = await Promise.all([import('../engine/run.js'), import('../engine/fold.js')]);
          return analyzeLake(request, [], (bundles) => foldPeriods(bundles, settings), true);
        })()
      : await analyze(createPeriodsReducer(settings));
  const notes: string[] = [];
  const undated = analysis.state.undated.records;
  if (undated > 0) {
    notes.push(`note: ${undated} record${undated === 1 ? ' has' : 's have'} no timestamp and belong${undated === 1 ? 's' : ''} to no ${unit}; they are left out.`);
  }
  const document = buildPeriodsReport(analysis, { ...inputs, ...settings });
  if (!options.chart) return { document, notes };
  const drawn = buildPeriodChart(analysis.state, unit, options.metric);
  const { shouldUseColor } = await import('../cli/context.js');
  const style = { color: shouldUseColor(context.stdout, context.env, options.color), width: context.stdout.columns };
  const { renderBarChart, renderSparkline } = await import('../renderers/chart.js');
  const text =
    drawn.shape === 'bars'
      ? renderBarChart(drawn.bars, style, drawn.title)
      : renderSparkline(
          drawn.bars.map((bar) => bar.value),
          style,
          drawn.title,
        );
  return { document, text, notes: [...drawn.notes.map((note) => `note: ${note}`), ...notes] };
}

export function createPeriodCommand(unit: PeriodUnit) {
  const examples = [`usage ${NAMES[unit]} logs/ --since this-month`, `usage ${NAMES[unit]} logs/ --breakdown --json`, `usage ${NAMES[unit]} logs/ --chart`];
  if (unit === 'week') {
    return defineCommand({
      name: NAMES[unit],
      summary: `one row per ${NOUNS[unit]} with tokens and cost`,
      inputs: 'logs',
      repeatable: true,
      flags: { ...PERIOD_FLAGS, startOfWeek },
      check: checkPeriodFlags,
      examples,
      run: (request) => runPeriods(unit, request),
    });
  }
  return defineCommand({
    name: NAMES[unit],
    summary: `one row per ${NOUNS[unit]} with tokens and cost`,
    inputs: 'logs',
    repeatable: true,
    flags: PERIOD_FLAGS,
    check: checkPeriodFlags,
    examples,
    run: (request) => runPeriods(unit, request),
  });
}
