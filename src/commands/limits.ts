/**
 * `usage limits`: Codex rate-limit windows as the server reported them
 * (docs/json.md#limits). A pass of its own over the log files: readings are
 * not usage, so they never travel with usage records or the index.
 */
import { UsageError } from '../core/errors.js';
import type { CliContext } from '../cli/context.js';
import { type InputFlags, parseDateFlag, resolveSources, resolveZone } from '../cli/inputs.js';
import { loadConfig } from '../cli/config.js';
import { type OutputFlags, resolveOutputFormat, writeDocument } from '../cli/output.js';
import { readCodexRateLimits } from '../dialects/codex.js';
import { addReading, createRateLimitsState } from '../reducers/rate-limits.js';
import { buildLimitsReport } from '../reports/limits.js';
import { scanMatchingLines } from '../sources/side-scan.js';
import { addDays, formatCalendarDate, readCalendarDate, startOfDay } from '../time/zone.js';

export type LimitsFlags = InputFlags & OutputFlags & { day?: string | undefined };

export async function runLimits(paths: string[], flags: LimitsFlags, context: CliContext): Promise<number> {
  resolveOutputFormat(flags);
  if (paths.includes('-')) throw new UsageError('usage limits reads log files, not stdin: name the Codex sessions folder or leave the paths out.');
  const config = await loadConfig(flags.config, context);
  const zone = resolveZone(flags.tz ?? config.tz, context);
  const now = context.now.getTime();
  const day = flags.day === undefined ? readCalendarDate(now, zone) : parseDateFlag('--day', flags.day);
  const range = { start: startOfDay(day, zone), end: startOfDay(addDays(day, 1), zone) };
  const sources = await resolveSources(paths.length > 0 ? paths : (config.paths ?? []), context, flags.quiet);
  const state = createRateLimitsState();
  const scan = await scanMatchingLines(sources, '"rate_limits"', (value) => {
    for (const reading of readCodexRateLimits(value)) addReading(state, reading, range);
  });
  for (const entry of scan.unreadable) context.stderr.write(`warning: skipped ${entry.path}: ${entry.message}\n`);
  await writeDocument(buildLimitsReport(state, scan, { zone, now, day: formatCalendarDate(day) }), context, flags);
  if (!flags.quiet && state.readings === 0) context.stderr.write('note: no Codex rate-limit readings found in the logs read.\n');
  return scan.unreadable.length > 0 ? 1 : 0;
}
