/**
 * The statusline's slow path: one scan (through the index, so usually only
 * appended bytes are read) for this session's cost, today's cost and the
 * active block. Loaded only when the cached answer is stale.
 */
import { analyze } from '../core/analyze.js';
import type { PricedRecord } from '../core/record.js';
import type { CliContext } from '../cli/context.js';
import { loadConfig } from '../cli/config.js';
import { resolveInputs } from '../cli/inputs.js';
import { blocksReducer, buildBlocks, describeActiveBlock, findActiveBlock } from '../reducers/blocks.js';
import { combineReducers, type Reducer } from '../reducers/reducer.js';
import { addToTotals, createTokenTotals, mergeTotals, readKnownCost, type TokenTotals } from '../reducers/totals.js';
import { readGroupCost } from '../reports/serialize.js';
import { addDays, formatCalendarDate, readCalendarDate, startOfDay } from '../time/zone.js';
import type { StatuslineAnswer } from './answer.js';
import type { StatuslineOptions } from './run.js';

function filteredTotals(keep: (record: PricedRecord) => boolean): Reducer<TokenTotals> {
  return {
    create: createTokenTotals,
    add(state, record) {
      if (keep(record)) addToTotals(state, record);
    },
    merge: mergeTotals,
  };
}

export async function computeStatuslineAnswer(
  paths: readonly string[],
  options: StatuslineOptions,
  context: CliContext,
  sessionId: string | null,
): Promise<StatuslineAnswer> {
  const config = await loadConfig(options.config, context);
  // The same precedence as the runner's: the flag, the config file, $TZ, the system zone.
  const tz = options.tz ?? config.tz ?? (context.env['TZ'] || context.systemTimeZone);
  const inputs = await resolveInputs(paths, { tz, cacheDir: options.cacheDir, cache: options.cache, quiet: true }, config, context, 'logs');
  const now = context.now.getTime();
  const today = readCalendarDate(now, inputs.zone);
  const dayStart = startOfDay(today, inputs.zone);
  const dayEnd = startOfDay(addDays(today, 1), inputs.zone);
  const reducer = combineReducers({
    blocks: blocksReducer,
    today: filteredTotals((record) => record.timestamp !== null && record.timestamp >= dayStart && record.timestamp < dayEnd),
    session: filteredTotals((record) => sessionId !== null && record.session === sessionId),
  });
  // The statusline's figures are about now: --since/--until do not apply.
  const analysis = await analyze(inputs.sources, reducer, { ...inputs.analyzeOptions, range: undefined });
  const active = findActiveBlock(buildBlocks(analysis.state.blocks), now);
  const status = active === null ? null : describeActiveBlock(active, now);
  return {
    sessionCostUsd: analysis.state.session.records === 0 ? null : readKnownCost(analysis.state.session),
    todayCostUsd: readGroupCost(analysis.state.today),
    todayPartial: analysis.state.today.unpricedRecords > 0,
    day: formatCalendarDate(today),
    dayEnd,
    block:
      active === null || status === null
        ? null
        : { end: active.end, costPerHour: status.blockRate.costPerHour, tokensPerMinute: status.blockRate.tokensPerMinute },
    computedAt: now,
  };
}
