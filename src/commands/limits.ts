/**
 * `usage limits`: Codex rate-limit windows as the server reported them
 * (docs/json.md#usage-limits). A pass of its own over the log files:
 * readings are not usage, so they never travel with usage records or the
 * index (see readCodexRateLimits in src/dialects/codex.ts).
 */
import { config, day, OUTPUT_FLAGS, quiet, tz } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';
import { UsageError } from '../core/errors.js';

export const command = defineCommand({
  name: 'limits',
  summary: 'Codex rate-limit windows as the server reported them: latest state, reset time, and how they moved over a day',
  inputs: 'lines',
  flags: { tz, quiet, config, day, ...OUTPUT_FLAGS },
  examples: ['usage limits', 'usage limits ~/.codex/sessions --day yesterday'],
  async run({ options, args, readInputs, context }) {
    if (args.includes('-')) throw new UsageError('usage limits reads log files, not stdin: name the Codex sessions folder or leave the paths out.');
    const [{ readCodexRateLimits }, { addReading, createRateLimitsState }, { buildLimitsReport }, { scanMatchingLines }, zone] = await Promise.all([
      import('../dialects/codex.js'),
      import('../reducers/rate-limits.js'),
      import('../reports/limits.js'),
      import('../sources/side-scan.js'),
      import('../time/zone.js'),
    ]);
    const inputs = await readInputs();
    const now = context.now.getTime();
    const shown = options.day ? options.day.resolve('start', inputs.today, 'monday') : inputs.today;
    const range = { start: zone.startOfDay(shown, inputs.zone), end: zone.startOfDay(zone.addDays(shown, 1), inputs.zone) };
    const state = createRateLimitsState();
    const scan = await scanMatchingLines(inputs.sources, '"rate_limits"', (value) => {
      for (const reading of readCodexRateLimits(value)) addReading(state, reading, range);
    });
    return {
      document: buildLimitsReport(state, scan, { zone: inputs.zone, now, day: zone.formatCalendarDate(shown) }),
      unreadable: scan.unreadable,
      notes: state.readings === 0 ? ['note: no Codex rate-limit readings found in the logs read.'] : [],
      warnUnpriced: false,
      noteSkipped: false,
    };
  },
});
