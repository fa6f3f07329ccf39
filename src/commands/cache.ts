import { analyze } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import type { CliContext } from '../cli/context.js';
import { checkReadable, type InputFlags, noteSkipped, resolveInputs } from '../cli/inputs.js';
import { type OutputFlags, resolveOutputFormat, writeDocument } from '../cli/output.js';
import { DEFAULT_COLD_THRESHOLD } from '../reducers/cold-rounds.js';
import { buildCacheReport, cacheReducer } from '../reports/cache.js';

export type CacheFlags = InputFlags & OutputFlags & { coldThreshold?: string | undefined };

export function parseColdThreshold(text: string | undefined): number {
  if (text === undefined) return DEFAULT_COLD_THRESHOLD;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new UsageError(`--cold-threshold "${text}" is not a fraction: use a number above 0 and at most 1, e.g. 0.1.`);
  }
  return value;
}

export async function runCache(paths: string[], flags: CacheFlags, context: CliContext): Promise<number> {
  resolveOutputFormat(flags);
  const coldThreshold = parseColdThreshold(flags.coldThreshold);
  const inputs = await resolveInputs(paths, flags, context);
  const analysis = await analyze(inputs.sources, cacheReducer, inputs.analyzeOptions);
  checkReadable(analysis.summary, context);
  await writeDocument(buildCacheReport(analysis, { ...inputs, coldThreshold }), context, flags);
  noteSkipped(analysis.summary, context, flags.quiet);
  return 0;
}
