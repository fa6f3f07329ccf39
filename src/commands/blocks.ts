/**
 * `usage blocks`: Claude Code's 5-hour windows (docs/json.md#blocks). With
 * --live, redraws the active block and today in place as logs change.
 */
import { analyze } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import type { CliContext } from '../cli/context.js';
import { checkReadable, type InputFlags, noteSkipped, resolveInputs } from '../cli/inputs.js';
import { type OutputFlags, resolveOutputFormat, writeDocument } from '../cli/output.js';
import { warnUnpriced } from '../cli/pricing.js';
import { blocksReducer, buildBlocksReport, type TokenLimitFlag } from '../reports/blocks.js';

export type BlocksFlags = InputFlags &
  OutputFlags & {
    tokenLimit?: string | undefined;
    costLimit?: string | undefined;
    active?: boolean | undefined;
    recent?: boolean | undefined;
    live?: boolean | undefined;
  };

export function parseTokenLimit(text: string | undefined): TokenLimitFlag | undefined {
  if (text === undefined) return undefined;
  if (text === 'max') return 'max';
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value <= 0) {
    throw new UsageError(`--token-limit "${text}" is not a limit: give a whole number of tokens above 0, or max (the largest previous block).`);
  }
  return value;
}

export function parseCostLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--cost-limit "${text}" is not a limit: give an amount in US dollars above 0, e.g. 25.`);
  }
  return value;
}

export async function runBlocks(paths: string[], flags: BlocksFlags, context: CliContext): Promise<number> {
  resolveOutputFormat(flags);
  const tokenLimit = parseTokenLimit(flags.tokenLimit);
  const costLimitUsd = parseCostLimit(flags.costLimit);
  if (flags.active && flags.recent) throw new UsageError('Choose one of --active and --recent.');
  if (flags.live) {
    const { runLiveView } = await import('../cli/live-view.js');
    return runLiveView(paths, flags, context, { tokenLimit, costLimitUsd });
  }
  const inputs = await resolveInputs(paths, flags, context);
  const analysis = await analyze(inputs.sources, blocksReducer, inputs.analyzeOptions);
  checkReadable(analysis.summary, context);
  const document = buildBlocksReport(analysis, {
    zone: inputs.zone,
    now: context.now.getTime(),
    tokenLimit,
    costLimitUsd,
    active: flags.active,
    recent: flags.recent,
  });
  await writeDocument(document, context, flags);
  if (!flags.quiet) {
    const json = document.json as { active: unknown; token_limit: { tokens: number | null } | null };
    if (flags.active && json.active === null) context.stderr.write('note: no block is active now (the last Claude Code call was more than 5 hours ago or none was found).\n');
    if (tokenLimit === 'max' && json.token_limit?.tokens === null) context.stderr.write('note: --token-limit max needs a finished block to measure; none was found.\n');
    const otherAgents = analysis.state.otherAgents;
    if (otherAgents > 0) {
      context.stderr.write(`note: ${otherAgents} record${otherAgents === 1 ? '' : 's'} from other agents than Claude Code left out (blocks are Claude Code's 5-hour windows).\n`);
    }
  }
  warnUnpriced(inputs.pricer, context);
  noteSkipped(analysis.summary, context, flags.quiet);
  return analysis.summary.unreadable.length > 0 ? 1 : 0;
}
