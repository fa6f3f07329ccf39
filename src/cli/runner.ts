/**
 * The one runner: registers each command spec with commander and does what
 * every command shares, in one fixed order:
 *
 *   options (flags → config file → environment → defaults, validated once)
 *   → inputs → analyze (through `request.analyze`) → render stdout
 *   → stderr: default locations read, unreadable inputs, unknown prices, skipped lines, the command's own lines
 *   → exit code (the table in src/core/errors.ts).
 *
 * Everything written to stderr passes through one sanitizer, since file,
 * project and model names come from hostile logs.
 */
import { type Command, Option } from 'commander';
import type { Analysis, AnalyzeOptions } from '../core/analyze.js';
import { type ExitCode, exitCodeForVerdict, UsageError } from '../core/errors.js';
import type { IngestSummary } from '../ingest/ingest.js';
import type { Reducer } from '../reducers/reducer.js';
import { sanitizeText } from '../renderers/format.js';
import type { UsageConfig } from './config.js';
import { describeSearchedFiles } from '../dialects/registry.js';
import type { CliContext, Output } from './context.js';
import { checkEngineArguments, type Engine, type FlagDefinition, type FlagSet, type OptionsOf, readConfigSetting } from './flags.js';
import type { ResolvedInputs } from './inputs.js';
import type { CommandRequest, CommandSpec } from './spec.js';
import type { ResultCacheSlot } from '../store/result-cache.js';

const PATHS_ARGUMENT = {
  syntax: '[paths...]',
  description: `log files or directories (searched for ${describeSearchedFiles()}); - reads stdin; none reads the default locations`,
};

/** stderr for people: every line is stripped of control characters and escape sequences. */
export function createSafeOutput(output: Output): Output {
  return {
    get isTTY() {
      return output.isTTY;
    },
    get columns() {
      return output.columns;
    },
    get failure() {
      return output.failure;
    },
    write: (text) => output.write(text.split('\n').map(sanitizeText).join('\n')),
    ...(output.flush ? { flush: () => output.flush?.() ?? Promise.resolve() } : {}),
  };
}

function describeFlag(definition: FlagDefinition<unknown>): string {
  const parts = [definition.description];
  if (definition.choices) parts.push(`(one of: ${definition.choices.join(', ')})`);
  if (definition.configKey) parts.push(`(config file: ${definition.configKey})`);
  const shown = definition.defaultText ?? (definition.defaultValue === undefined || typeof definition.defaultValue === 'boolean' ? undefined : String(definition.defaultValue));
  if (shown !== undefined) parts.push(`(default: ${shown})`);
  return parts.join(' ');
}

/** Adds a spec's flags to its commander command; returns each flag's commander attribute name. */
function registerFlags(command: Command, flags: FlagSet): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const [key, definition] of Object.entries(flags)) {
    const option = new Option(definition.syntax, describeFlag(definition));
    command.addOption(option);
    if (definition.negation) {
      const negation = new Option(`--no-${option.attributeName().replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`, definition.negation);
      command.addOption(negation);
      option.conflicts(negation.attributeName());
    }
    attributes.set(key, option.attributeName());
  }
  return attributes;
}

/** Flag text → typed value; absent flags fall back to the config file, then the environment, then the default. */
export function resolveOptions<Flags extends FlagSet>(
  flags: Flags,
  read: (key: string) => { given: boolean; value: unknown },
  config: UsageConfig,
  context: CliContext,
): OptionsOf<Flags> {
  const options: Record<string, unknown> = {};
  for (const [key, definition] of Object.entries(flags)) {
    const { given, value } = read(key);
    if (given) {
      options[key] = definition.parse && typeof value === 'string' ? definition.parse(value) : value;
      continue;
    }
    const configured = definition.configKey ? readConfigSetting(config, definition.configKey) : undefined;
    if (configured !== undefined) {
      options[key] = configured;
      continue;
    }
    const environment = definition.fromEnvironment?.(context);
    options[key] = environment !== undefined && definition.parse ? definition.parse(environment) : definition.defaultValue;
  }
  return options as OptionsOf<Flags>;
}

interface OutputSwitches {
  html?: string | undefined;
  json?: boolean;
  ndjson?: boolean;
  csv?: boolean;
  markdown?: boolean;
  color?: boolean | undefined;
  quiet?: boolean;
  config?: string | undefined;
}

/** Writes a file the user named (`--html FILE`), relative to the working directory; failure is one sentence. */
async function writeOutputFile(name: string, text: string, context: CliContext): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  const { resolve } = await import('node:path');
  try {
    await writeFile(resolve(context.cwd, name), text);
  } catch (error) {
    throw new UsageError(`Cannot write ${name}: ${(error as Error).message}.`);
  }
}

