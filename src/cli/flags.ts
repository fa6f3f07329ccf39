/**
 * Every flag, declared once: its syntax, help text, default, choices, and the
 * parser that turns what the user typed into a typed value (or one sentence
 * naming the flag, exit 2). Command specs (src/commands/*.ts) pick flags from
 * here by reference; the runner (./runner.ts) registers them with commander
 * and builds one typed options object from flags, the config file and the
 * environment, in that order of precedence, before any command runs.
 *
 * Kept light: it is loaded on every start, so it imports only small modules
 * of constants, never reports or renderers.
 */
import { UsageError } from '../core/errors.js';
import { DIALECT_NAMES, DIALECTS, type DialectName } from '../dialects/registry.js';
import { COST_MODES, type CostMode } from '../pricing/types.js';
import { DEFAULT_COLD_THRESHOLD } from '../reducers/cold-rounds.js';
import { DEFAULT_START_OF_WEEK, WEEKDAYS, type Weekday } from '../reducers/periods.js';
import {
  BUDGET_GROUPS,
  BUDGET_PERIODS,
  type BudgetGroup,
  type BudgetPeriod,
  COST_KEYS,
  type CostKey,
  DEFAULT_TREND_DAYS,
  PERIOD_METRICS,
  type PeriodMetric,
} from '../reports/options.js';
import { isValidTimeZone } from '../time/zone.js';
import type { UsageConfig } from './config.js';
import type { CliContext } from './context.js';
import { DATE_SYNTAX, type DateExpression, parseDateExpression } from './dates.js';

export interface FlagDefinition<Value> {
  /** Commander syntax: `--since <date>`, `-q, --quiet`, `--no-cache`. */
  readonly syntax: string;
  readonly description: string;
  /** Text → value, or a UsageError naming the flag. Absent for switches, which are true when given. */
  readonly parse?: (text: string) => Value;
  /** Listed in --help. */
  readonly choices?: readonly string[];
  /** Used when neither the flag, the config file nor the environment gives a value. */
  readonly defaultValue?: Value;
  /** How --help shows the default, when it is not the value itself. */
  readonly defaultText?: string;
  /**
   * The config file's setting for this flag (docs/config.md), used when the
   * flag is absent; the file's schema has already checked its value.
   */
  readonly configKey?: ConfigKey;
  /** Text from the environment, parsed like the flag's own text; below the config file in precedence. */
  readonly fromEnvironment?: (context: CliContext) => string | undefined;
  /** Help for the opposite switch (`--no-color`), when there is one. */
  readonly negation?: string;
}

/** The value a flag definition yields. */
export type FlagValue<Definition> = Definition extends FlagDefinition<infer Value> ? Value : never;

export type FlagSet = Readonly<Record<string, FlagDefinition<unknown>>>;

/** The typed options object a command receives. */
export type OptionsOf<Flags extends FlagSet> = { readonly [Key in keyof Flags]: FlagValue<Flags[Key]> };

/** The config file's settings a flag can stand for: top-level ones, and `budgets.*`. */
export type ConfigKey = Exclude<keyof UsageConfig, 'file' | 'paths' | 'budgets'> | `budgets.${keyof NonNullable<UsageConfig['budgets']>}`;

/** Reads one setting from a parsed config file. */
export function readConfigSetting(config: UsageConfig, key: ConfigKey): unknown {
  const [first, second] = key.split('.') as [keyof UsageConfig, string | undefined];
  const value = config[first];
  return second === undefined ? value : (value as Record<string, unknown> | undefined)?.[second];
}

function defineFlag<Value>(definition: FlagDefinition<Value>): FlagDefinition<Value> {
  return definition;
}

/** A switch: false unless given. */
function defineSwitch(syntax: string, description: string): FlagDefinition<boolean> {
  return { syntax, description, defaultValue: false };
}

function flagName(syntax: string): string {
  return /--[\w-]+/.exec(syntax)?.[0] ?? syntax;
}

/** One of `choices`, exactly as listed. */
function parseChoice<Value extends string>(flag: string, choices: readonly Value[], noun: string): (text: string) => Value {
  return (text) => {
    const value = text.trim().toLowerCase();
    if (!(choices as readonly string[]).includes(value)) {
      throw new UsageError(`${flag} "${text}" is not ${noun}: use ${choices.join(', ')}.`);
    }
    return value as Value;
  };
}

