/**
 * `usage blocks`: Claude Code's 5-hour windows (docs/json.md#usage-blocks).
 * With --live, redraws the active block and today in place as logs change.
 */
import { active, costLimit, live, LOG_FLAGS, OUTPUT_FLAGS, recent, tokenLimit } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';
import { UsageError } from '../core/errors.js';

export const command = defineCommand({
  name: 'blocks',
  summary: "Claude Code's 5-hour windows: tokens, cost and models per block; the active block's burn rate and projection",
  inputs: 'logs',
  flags: { ...LOG_FLAGS, ...OUTPUT_FLAGS, tokenLimit, costLimit, active, recent, live },
  help: 'Only Claude Code records count (the window is Anthropic\'s); other agents are left out and counted on stderr.',
  examples: ['usage blocks --recent', 'usage blocks --active --token-limit max', 'usage blocks --live'],
  async run({ options, analyze, readInputs, args, context, config }) {
    if (options.active && options.recent) throw new UsageError('Choose one of --active and --recent.');
    const limits = { tokenLimit: options.tokenLimit, costLimitUsd: options.costLimit };
    if (options.live) {
      const { runLiveView } = await import('../cli/live-view.js');
      await runLiveView(args, options, config, context, limits);
      return {};
    }
    const { blocksReducer, buildBlocksReport } = await import('../reports/blocks.js');
    const inputs = await readInputs();
    // Every call, whatever the dates asked for: a block starts at its first call,
    // which may lie before --since; the range then selects whole blocks.
    const analysis = await analyze(blocksReducer, { range: undefined });
    const document = buildBlocksReport(analysis, {
      range: inputs.range,
      zone: inputs.zone,
      now: context.now.getTime(),
      ...limits,
      active: options.active,
      recent: options.recent,
    });
    const json = document.json as { active: unknown; token_limit: { tokens: number | null } | null };
    const notes: string[] = [];
    if (options.active && json.active === null) {
      notes.push('note: no block is active now (the last Claude Code call was more than 5 hours ago or none was found).');
    }
    if (options.tokenLimit === 'max' && json.token_limit?.tokens === null) notes.push('note: --token-limit max needs a finished block to measure; none was found.');
    const otherAgents = analysis.state.otherAgents;
    if (otherAgents > 0) {
      notes.push(`note: ${otherAgents} record${otherAgents === 1 ? '' : 's'} from other agents than Claude Code left out (blocks are Claude Code's 5-hour windows).`);
    }
    return { document, notes };
  },
});
