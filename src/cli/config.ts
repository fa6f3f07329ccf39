/**
 * The config file (docs/config.md). It is looked for in this order, and only
 * the first one found is read:
 *
 * 1. `--config FILE` (which must exist),
 * 2. `usage.config.json` in the working directory,
 * 3. `$XDG_CONFIG_HOME/usage/config.json`, else `~/.config/usage/config.json`.
 *
 * Flags override whatever the file says. Relative paths in the file are
 * resolved against the file's own folder, so a config works from any cwd.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { CostMode } from '../pricing/types.js';
import type { BudgetGroup, BudgetPeriod } from '../reports/options.js';
import type { CliContext } from './context.js';

export const CONFIG_FILE_NAME = 'usage.config.json';


export interface BudgetConfig {
  maxCost?: number;
  maxTokens?: number;
  period?: BudgetPeriod;
  by?: BudgetGroup;
  warnAt?: number;
}

export interface UsageConfig {
  /** The file the settings came from; absent when no config file was found. */
  file?: string;
  paths?: string[];
  tz?: string;
  pricing?: string;
  costMode?: CostMode;
  /** The name `usage export` stamps on this machine's records. */
  machine?: string;
  budgets?: BudgetConfig;
}

/** Where the file is looked for when --config is not given, in order. */
export function listConfigLocations(context: Pick<CliContext, 'cwd' | 'env' | 'home'>): string[] {
  const xdg = context.env['XDG_CONFIG_HOME'];
  // The XDG spec says a relative value is invalid and must be ignored.
  const configHome = xdg && isAbsolute(xdg) ? xdg : join(context.home, '.config');
  return [join(context.cwd, CONFIG_FILE_NAME), join(configHome, 'usage', 'config.json')];
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new UsageError(`Cannot read config file ${path}: ${(error as Error).message}.`);
  }
}

/** `~/x` → the home's x; relative → against the config file's folder. */
function resolveConfigPath(path: string, folder: string, home: string): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return resolve(folder, path);
}

/** Reads a config file's text; zod (for the schema) is loaded only now, as most runs have no config file. */
export async function parseConfig(text: string, file: string, home: string): Promise<UsageConfig> {
  let raw: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte-order mark; it is not part of the JSON.
    raw = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new UsageError(`Config file ${file} is not valid JSON: ${(error as Error).message}.`);
  }
  const { configSchema } = await import('./config-schema.js');
  const checked = configSchema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const keys = issue && 'keys' in issue && Array.isArray(issue.keys) ? (issue.keys as string[]) : [];
    const field = issue ? [...issue.path.map(String), ...keys.slice(0, 1)].join('.') : '';
    const message = issue?.code === 'unrecognized_keys' ? 'not a known setting' : (issue?.message ?? 'invalid');
    throw new UsageError(`Config file ${file}, field ${field || '(top level)'}: ${message}.`);
  }
  const value = checked.data;
  const folder = dirname(file);
  const config: UsageConfig = { file };
  if (value.paths !== undefined) {
    config.paths = (Array.isArray(value.paths) ? value.paths : [value.paths]).map((path) => resolveConfigPath(path, folder, home));
  }
  if (value.tz !== undefined) config.tz = value.tz;
  if (value.pricing !== undefined) config.pricing = resolveConfigPath(value.pricing, folder, home);
  if (value.costMode !== undefined) config.costMode = value.costMode;
  if (value.machine !== undefined) config.machine = value.machine;
  if (value.budgets !== undefined) {
    const budgets: BudgetConfig = {};
    const { maxCost, maxTokens, period, by, warnAt } = value.budgets;
    if (maxCost !== undefined) budgets.maxCost = maxCost;
    if (maxTokens !== undefined) budgets.maxTokens = maxTokens;
    if (period !== undefined) budgets.period = period;
    if (by !== undefined) budgets.by = by;
    if (warnAt !== undefined) budgets.warnAt = warnAt;
    config.budgets = budgets;
  }
  return config;
}

export async function loadConfig(path: string | undefined, context: Pick<CliContext, 'cwd' | 'env' | 'home'>): Promise<UsageConfig> {
  if (path !== undefined) {
    const file = resolve(context.cwd, path);
    const text = await readOptional(file);
    if (text === undefined) throw new UsageError(`--config ${path}: no such file.`);
    return parseConfig(text, file, context.home);
  }
  for (const file of listConfigLocations(context)) {
    const text = await readOptional(file);
    if (text !== undefined) return parseConfig(text, file, context.home);
  }
  return {};
}
