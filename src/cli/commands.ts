/**
 * Every command, one line each, in the order `usage --help` lists them: its
 * path (`<parent>-<name>` for a nested command, which follows its parent)
 * and the module in src/commands/ that exports its spec. Adding a command is
 * one file in src/commands/ and one line here.
 */
import type { CommandSpec } from './spec.js';

type SpecModule = Promise<{ command: CommandSpec }>;

// Literal import() calls: bundlers and vitest resolve them, and each module loads only when asked for.
const COMMAND_MODULES: Readonly<Record<string, () => SpecModule>> = {
  report: () => import('../commands/report.js') as SpecModule,
  validate: () => import('../commands/validate.js') as SpecModule,
  cost: () => import('../commands/cost.js') as SpecModule,
  pricing: () => import('../commands/pricing.js') as SpecModule,
  daily: () => import('../commands/daily.js') as SpecModule,
  weekly: () => import('../commands/weekly.js') as SpecModule,
  monthly: () => import('../commands/monthly.js') as SpecModule,
  sessions: () => import('../commands/sessions.js') as SpecModule,
  cache: () => import('../commands/cache.js') as SpecModule,
  'cache-clear': () => import('../commands/cache-clear.js') as SpecModule,
  archive: () => import('../commands/archive.js') as SpecModule,
  budget: () => import('../commands/budget.js') as SpecModule,
  diff: () => import('../commands/diff.js') as SpecModule,
  blocks: () => import('../commands/blocks.js') as SpecModule,
  limits: () => import('../commands/limits.js') as SpecModule,
  statusline: () => import('../commands/statusline.js') as SpecModule,
  overview: () => import('../commands/overview.js') as SpecModule,
  export: () => import('../commands/export.js') as SpecModule,
};

export const COMMAND_PATHS: readonly string[] = Object.keys(COMMAND_MODULES);

/**
 * The specs to register. When the first word names a command, only it and
 * its subcommands are loaded, which keeps start-up to what that command
 * needs; anything else (help, a typo) loads them all.
 */
export async function loadCommandSpecs(firstWord?: string): Promise<CommandSpec[]> {
  const named = COMMAND_PATHS.filter((path) => path === firstWord || path.startsWith(`${firstWord}-`));
  const paths = named.length > 0 ? named : COMMAND_PATHS;
  const modules = await Promise.all(paths.map((path) => (COMMAND_MODULES[path] as () => SpecModule)()));
  return modules.map((module) => module.command);
}