// Plain decimal notation only: Number() would also take "0x10", "1e3", "Infinity" and " ".
const DECIMAL = /^\d+(?:\.\d+)?$|^\.\d+$/;

function parseDecimal(flag: string, text: string, wanted: string, accept: (value: number) => boolean): number {
  const trimmed = text.trim();
  const value = DECIMAL.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(value) || !accept(value)) throw new UsageError(`${flag} "${text}" is not valid: use ${wanted}.`);
  return value;
}

function parseText(flag: string, wanted: string): (text: string) => string {
  return (text) => {
    if (text.trim() === '') throw new UsageError(`${flag} needs ${wanted}.`);
    return text;
  };
}

function parseDate(syntax: string): (text: string) => DateExpression {
  return (text) => parseDateExpression(flagName(syntax), text);
}

// ---- Reading logs --------------------------------------------------------

export const since = defineFlag<DateExpression | undefined>({
  syntax: '--since <date>',
  description: `first day to include (inclusive, in --tz): ${DATE_SYNTAX}`,
  parse: parseDate('--since'),
});

export const until = defineFlag<DateExpression | undefined>({
  syntax: '--until <date>',
  description: 'last day to include (inclusive, in --tz); same forms as --since',
  parse: parseDate('--until'),
});

export const tz = defineFlag<string>({
  syntax: '--tz <zone>',
  description: 'IANA time zone for days and date ranges',
  defaultText: '$TZ, then the system zone',
  parse: (text) => {
    if (!isValidTimeZone(text)) throw new UsageError(`--tz "${text}" is not a time zone: use an IANA name such as UTC or Europe/Berlin.`);
    return text;
  },
  configKey: 'tz',
  // TZ often holds what only libc understands (`:/etc/localtime`, `UTC0`):
  // such a value is not the user asking for a zone, so it falls back to the
  // system zone rather than failing a flag that was never given.
  fromEnvironment: (context) => {
    const fromVariable = context.env['TZ'];
    return fromVariable && isValidTimeZone(fromVariable) ? fromVariable : context.systemTimeZone;
  },
});

export const format = defineFlag<DialectName | undefined>({
  syntax: '--format <dialect>',
  // Names and titles come from the dialect registry: a new log source shows up here by itself.
  description: `read every line as this dialect instead of detecting it: ${DIALECTS.map((dialect) => `${dialect.name} (${dialect.title})`).join(', ')}`,
  parse: parseChoice('--format', DIALECT_NAMES, 'a known dialect'),
});

export const strict = defineSwitch('--strict', 'stop at the first malformed line with file:line: reason (exit 1)');

export const quiet = defineSwitch('-q, --quiet', 'no notes on stderr (which locations were read, skipped-line counts)');

export const pricing = defineFlag<string | undefined>({
  syntax: '--pricing <file>',
  description: 'JSON price overrides and additions (schema in docs/pricing.md)',
  parse: parseText('--pricing', 'a file name'),
  configKey: 'pricing',
});

export const costMode = defineFlag<CostMode>({
  syntax: '--cost-mode <mode>',
  description: 'auto uses a cost the log recorded, else calculates',
  choices: COST_MODES,
  defaultValue: 'auto',
  parse: parseChoice('--cost-mode', COST_MODES, 'a cost mode'),
  configKey: 'costMode',
});

export const config = defineFlag<string | undefined>({
  syntax: '--config <file>',
  description: 'config file (default: ./usage.config.json, then $XDG_CONFIG_HOME/usage/config.json)',
  parse: parseText('--config', 'a file name'),
});

export const cacheDir = defineFlag<string | undefined>({
  syntax: '--cache-dir <dir>',
  description: 'where the index of already-read logs and the results of identical runs live (default: $XDG_CACHE_HOME/usage or ~/.cache/usage)',
  parse: parseText('--cache-dir', 'a folder'),
});

