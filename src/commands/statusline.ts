/**
 * `usage statusline` through the full CLI (--help, tests). bin/usage.js
 * normally takes the fast path in src/cli/statusline-process.ts, which skips
 * commander and this runner; both end in runStatuslineCore.
 */
import { cache, cacheDir, config, maxAge, timeLimit, tz } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';

export const command = defineCommand({
  name: 'statusline',
  summary: "one line for Claude Code's status bar: session cost, today's cost, the active block's time left and burn rate",
  arguments: { syntax: '[paths...]', description: 'log files or directories (none: the default locations)' },
  inputs: 'none',
  flags: { tz, config, cacheDir, cache, maxAge, timeLimit },
  help: 'Reads the JSON Claude Code writes on stdin. Set it in ~/.claude/settings.json: {"statusLine": {"type": "command", "command": "usage statusline"}}',
  examples: ['usage statusline < status.json'],
  async run({ options, args, context }) {
    const { readInputText, runStatuslineLine } = await import('../statusline/run.js');
    const text = await readInputText(context.stdin as AsyncIterable<Buffer | string> & { isTTY?: boolean }, 1000);
    return { text: `${await runStatuslineLine(args, options, context, text)}\n` };
  },
});
