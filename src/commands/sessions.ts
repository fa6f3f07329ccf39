import { analyze } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import type { CliContext } from '../cli/context.js';
import { checkReadable, type InputFlags, noteSkipped, resolveInputs } from '../cli/inputs.js';
import { type OutputFlags, resolveOutputFormat, writeDocument } from '../cli/output.js';
import { warnUnpriced } from '../cli/pricing.js';
import { buildSessionCallsReport, buildSessionsReport, sessionsReducer } from '../reports/sessions.js';

export type SessionsFlags = InputFlags & OutputFlags & { id?: string | undefined };

export async function runSessions(paths: string[], flags: SessionsFlags, context: CliContext): Promise<number> {
  resolveOutputFormat(flags);
  if (flags.id !== undefined && flags.id.trim() === '') throw new UsageError('--id needs a session id (run `usage sessions` to list them).');
  const inputs = await resolveInputs(paths, flags, context);
  const analysis = await analyze(inputs.sources, sessionsReducer, inputs.analyzeOptions);
  checkReadable(analysis.summary, context);
  const { readSessionTitles } = await import('../sources/session-titles.js');
  const titled = { ...inputs, titles: await readSessionTitles(inputs.sources) };
  const document =
    flags.id === undefined ? buildSessionsReport(analysis, titled) : buildSessionCallsReport(analysis, flags.id, titled);
  await writeDocument(document, context, flags);
  warnUnpriced(inputs.pricer, context);
  noteSkipped(analysis.summary, context, flags.quiet);
  return 0;
}