export const cache = defineFlag<boolean>({
  syntax: '--no-cache',
  description: 'read every log in full, leaving the index and kept results alone (also: USAGE_NO_CACHE=1)',
  defaultValue: true,
});

export const archive = defineFlag<boolean>({
  syntax: '--no-archive',
  description: 'leave out the archived records of deleted or shrunk logs, and do not archive any (docs/index.md)',
  defaultValue: true,
});

/** `usage cache clear --archive`: the archive holds records whose logs are gone, so it is only deleted when asked. */
export const clearArchive = defineSwitch('--archive', 'also delete the archive of records from deleted logs (they cannot be read again)');

export const pruneBefore = defineFlag<DateExpression | undefined>({
  syntax: '--prune-before <date>',
  description: `remove archived records dated before this day (UTC); ${DATE_SYNTAX}`,
  parse: parseDate('--prune-before'),
});

// ---- Output --------------------------------------------------------------

export const json = defineSwitch('--json', 'print one JSON document (schema in docs/json.md)');
export const ndjson = defineSwitch('--ndjson', 'print one JSON object per row');
export const csv = defineSwitch('--csv', 'print the main table as RFC 4180 CSV');
export const markdown = defineSwitch('--markdown', 'print Markdown tables (for PR comments)');

export const color = defineFlag<boolean | undefined>({
  syntax: '--color',
  description: 'force colour in tables',
  negation: 'never use colour (NO_COLOR is honoured too)',
});

/** Only for commands whose JSON the page can show (src/renderers/html.ts, HTML_KINDS). */
export const html = defineFlag<string | undefined>({
  syntax: '--html <file>',
  description: 'also write the report as one self-contained HTML page (docs/html.md); - writes only the page, to stdout',
  parse: parseText('--html', 'a file name, or - for stdout'),
});

// ---- Command-specific ------------------------------------------------------

// Ten years of days is already more than any table can show.
const MAX_TREND_DAYS = 3660;

export const trendDays = defineFlag<number>({
  syntax: '--trend-days <n>',
  description: 'days in the trend',
  defaultValue: DEFAULT_TREND_DAYS,
  parse: (text) => {
    const days = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(days) || days < 1 || days > MAX_TREND_DAYS) {
      throw new UsageError(`--trend-days "${text}" is not a number of days: use a whole number from 1 to ${MAX_TREND_DAYS}.`);
    }
    return days;
  },
});

/** `--by project,model` → ['project', 'model']; `-` and spaces are accepted for `_`. */
export function parseCostKeys(text: string): CostKey[] {
  const parts = text
    .split(',')
    .map((part) => part.trim().toLowerCase().replace(/[- ]/g, '_'))
    .filter((part) => part !== '');
  if (parts.length === 0) throw new UsageError(`--by needs at least one key: ${COST_KEYS.join(', ')}.`);
  const keys: CostKey[] = [];
  for (const part of parts) {
    if (!(COST_KEYS as readonly string[]).includes(part)) {
      throw new UsageError(`--by "${part}" is not a grouping key: use ${COST_KEYS.join(', ')}.`);
    }
    if (keys.includes(part as CostKey)) throw new UsageError(`--by lists "${part}" twice.`);
    keys.push(part as CostKey);
  }
  return keys;
}

export const costBy = defineFlag<readonly CostKey[]>({
  syntax: '--by <keys>',
  description: 'comma-separated grouping keys, nested in order',
  choices: COST_KEYS,
  defaultValue: ['model'],
  defaultText: 'model',
  parse: parseCostKeys,
});

export const unknown = defineSwitch('--unknown', 'treat the arguments as log paths and list the models found there that have no price');

export const breakdown = defineSwitch('--breakdown', 'add a row per model under each period');
export const chart = defineSwitch('--chart', 'draw the figures as bars in the terminal');

export const metric = defineFlag<PeriodMetric>({
  syntax: '--metric <metric>',
  description: 'what --chart draws',
  choices: PERIOD_METRICS,
  defaultValue: 'cost',
  parse: parseChoice('--metric', PERIOD_METRICS, 'a metric'),
});

