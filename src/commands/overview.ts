/**
 * `usage` with no command: a short report over the default locations —
 * today, this week (Monday-started, in the zone) and the active Claude Code
 * block — instead of help (`usage --help` has that). With no logs found it
 * says where it looked.
 */
import { analyze } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import type { CliContext } from '../cli/context.js';
import { checkReadable, noteSkipped, resolveInputs } from '../cli/inputs.js';
import { renderDocument } from '../cli/output.js';
import { warnUnpriced } from '../cli/pricing.js';
import { blocksReducer } from '../reducers/blocks.js';
import { readWeekKey } from '../reducers/periods.js';
import { combineReducers, type Reducer } from '../reducers/reducer.js';
import { addToTotals, createTokenTotals, mergeTotals, type TokenTotals } from '../reducers/totals.js';
import { buildBlocksReport } from '../reports/blocks.js';
import { costColumn, serializeTotals, UNPRICED_COLUMN } from '../reports/serialize.js';
import { addDays, formatCalendarDate, parseDayKey, readCalendarDate, startOfDay } from '../time/zone.js';

function rangeTotals(start: number, end: number): Reducer<TokenTotals> {
  return {
    create: createTokenTotals,
    add(state, record) {
      if (record.timestamp !== null && record.timestamp >= start && record.timestamp < end) addToTotals(state, record);
    },
    merge: mergeTotals,
  };
}

export async function runOverview(context: CliContext): Promise<number> {
  let inputs: Awaited<ReturnType<typeof resolveInputs>>;
  try {
    inputs = await resolveInputs([], {}, context);
  } catch (error) {
    if (!(error instanceof UsageError) || !error.message.startsWith('No usage logs found')) throw error;
    context.stderr.write(`${error.message}\nRun \`usage --help\` for the commands.\n`);
    // The same code as any command finding no logs there (README, exit codes).
    return 2;
  }
  const now = context.now.getTime();
  const today = readCalendarDate(now, inputs.zone);
  const weekStart = parseDayKey(readWeekKey(formatCalendarDate(today)));
  const tomorrow = startOfDay(addDays(today, 1), inputs.zone);
  const reducer = combineReducers({
    blocks: blocksReducer,
    today: rangeTotals(startOfDay(today, inputs.zone), tomorrow),
    week: rangeTotals(startOfDay(weekStart, inputs.zone), tomorrow),
  });
  const analysis = await analyze(inputs.sources, reducer, inputs.analyzeOptions);
  checkReadable(analysis.summary, context);
  const blocks = buildBlocksReport({ state: analysis.state.blocks, summary: analysis.summary, excluded: analysis.excluded }, { zone: inputs.zone, now, active: true });
  const rows = [
    { period: `today (${formatCalendarDate(today)})`, ...serializeTotals(analysis.state.today) },
    { period: `this week (since ${formatCalendarDate(weekStart)})`, ...serializeTotals(analysis.state.week) },
  ];
  const periods = {
    name: 'overview',
    title: 'Usage, all agents',
    columns: [
      { key: 'period', header: 'period', kind: 'text' as const },
      { key: 'calls', header: 'calls', kind: 'integer' as const, priority: 5 },
      { key: 'total_tokens', header: 'tokens', kind: 'tokens' as const, priority: 8 },
      costColumn(9),
      UNPRICED_COLUMN,
    ],
    rows,
  };
  const active = (blocks.json as { active: unknown }).active !== null;
  const text = await renderDocument({ json: null, datasets: [periods, ...(active ? blocks.datasets : [])] }, 'table', context, {});
  context.stdout.write(text);
  context.stdout.write(active ? '' : 'No Claude Code block is active now.\n');
  context.stderr.write('More: usage report, usage daily, usage blocks, usage --help\n');
  warnUnpriced(inputs.pricer, context);
  noteSkipped(analysis.summary, context);
  return analysis.summary.unreadable.length > 0 ? 1 : 0;
}