/** Runs one command from parsed commander values to an exit code. */
export async function runCommand<Flags extends FlagSet>(
  spec: CommandSpec<Flags>,
  args: readonly string[],
  read: (key: string) => { given: boolean; value: unknown },
  processContext: CliContext,
): Promise<ExitCode> {
  // Copied by descriptor, not spread: a spread calls the context's lazy getters (the system time
  // zone initialises ICU, ~20 ms; stdin sets up a stream), which most runs never need.
  const context = Object.defineProperties({}, Object.getOwnPropertyDescriptors(processContext)) as CliContext;
  Object.defineProperty(context, 'stderr', { value: createSafeOutput(processContext.stderr), enumerable: true });
  // 1. Options: the config file is read once, and only by commands that take --config.
  const { loadConfig } = await import('./config.js');
  const configFlag = 'config' in spec.flags ? read('config') : { given: false, value: undefined };
  const config: UsageConfig =
    'config' in spec.flags ? await loadConfig(configFlag.given ? String(configFlag.value) : undefined, context) : {};
  const options = resolveOptions(spec.flags, read, config, context);
  const switches = options as OutputSwitches;
  const { resolveOutputFormat, renderDocument } = await import('./output.js');
  const format = resolveOutputFormat(switches);
  const pageToStdout = switches.html === '-';
  if (pageToStdout && format !== 'table') {
    throw new UsageError(`--html - prints the page on stdout and cannot be combined with --${format}; write the page to a file instead.`);
  }
  spec.check?.(options);
  if ('engine' in spec.flags) checkEngineArguments((options as { engine?: Engine }).engine, args);

  // 2–3. Inputs and analysis, on demand: a command that reads no logs never resolves them.
  let inputs: Promise<ResolvedInputs> | undefined;
  const summaries: IngestSummary[] = [];
  const readInputs = (): Promise<ResolvedInputs> => {
    if (spec.inputs === 'none') throw new Error(`command ${spec.name} reads no logs`);
    const family = spec.inputs;
    inputs ??= import('./inputs.js').then(({ resolveInputs }) => resolveInputs(args, options, config, context, family));
    return inputs;
  };
  const request: CommandRequest<Flags> = {
    options,
    args,
    context,
    config,
    readInputs,
    analyze: async <State>(reducer: Reducer<State>, overrides: Partial<AnalyzeOptions> = {}): Promise<Analysis<State>> => {
      const resolved = await readInputs();
      const { analyze } = await import('../core/analyze.js');
      const analysis = await analyze(resolved.sources, reducer, { ...resolved.analyzeOptions, ...overrides });
      summaries.push(analysis.summary);
      return analysis;
    },
  };
  // 2b. The output of an identical earlier run, when the command's output allows it (src/store/result-cache.ts).
  // Inputs that cannot be resolved fail the run when the command asks for them (its flags were checked above).
  const slot =
    spec.repeatable && switches.html === undefined ? await openRepeatableSlot(spec, args, options, config, context, readInputs).catch(() => undefined) : undefined;
  const kept = slot?.lookup();
  if (kept) {
    context.stdout.write(kept.stdout);
    for (const line of kept.stderr) context.stderr.write(`${line}\n`);
    return kept.exitCode as ExitCode;
  }

  const result = await spec.run(request);

  // 4. stdout (and the HTML page, which shows the document --json would print).
  if (switches.html !== undefined && result.document) {
    const { renderHtmlForCommand } = await import('../renderers/html.js');
    const page = renderHtmlForCommand(spec.name, result.document.json);
    if (pageToStdout) context.stdout.write(page);
    else await writeOutputFile(switches.html, page, context);
  }
  let printed = '';
  if (pageToStdout) {
    // The page is the output.
  } else if (format === 'table' && result.text !== undefined) printed = result.text;
  else if (result.document) printed = await renderDocument(result.document, format, context, switches);
  if (printed !== '') context.stdout.write(printed);

  // 5. stderr, in one order for every command.
  const quiet = switches.quiet === true;
  const lines: string[] = [];
  const resolved = inputs ? await inputs : undefined;
  const unreadable = [
    ...(resolved?.problems ?? []).map((problem) => `warning: skipping ${problem.path}: ${problem.message}`),
    ...[...summaries.flatMap((summary) => summary.unreadable), ...(result.unreadable ?? [])].map((entry) => `warning: skipped ${entry.path}: ${entry.message}`),
  ];
  if (!quiet) lines.push(...(resolved?.notes ?? []));
  lines.push(...unreadable);
  if (resolved?.pricer && result.warnUnpriced !== false) {
    const { describeUnpricedWarnings } = await import('./pricing.js');
    lines.push(...describeUnpricedWarnings(resolved.pricer, 'unpriced_models' in ((result.document?.json ?? {}) as object)));
  }
  if (!quiet && result.noteSkipped !== false) {
    const { describeSkipped } = await import('./inputs.js');
    for (const summary of summaries) {
      const note = describeSkipped(summary);
      if (note) lines.push(note);
    }
  }
  lines.push(...(result.warnings ?? []));
  if (!quiet) lines.push(...(result.notes ?? []));
  for (const line of lines) context.stderr.write(`${line}\n`);

  // 6. The exit code: never 0 when some input could not be read.
  const exitCode = exitCodeForVerdict(result.verdict ?? 'ok', unreadable.length > 0);
  // Kept only when everything was read (a file that could not be read may be readable next time) and the index
  // and archive had nothing to say: their warnings are about this run, and a replay would leave them out.
  if (slot && unreadable.length === 0 && resolved?.storeWarnings.count === 0) slot.keep({ stdout: printed, stderr: lines, exitCode });
  return exitCode;
}

