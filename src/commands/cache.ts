/** `usage cache`: prompt-cache health. `usage cache clear` (./cache-clear.ts) is its subcommand. */
import { coldThreshold, LOG_FLAGS, OUTPUT_FLAGS } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';

export const command = defineCommand({
  name: 'cache',
  summary: 'prompt-cache health: hit and reuse rates, cold rounds and what caused them',
  inputs: 'logs',
  repeatable: true,
  flags: { ...LOG_FLAGS, ...OUTPUT_FLAGS, coldThreshold },
  help: '`usage cache clear` deletes the index of already-read logs (see --cache-dir).',
  examples: ['usage cache ~/.claude/projects --since 7d', 'usage cache clear'],
  async run({ options, analyze, readInputs }) {
    const { buildCacheReport, cacheReducer } = await import('../reports/cache.js');
    const inputs = await readInputs();
    const analysis = await analyze(cacheReducer);
    return { document: buildCacheReport(analysis, { ...inputs, coldThreshold: options.coldThreshold }) };
  },
});
