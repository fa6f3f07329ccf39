/**
 * `usage overview`, also what `usage` alone runs: today, this week (in the
 * zone, from --start-of-week) and the active Claude Code block, over the
 * default locations (or the paths given). With no logs there, the runner's
 * error says where it looked.
 */
import { cache, cacheDir, color, config, costMode, format, pricing, quiet, startOfWeek, strict, tz } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';
import type { Reducer } from '../reducers/reducer.js';
import type { TokenTotals } from '../reducers/totals.js';

export const command = defineCommand({
  name: 'overview',
  summary: 'today, this week and the active block at a glance (what `usage` alone prints)',
  inputs: 'logs',
  flags: { tz, format, strict, quiet, pricing, costMode, config, cacheDir, cache, startOfWeek, color },
  examples: ['usage', 'usage overview ~/logs --tz Europe/Berlin'],
  async run({ options, analyze, readInputs, context }) {
    const [{ blocksReducer }, { combineReducers }, totals, { buildBlocksReport }, { costColumn, serializeTotals, UNPRICED_COLUMN }, zone, { readWeekKey }] =
      await Promise.all([
        import('../reducers/blocks.js'),
        import('../reducers/reducer.js'),
        import('../reducers/totals.js'),
        import('../reports/blocks.js'),
        import('../reports/serialize.js'),
        import('../time/zone.js'),
        import('../reducers/periods.js'),
      ]);
    const rangeTotals = (start: number, end: number): Reducer<TokenTotals> => ({
      create: totals.createTokenTotals,
      add(state, record) {
        if (record.timestamp !== null && record.timestamp >= start && record.timestamp < end) totals.addToTotals(state, record);
      },
      merge: totals.mergeTotals,
    });
    const inputs = await readInputs();
    const now = context.now.getTime();
    const today = inputs.today;
    const weekStart = zone.parseDayKey(readWeekKey(zone.formatCalendarDate(today), options.startOfWeek));
    const tomorrow = zone.startOfDay(zone.addDays(today, 1), inputs.zone);
    const reducer = combineReducers({
      blocks: blocksReducer,
      today: rangeTotals(zone.startOfDay(today, inputs.zone), tomorrow),
      week: rangeTotals(zone.startOfDay(weekStart, inputs.zone), tomorrow),
    });
    // Today and this week are the point: a --since/--until from elsewhere does not narrow them.
    const analysis = await analyze(reducer, { range: undefined });
    const blocks = buildBlocksReport(
      { state: analysis.state.blocks, summary: analysis.summary, excluded: analysis.excluded },
      { zone: inputs.zone, now, active: true },
    );
    const active = (blocks.json as { active: unknown }).active !== null;
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
      rows: [
        { period: `today (${zone.formatCalendarDate(today)})`, ...serializeTotals(analysis.state.today) },
        { period: `this week (since ${zone.formatCalendarDate(weekStart)})`, ...serializeTotals(analysis.state.week) },
      ],
    };
    return {
      document: { json: null, datasets: [periods, ...(active ? blocks.datasets : [])] },
      notes: [...(active ? [] : ['note: no Claude Code block is active now.']), 'More: usage report, usage daily, usage blocks, usage --help'],
    };
  },
});
