/** `usage sessions`: one row per session, or one session's calls with --id. */
import { LOG_FLAGS, OUTPUT_FLAGS, sessionId } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';

export const command = defineCommand({
  name: 'sessions',
  summary: 'one row per session: when, how long, models, calls, tokens, cost, cache hit rate',
  inputs: 'logs',
  repeatable: true,
  flags: { ...LOG_FLAGS, ...OUTPUT_FLAGS, id: sessionId },
  examples: ['usage sessions logs/ --since yesterday', 'usage sessions logs/ --id SESSION_ID'],
  async run({ options, analyze, readInputs }) {
    const { buildSessionCallsReport, buildSessionsReport, sessionsReducer } = await import('../reports/sessions.js');
    const inputs = await readInputs();
    const analysis = await analyze(sessionsReducer);
    // Titles come from Claude `summary` lines, in a side pass (src/sources/session-titles.ts).
    const { readSessionTitles } = await import('../sources/session-titles.js');
    const titled = { ...inputs, titles: await readSessionTitles(inputs.sources) };
    const document =
      options.id === undefined ? buildSessionsReport(analysis, titled) : buildSessionCallsReport(analysis, options.id, titled);
    return { document };
  },
});
