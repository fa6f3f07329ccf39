/**
 * Every command, one line each, in the order `usage --help` lists them. A
 * nested command follows its parent. Adding a command is one file in
 * src/commands/ and one line here.
 */
import type { CommandSpec } from './spec.js';

export async function loadCommandSpecs(): Promise<CommandSpec[]> {
  const modules = await Promise.all([
    import('../commands/report.js'),
    import('../commands/validate.js'),
    import('../commands/cost.js'),
    import('../commands/pricing.js'),
    import('../commands/daily.js'),
    import('../commands/weekly.js'),
    import('../commands/monthly.js'),
    import('../commands/sessions.js'),
    import('../commands/cache.js'),
    import('../commands/cache-clear.js'),
    import('../commands/budget.js'),
    import('../commands/diff.js'),
  ]);
  // Each module's one export is its spec; the casts forget the flag types the runner does not need.
  return modules.map((module) => module.command as unknown as CommandSpec);
}