export function parseStartOfWeek(text: string): Weekday {
  const lower = text.trim().toLowerCase();
  // Accept "mon", "Monday", "MONDAY": any unambiguous prefix of at least three letters.
  const found = lower.length >= 3 ? WEEKDAYS.find((day) => day.startsWith(lower)) : undefined;
  if (!found) throw new UsageError(`--start-of-week "${text}" is not a day of the week: use monday … sunday.`);
  return found;
}

export const startOfWeek = defineFlag<Weekday>({
  syntax: '--start-of-week <day>',
  description: 'first day of a week (and of --since this-week): monday … sunday',
  defaultValue: DEFAULT_START_OF_WEEK,
  parse: parseStartOfWeek,
});

export const sessionId = defineFlag<string | undefined>({
  syntax: '--id <session>',
  description: "list one session's calls in order",
  parse: (text) => {
    if (text.trim() === '') throw new UsageError('--id needs a session id (run `usage sessions` to list them).');
    return text;
  },
});

export const coldThreshold = defineFlag<number>({
  syntax: '--cold-threshold <fraction>',
  description: "a call is cold when its cache read falls below this fraction of the session's median prompt",
  defaultValue: DEFAULT_COLD_THRESHOLD,
  parse: (text) => {
    const trimmed = text.trim();
    const value = DECIMAL.test(trimmed) ? Number(trimmed) : Number.NaN;
    if (!Number.isFinite(value) || value <= 0 || value > 1) {
      throw new UsageError(`--cold-threshold "${text}" is not a fraction: use a number above 0 and at most 1, e.g. 0.1.`);
    }
    return value;
  },
});

export const maxCost = defineFlag<number | undefined>({
  syntax: '--max-cost <usd>',
  description: 'limit on cost per group and period, in US dollars',
  parse: (text) => parseDecimal('--max-cost', text, 'an amount in US dollars, e.g. 25', (value) => value >= 0),
  configKey: 'budgets.maxCost',
});

export const maxTokens = defineFlag<number | undefined>({
  syntax: '--max-tokens <n>',
  description: 'limit on total tokens per group and period',
  parse: (text) =>
    parseDecimal('--max-tokens', text, 'a whole number of tokens, e.g. 5000000', (value) => Number.isSafeInteger(value)),
  configKey: 'budgets.maxTokens',
});

export const period = defineFlag<BudgetPeriod>({
  syntax: '--period <period>',
  description: 'the window each limit applies to',
  choices: BUDGET_PERIODS,
  defaultValue: 'all',
  parse: parseChoice('--period', BUDGET_PERIODS, 'a budget period'),
  configKey: 'budgets.period',
});

export const budgetBy = defineFlag<BudgetGroup | undefined>({
  syntax: '--by <key>',
  description: 'check each model or project separately',
  choices: BUDGET_GROUPS,
  parse: parseChoice('--by', BUDGET_GROUPS, 'a budget group'),
  configKey: 'budgets.by',
});

export const warnAt = defineFlag<number | undefined>({
  syntax: '--warn-at <fraction>',
  description: 'warn (without failing) above this fraction of a limit, e.g. 0.8',
  parse: (text) => parseDecimal('--warn-at', text, 'a fraction above 0 and at most 1, e.g. 0.8', (value) => value > 0 && value <= 1),
  configKey: 'budgets.warnAt',
});

export const againstSince = defineFlag<DateExpression | undefined>({
  syntax: '--against-since <date>',
  description: 'first day of the period to compare against; same forms as --since',
  parse: parseDate('--against-since'),
});

export const againstUntil = defineFlag<DateExpression | undefined>({
  syntax: '--against-until <date>',
  description: 'last day of the period to compare against; same forms as --since',
  parse: parseDate('--against-until'),
});

export const reports = defineSwitch('--reports', 'treat the two paths as saved `usage report --json` files: the first is the baseline');

// ---- blocks, limits, statusline (issue 14) ---------------------------------

export const tokenLimit = defineFlag<number | 'max' | undefined>({
  syntax: '--token-limit <n>',
  description: 'tokens allowed per block, or max: the largest previous block (an estimate, and said so)',
  parse: (text) => {
    if (text.trim().toLowerCase() === 'max') return 'max';
    const value = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new UsageError(`--token-limit "${text}" is not a limit: give a whole number of tokens above 0, or max (the largest previous block).`);
    }
    return value;
  },
});