/**
 * The result-cache slot of a repeatable command's run: its inputs resolved
 * (the command needs them anyway), keyed by everything its output depends on.
 * Undefined without the index (--no-cache asks for the logs to be read).
 */
async function openRepeatableSlot(
  spec: CommandSpec,
  args: readonly string[],
  options: unknown,
  config: UsageConfig,
  context: CliContext,
  readInputs: () => Promise<ResolvedInputs>,
): Promise<ResultCacheSlot | undefined> {
  const resolved = await readInputs();
  const index = resolved.analyzeOptions.index;
  if (!index || resolved.problems.length > 0) return undefined;
  const [{ openResultCache }, { findDialect }, { chooseReader }, { resolve }, { formatCalendarDate }] = await Promise.all([
    import('../store/result-cache.js'),
    import('../dialects/registry.js'),
    import('../ingest/scan.js'),
    import('node:path'),
    import('../time/zone.js'),
  ]);
  const format = resolved.analyzeOptions.format;
  const forced = format ? findDialect(format) : undefined;
  const resolver = resolved.pricer?.resolver;
  return openResultCache(index.directory, {
    tool: index.tool,
    command: spec.parent ? `${spec.parent} ${spec.name}` : spec.name,
    cwd: context.cwd,
    args,
    options,
    config,
    env: context.env,
    terminals: {
      stdout: { isTTY: context.stdout.isTTY, columns: context.stdout.columns },
      stderr: { isTTY: context.stderr.isTTY, columns: context.stderr.columns },
    },
    zone: resolved.zone,
    today: formatCalendarDate(resolved.today),
    notes: resolved.notes,
    prices: { builtIn: resolver?.builtin?.source ?? 'none', overrideFile: resolver?.overrides ? resolve(context.cwd, resolver.overrides.path) : null },
    inputs: resolved.sources.flatMap((source) =>
      source.kind === 'file' ? [{ path: source.path, identity: source.identity, singleFile: chooseReader(source, forced) !== 'sqlite' }] : [],
    ),
    streams: resolved.sources.filter((source) => source.kind !== 'file').length,
    startedAt: context.now.getTime(),
  });
}

/** Registers every spec as a commander command (nested ones under their parent). */
export function registerCommands(
  program: Command,
  specs: readonly CommandSpec[],
  run: (spec: CommandSpec, args: readonly string[], read: (key: string) => { given: boolean; value: unknown }) => Promise<void>,
): void {
  const commands = new Map<string, Command>();
  for (const spec of specs) {
    const parent = spec.parent ? commands.get(spec.parent) : program;
    if (!parent) throw new Error(`command ${spec.name}: parent ${spec.parent} is not registered before it`);
    // A parent's own flags stop at its subcommand's name: `usage cache clear --json` is clear's flag (refused), not cache's.
    // (The program must stop at the first command name too, or it would hand cache's flags over mixed up.)
    if (spec.parent) {
      program.enablePositionalOptions();
      parent.enablePositionalOptions();
    }
    const command = parent.command(spec.name).description(spec.summary);
    const argument = spec.arguments ?? (spec.inputs === 'none' ? undefined : PATHS_ARGUMENT);
    if (argument) command.argument(argument.syntax, argument.description);
    const attributes = registerFlags(command, spec.flags);
    const after = [spec.help, spec.examples?.length ? `Examples:\n${spec.examples.map((example) => `  ${example}`).join('\n')}` : undefined]
      .filter((text): text is string => text !== undefined)
      .join('\n\n');
    if (after) command.addHelpText('after', `\n${after}`);
    command.action(async (...values: unknown[]) => {
      // commander passes the arguments, then the options object, then the command.
      const self = values.at(-1) as Command;
      const positional = argument ? values[0] : [];
      const args = Array.isArray(positional) ? (positional as string[]) : positional === undefined ? [] : [String(positional)];
      const parsed = self.opts();
      const read = (key: string) => {
        const attribute = attributes.get(key) ?? key;
        return { given: self.getOptionValueSource(attribute) === 'cli', value: parsed[attribute] };
      };
      await run(spec, args, read);
    });
    if (!spec.parent) commands.set(spec.name, command);
  }
}
