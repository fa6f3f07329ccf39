/**
 * The CLI edge: flags in, exit code out. This is the only module that touches
 * `process` (through createProcessContext); command modules are imported
 * lazily so `usage --version` and `usage --help` stay as fast as Node allows.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { describeError, EXIT_CODES, exitCodeFor } from '../core/errors.js';
import { type CliContext, createProcessContext } from './context.js';

export function readVersion(): string {
  const raw = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(raw) as { version: string }).version;
}

type Action = (paths: string[], flags: Record<string, unknown>, context: CliContext) => Promise<number>;
type Loader = () => Promise<Action>;

function addInputOptions(command: Command): Command {
  return command
    .argument('[paths...]', 'log files or directories (searched for *.jsonl, *.jsonl.gz, *.ndjson); - reads stdin; none reads the default locations')
    .option('--since <date>', 'first day to include, YYYY-MM-DD or YYYYMMDD (inclusive, in --tz)')
    .option('--until <date>', 'last day to include, YYYY-MM-DD or YYYYMMDD (inclusive, in --tz)')
    .option('--tz <zone>', 'IANA time zone for days and date ranges (default: the system zone)')
    .option('--format <dialect>', 'read every line as this dialect instead of detecting it: bamboo, jcode, lash, kernex, thane, claude, codex, provider')
    .option('--strict', 'stop at the first malformed line with file:line: reason (exit 1)')
    .option('-q, --quiet', 'no notes on stderr (which locations were read, skipped-line counts)')
    .option('--pricing <file>', 'JSON price overrides and additions (schema in docs/pricing.md)')
    .option('--cost-mode <mode>', 'calculate | recorded | auto: auto uses a cost the log recorded, else calculates (default: auto)')
    .option('--config <file>', 'config file (default: ./usage.config.json, then $XDG_CONFIG_HOME/usage/config.json)')
    .option('--cache-dir <dir>', 'where the index of already-read logs lives (default: $XDG_CACHE_HOME/usage or ~/.cache/usage)')
    .option('--no-cache', 'read every log in full and leave the index alone');
}

function addOutputOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON document (schema in docs/json.md)')
    .option('--ndjson', 'print one JSON object per row')
    .option('--csv', 'print the main table as RFC 4180 CSV')
    .option('--markdown', 'print Markdown tables (for PR comments)')
    .addOption(new Option('--color', 'force colour in tables').conflicts('noColor'))
    .option('--no-color', 'never use colour (NO_COLOR is honoured too)');
}

export function createProgram(context: CliContext, run: (loader: Loader, paths: string[], flags: Record<string, unknown>) => Promise<void>): Command {
  const program = new Command('usage')
    .description('Fast, trustworthy analytics over the token-usage logs that LLM agents write.')
    .version(context.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
    })
    .exitOverride();

  const define = (name: string, description: string, loader: Loader, options: { output?: boolean } = {}): Command => {
    const command = addInputOptions(program.command(name).description(description));
    if (options.output !== false) addOutputOptions(command);
    command.action(async (paths: string[], flags: Record<string, unknown>) => run(loader, paths, flags));
    return command;
  };

  const load =
    (name: string, exportName: string): Loader =>
    async () => {
      const module = (await import(`../commands/${name}.js`)) as Record<string, Action>;
      const action = module[exportName];
      if (!action) throw new Error(`command module ${name} has no ${exportName}`);
      return action;
    };

  define('report', 'totals per token kind, days and streaks, shares, cache health, and what was skipped', load('report', 'runReport'))
    .option('--trend-days <n>', 'days in the trend', '14')
    .addHelpText(
      'after',
      '\nExamples:\n  usage report ~/.claude/projects --since 2026-11-01\n  usage report logs/ --json | jq .totals.total_tokens',
    );

  define(
    'validate',
    'list malformed lines as file:line: reason and count lines per dialect and reason (exit 1 if any are bad)',
    load('validate', 'runValidate'),
    { output: false },
  ).option('--json', 'print the verdict and every problem as JSON');

  define('cost', 'tokens and cost grouped by one or more keys, highest cost first', load('cost', 'runCost'))
    .option(
      '--by <keys>',
      'comma-separated, nested in order: model, provider, upstream_model, resource, role, task, source, session, project, sender, day, week, month',
      'model',
    )
    .addHelpText('after', '\nExamples:\n  usage cost --by model\n  usage cost logs/ --by project,model --since 2026-11-01 --json');

  define('pricing', 'how model ids resolve to prices (or, with --unknown, which models in the logs have no price)', load('pricing', 'runPricing'))
    .option('--unknown', 'treat the arguments as log paths and list the models found there that have no price')
    .addHelpText('after', '\nExamples:\n  usage pricing claude-sonnet-4-5-20250929 gpt-5\n  usage pricing --unknown ~/.codex/sessions');

  for (const [name, noun] of [
    ['daily', 'day'],
    ['weekly', 'week'],
    ['monthly', 'month'],
  ] as const) {
    const command = define(name, `one row per ${noun} with tokens and cost`, load(name, `run${name[0]!.toUpperCase()}${name.slice(1)}`))
      .option('--breakdown', 'add a row per model under each period')
      .option('--chart', 'draw the figures as bars in the terminal')
      .option('--metric <metric>', 'what --chart draws: cost or tokens', 'cost');
    if (name === 'weekly') command.option('--start-of-week <day>', 'first day of a week: monday … sunday', 'monday');
  }

  define('sessions', 'one row per session: when, how long, models, calls, tokens, cost, cache hit rate', load('sessions', 'runSessions')).option(
    '--id <session>',
    "list one session's calls in order",
  );

  program
    .command('cache-clear', { hidden: true })
    .description('delete the index of already-read logs (also: usage cache clear)')
    .option('--cache-dir <dir>', 'the index folder (default: $XDG_CACHE_HOME/usage or ~/.cache/usage)')
    .option('-q, --quiet', 'say nothing')
    .action(async (flags: Record<string, unknown>) => run(load('cache-clear', 'runCacheClear'), [], flags));

  define('cache', 'prompt-cache health: hit and reuse rates, cold rounds and what caused them', load('cache', 'runCache')).option(
    '--cold-threshold <fraction>',
    "a call is cold when its cache read falls below this fraction of the session's median prompt",
    '0.1',
  ).addHelpText('after', '\n`usage cache clear` deletes the index of already-read logs (see --cache-dir).');

  define('budget', 'check spend against limits; exit 3 when a limit is breached (for CI)', load('budget', 'runBudget'))
    .option('--max-cost <usd>', 'limit on cost per group and period, in US dollars')
    .option('--max-tokens <n>', 'limit on total tokens per group and period')
    .option('--period <period>', 'day | week | month | all: the window each limit applies to (default: all)')
    .option('--by <key>', 'check each model or project separately: model | project')
    .option('--warn-at <fraction>', 'warn (without failing) above this fraction of a limit, e.g. 0.8')
    .addHelpText(
      'after',
      '\nExit codes: 0 within limits, 3 a limit was breached, 2 bad flags, 1 unreadable data.\nExample:\n  usage budget logs/ --max-cost 25 --period month --warn-at 0.8',
    );

  define('diff', 'change in tokens and cost, per model and in total, between two periods or two saved JSON reports', load('diff', 'runDiff'))
    .option('--against-since <date>', 'first day of the period to compare against')
    .option('--against-until <date>', 'last day of the period to compare against')
    .option('--reports', 'treat the two paths as saved `usage report --json` files: the first is the baseline')
    .addHelpText(
      'after',
      '\nExamples:\n  usage diff logs/ --since 2026-11-08 --until 2026-11-14 --against-since 2026-11-01 --against-until 2026-11-07\n  usage diff --reports last-week.json this-week.json',
    );

  // Blocks, limits and statusline (issue 14): wired in the old style until the declarative runner lands.
  define('blocks', "Claude Code's 5-hour windows: tokens, cost and models per block; the active block's burn rate and projection", load('blocks', 'runBlocks'))
    .option('--token-limit <n>', 'tokens allowed per block, or max: the largest previous block (an estimate)')
    .option('--cost-limit <usd>', 'cost allowed per block, in US dollars')
    .option('--active', 'only the block running now')
    .option('--recent', 'only blocks of the last 3 days')
    .option('--live', 'redraw the active block and today in place as logs change (q to quit)')
    .addHelpText('after', '\nExamples:\n  usage blocks --recent\n  usage blocks --active --token-limit max\n  usage blocks --live');
  define('limits', 'Codex rate-limit windows as the server reported them: latest state, reset time, and how they moved over a day', load('limits', 'runLimits'))
    .option('--day <date>', 'the day whose history is shown (default: today, in --tz)')
    .addHelpText('after', '\nExample:\n  usage limits ~/.codex/sessions');
  program
    .command('statusline')
    .description("one line for Claude Code's status bar: session cost, today's cost, the active block's time left and burn rate (reads Claude Code's JSON on stdin)")
    .argument('[paths...]', 'log folders (default: the default locations)')
    .option('--tz <zone>', 'IANA time zone for "today"')
    .option('--config <file>', 'config file')
    .option('--cache-dir <dir>', 'where the index and the last answer live')
    .option('--max-age <seconds>', 'reuse the last answer this long while the transcript is unchanged', '30')
    .option('--time-limit <ms>', 'print the last known line if a scan takes longer than this', '3000')
    .action(async (paths: string[], flags: Record<string, unknown>) => run(load('statusline', 'runStatusline'), paths, flags));

  return program;
}

export async function main(argv: string[], context: CliContext = createProcessContext(readVersion())): Promise<number> {
  let exitCode: number = EXIT_CODES.ok;
  const program = createProgram(context, async (loader, paths, flags) => {
    const action = await loader();
    exitCode = await action(paths, flags, context);
  });
  try {
    // No command: a short report over the default locations (help is one --help away).
    if (argv.length === 0) return await (await import('../commands/overview.js')).runOverview(context);
    // `usage cache clear` shares its first word with `usage cache [paths]`.
    const [first, second, ...rest] = argv;
    const args = first === 'cache' && second === 'clear' ? ['cache-clear', ...rest] : argv;
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end the program successfully; every other commander
      // complaint is a bad flag or argument, which is a usage error.
      if (error.exitCode === 0) return EXIT_CODES.ok;
      return EXIT_CODES.usage;
    }
    context.stderr.write(`error: ${describeError(error)}\n`);
    if (context.env['USAGE_DEBUG'] && error instanceof Error && error.stack) context.stderr.write(`${error.stack}\n`);
    return exitCodeFor(error);
  }
}