export const costLimit = defineFlag<number | undefined>({
  syntax: '--cost-limit <usd>',
  description: 'cost allowed per block, in US dollars',
  parse: (text) => parseDecimal('--cost-limit', text, 'an amount in US dollars above 0, e.g. 25', (value) => value > 0),
});

export const active = defineSwitch('--active', 'only the block running now');
export const recent = defineSwitch('--recent', 'only blocks that ended in the last 3 days, and the running one');
export const live = defineSwitch('--live', 'redraw the active block and today in place as logs change (q or Ctrl-C quits)');

export const day = defineFlag<DateExpression | undefined>({
  syntax: '--day <date>',
  description: `the day whose history is shown (default: today, in --tz): ${DATE_SYNTAX}`,
  parse: parseDate('--day'),
});

export const maxAge = defineFlag<number>({
  syntax: '--max-age <seconds>',
  description: 'reuse the last answer this long while the transcript is unchanged',
  defaultValue: 30,
  parse: (text) => parseDecimal('--max-age', text, 'a number of seconds, e.g. 30', (value) => value >= 0),
});

export const timeLimit = defineFlag<number>({
  syntax: '--time-limit <ms>',
  description: 'print the last known line if a scan takes longer than this',
  defaultValue: 3000,
  parse: (text) => parseDecimal('--time-limit', text, 'a number of milliseconds, e.g. 3000', (value) => value >= 0),
});

// ---- Families ---------------------------------------------------------------

/** What every command that reads logs takes. */
// ---- Selecting records and the engine (src/core/filter.ts, src/engine) ----

/** A comma-separated list of names: `--project alpha,beta`. */
function parseNames(flag: string): (text: string) => readonly string[] {
  return (text) => {
    const names = text.split(',').map((name) => name.trim()).filter((name) => name !== '');
    if (names.length === 0) throw new UsageError(`${flag} needs at least one name.`);
    return names;
  };
}

function defineFilter(field: string, noun: string): FlagDefinition<readonly string[] | undefined> {
  return {
    syntax: `--${field} <names>`,
    description: `only records of these ${noun} (comma-separated; "(none)" for records without one${field === 'project' ? ', "(no project)" for projects' : ''})`,
    parse: parseNames(`--${field}`),
  };
}

export const agentFilter = defineFilter('agent', 'agents (claude-code, codex, …)');
export const machineFilter = defineFilter('machine', 'machines (usage export --machine)');
export const projectFilter = defineFilter('project', 'projects');
export const modelFilter = defineFilter('model', 'models');

/** Record filters every log-reading command takes (AnalyzeOptions.filter). */
export const FILTER_FLAGS = { agent: agentFilter, machine: machineFilter, project: projectFilter, model: modelFilter } as const;

export const ENGINES = ['builtin', 'duckdb'] as const;
export type Engine = (typeof ENGINES)[number];

export const engine = defineFlag<Engine>({
  syntax: '--engine <engine>',
  description: 'builtin reads logs; duckdb runs SQL over exported Parquet files (usage export; docs/engine.md)',
  choices: ENGINES,
  defaultValue: 'builtin',
  parse: parseChoice('--engine', ENGINES, 'an engine'),
});

/** The DuckDB engine reads the Parquet files of usage export, never the default log folders: it needs them named. */
export function checkEngineArguments(chosen: Engine | undefined, args: readonly string[]): void {
  if (chosen === 'duckdb' && args.length === 0) {
    throw new UsageError('--engine duckdb reads the Parquet files of usage export: name their folder (or the files).');
  }
}

export const LOG_FLAGS = { since, until, tz, format, strict, quiet, pricing, costMode, config, cacheDir, cache, archive, ...FILTER_FLAGS } as const;

/** What `validate` takes: it reads lines, and prices and dates mean nothing to it. */
export const LINE_FLAGS = { format, quiet } as const;

/** Every output format. */
export const OUTPUT_FLAGS = { json, ndjson, csv, markdown, color } as const;

/** Only the JSON document, for commands whose default output is not a table. */
export const JSON_ONLY_FLAGS = { json } as const;
