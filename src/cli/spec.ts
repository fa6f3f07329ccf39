/**
 * What a command is, declared as data (src/commands/<name>.ts exports one
 * `CommandSpec`). The runner (./runner.ts) does everything commands share, in
 * one order: options → inputs → analyze → stdout → stderr notes → exit code.
 * A spec stays light to import: reports, renderers and zod are imported
 * inside `run`.
 */
import type { Analysis, AnalyzeOptions } from '../core/analyze.js';
import type { Verdict } from '../core/errors.js';
import type { Reducer } from '../reducers/reducer.js';
import type { Document } from '../renderers/dataset.js';
import type { UsageConfig } from './config.js';
import type { CliContext } from './context.js';
import type { FlagSet, OptionsOf } from './flags.js';
import type { ResolvedInputs } from './inputs.js';

/**
 * What the positional arguments are. `logs`: log paths (none = the config's
 * paths, then the default locations), priced and dated; `lines`: log paths
 * read as lines only (no prices, no dates, no index); `none`: anything else
 * the command reads from `request.args` itself.
 */
export type InputFamily = 'logs' | 'lines' | 'none';

export interface CommandRequest<Flags extends FlagSet> {
  /** Every flag the command takes, parsed and validated; config-file and environment fallbacks applied. */
  options: OptionsOf<Flags>;
  /** The positional arguments as typed. */
  args: readonly string[];
  /** The process, with stderr made safe for text from logs. */
  context: CliContext;
  /** The config file, read once (empty when the command takes no --config or none was found). */
  config: UsageConfig;
  /** Sources, zone, range and pricer for `args` (resolved once; only for `logs` and `lines` commands). */
  readInputs(): Promise<ResolvedInputs>;
  /** Reads every source through `reducer`; the runner reports what could not be read or was skipped. */
  analyze<State>(reducer: Reducer<State>, overrides?: Partial<AnalyzeOptions>): Promise<Analysis<State>>;
}

export interface CommandResult {
  /** Rendered in the format the flags ask for (table by default); absent when there is nothing to print. */
  document?: Document | undefined;
  /** Printed instead of the tables when no machine format was asked for (validate's list, --chart). */
  text?: string | undefined;
  /** Lines for stderr that are part of the answer: never hidden by --quiet. */
  warnings?: readonly string[] | undefined;
  /** Lines for stderr that --quiet hides. */
  notes?: readonly string[] | undefined;
  /** The answer; the exit-code table in src/core/errors.ts turns it into a code. Default 'ok'. */
  verdict?: Verdict | undefined;
  /** False when the output already lists every malformed line, so the runner's note about them would repeat it. */
  noteSkipped?: boolean | undefined;
  /** Inputs the command read on its own (not through `analyze`) and could not: reported like the others, and the run exits 1. */
  unreadable?: ReadonlyArray<{ path: string; message: string }> | undefined;
  /** Whether the runner warns about models with no price (default: whenever logs were read). */
  warnUnpriced?: boolean | undefined;
}

export interface CommandSpec<Flags extends FlagSet = FlagSet> {
  /** The word after `usage`; for a nested command, the word after its parent's. */
  name: string;
  /** The parent command's name, for nested commands (`cache clear`). */
  parent?: string | undefined;
  /** One line for the command list. */
  summary: string;
  /** The positional arguments in commander syntax, with help; defaults to `[paths...]` for logs and lines. */
  arguments?: { syntax: string; description: string } | undefined;
  inputs: InputFamily;
  /** Every flag the command takes, by reference to src/cli/flags.ts; any other flag is refused. */
  flags: Flags;
  /** Shown after the flags in --help. */
  help?: string | undefined;
  examples?: readonly string[] | undefined;
  /**
   * The output is a function of the inputs' bytes, the flags, the config
   * file, the environment and today's date, never of the hour: an identical
   * run over unchanged files on the same day prints what the last one
   * printed, without reading the logs (src/store/result-cache.ts). Not for
   * commands that show the time now (blocks, limits) or write files.
   */
  repeatable?: boolean | undefined;
  /**
   * Checks of the flags that need no input (a missing limit, two outputs that
   * exclude each other), run before anything is read or kept: a bad flag is
   * one sentence and exit 2, with no log listed and no cache folder created.
   */
  check?(options: CommandRequest<Flags>['options']): void;
  run(request: CommandRequest<Flags>): Promise<CommandResult>;
}

/** Keeps the flags' types when a spec is written as an object literal. */
export function defineCommand<Flags extends FlagSet>(spec: CommandSpec<Flags>): CommandSpec<Flags> {
  return spec;
}
