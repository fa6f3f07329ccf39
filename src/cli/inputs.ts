/**
 * Resolves the flags every data command shares (paths, dates, zone, dialect,
 * strictness) into what the core needs, turning every mistake into one clear
 * UsageError sentence.
 */
import { createRecordFilter } from '../core/filter.js';
import { join, resolve } from 'node:path';
import type { AnalyzeOptions, TimeRange } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import { type DialectName, findDialect } from '../dialects/registry.js';
import type { ArchiveOptions, IndexOptions, IngestSummary } from '../ingest/ingest.js';
import type { RecordPricer } from '../pricing/calculate.js';
import type { CostMode } from '../pricing/types.js';
import { DEFAULT_START_OF_WEEK, type Weekday } from '../reducers/periods.js';
import { type DiscoveryProblem, discoverFiles, findDefaultLocations, listDefaultLocations, type Source } from '../sources/discover.js';
import { addDays, type CalendarDate, formatCalendarDate, readCalendarDate, startOfDay } from '../time/zone.js';
import type { UsageConfig } from './config.js';
import type { CliContext } from './context.js';
import type { DateExpression, RangeEdge } from './dates.js';
import { resolvePricer } from './pricing.js';
import { createProgressReporter } from './progress.js';
import { createFolder } from '../store/folders.js';

/** The reading options a command may take (see LOG_FLAGS and LINE_FLAGS in ./flags.ts), already parsed. */
export interface InputOptions {
  since?: DateExpression | undefined;
  until?: DateExpression | undefined;
  tz?: string | undefined;
  format?: DialectName | undefined;
  strict?: boolean | undefined;
  quiet?: boolean | undefined;
  pricing?: string | undefined;
  costMode?: CostMode | undefined;
  cacheDir?: string | undefined;
  cache?: boolean | undefined;
  archive?: boolean | undefined;
  startOfWeek?: Weekday | undefined;
  agent?: readonly string[] | undefined;
  machine?: readonly string[] | undefined;
  project?: readonly string[] | undefined;
  model?: readonly string[] | undefined;
}

export interface ResolvedInputs {
  sources: Source[];
  /** Paths that were given or found but cannot be read; reported by the runner, and the run exits 1. */
  problems: DiscoveryProblem[];
  /** Which default locations were read (for stderr, unless --quiet). */
  notes: string[];
  zone: string;
  /** Today in the zone. */
  today: CalendarDate;
  range: TimeRange;
  since: CalendarDate | null;
  until: CalendarDate | null;
  analyzeOptions: AnalyzeOptions;
  /**
   * Prices records and remembers which could not be priced (see
   * listUnpricedModels in ./pricing.js); null for commands that read lines only.
   */
  pricer: RecordPricer | null;
  /** Warnings the index and the archive have written so far (a damaged file discarded, an archive not read): events of this run, not of its inputs. */
  storeWarnings: { count: number };
}

/** Settles a date flag to a day in the zone: a start keeps the first day of a relative period, an end its last. */
export function resolveDate(
  expression: DateExpression | undefined,
  edge: RangeEdge,
  today: CalendarDate,
  startOfWeek: Weekday = DEFAULT_START_OF_WEEK,
): CalendarDate | null {
  return expression ? expression.resolve(edge, today, startOfWeek) : null;
}

/** --since and --until (or the --against pair) → an instant range; --until is inclusive. */
export function resolveRange(
  sinceFlag: string,
  untilFlag: string,
  since: CalendarDate | null,
  until: CalendarDate | null,
  zone: string,
): { range: TimeRange; since: CalendarDate | null; until: CalendarDate | null } {
  const start = since ? startOfDay(since, zone) : null;
  // The range ends where the day after --until starts.
  const end = until ? startOfDay(addDays(until, 1), zone) : null;
  if (start !== null && end !== null && end <= start && since && until) {
    throw new UsageError(`${untilFlag} ${formatCalendarDate(until)} is before ${sinceFlag} ${formatCalendarDate(since)}.`);
  }
  return { range: { start, end }, since, until };
}

/** Paths → sources, and the paths that cannot be read. With no paths, the default log locations that exist. */
export async function resolveSources(
  paths: readonly string[],
  context: CliContext,
): Promise<{ sources: Source[]; problems: DiscoveryProblem[]; notes: string[]; roots: string[] }> {
  const environment = { home: context.home, variables: context.env, platform: context.platform ?? 'linux' };
  if (paths.length === 0) {
    const found = await findDefaultLocations(environment);
    if (found.length === 0) {
      const looked = listDefaultLocations(environment)
        .map((location) => location.path)
        .join(', ');
      throw new UsageError(
        `No usage logs found in the default locations (${looked}). Pass a file or directory, e.g. \`usage report ~/logs\`, or - for stdin.`,
      );
    }
    const notes = found.map((location) => `Reading ${location.description} logs from ${location.path}`);
    // Agents whose default locations are all absent: said once, so a missing agent is not a silent zero.
    const foundDialects = new Set(found.map((location) => location.dialect));
    const missing = new Set(
      listDefaultLocations(environment)
        .filter((location) => !foundDialects.has(location.dialect))
        .map((location) => findDialect(location.dialect).title),
    );
    if (missing.size > 0) notes.push(`No logs found for ${[...missing].join(', ')} in their default locations`);
    const roots = found.map((location) => location.path);
    return { ...(await discoverFiles(found)), notes, roots };
  }
  const sources: Source[] = [];
  const filePaths: string[] = [];
  let usedStdin = false;
  for (const path of paths) {
    if (path === '-') {
      if (!usedStdin) sources.push({ kind: 'stream', name: '-', stream: context.stdin });
      usedStdin = true;
    } else {
      filePaths.push(path);
    }
  }
  const discovery = await discoverFiles(filePaths);
  if (discovery.problems.length > 0 && discovery.sources.length === 0 && sources.length === 0) {
    const [first] = discovery.problems;
    const rest = discovery.problems.length > 1 ? ` (and ${discovery.problems.length - 1} more)` : '';
    throw new UsageError(`Cannot read ${first?.path}: ${first?.message}${rest}.`);
  }
  return { sources: [...discovery.sources, ...sources], problems: discovery.problems, notes: [], roots: filePaths };
}

/** The index folder: --cache-dir, else $XDG_CACHE_HOME/usage, else ~/.cache/usage. */
export function resolveIndexDirectory(flags: Pick<InputOptions, 'cacheDir'>, context: CliContext): string {
  if (flags.cacheDir) return resolve(context.cwd, flags.cacheDir);
  const base = context.env['XDG_CACHE_HOME'] || join(context.home, '.cache');
  return join(base, 'usage');
}

/**
 * The persistent index, unless --no-cache (or USAGE_NO_CACHE) says otherwise.
 * A folder that cannot be created is a warning, not a failure: the run just
 * reads everything.
 */
async function resolveIndex(flags: InputOptions, context: CliContext, warn: (message: string) => void): Promise<IndexOptions | undefined> {
  if (flags.cache === false || context.env['USAGE_NO_CACHE']) return undefined;
  const directory = resolveIndexDirectory(flags, context);
  try {
    createFolder(directory, 0o700);
  } catch (error) {
    if (!flags.quiet) context.stderr.write(`warning: not using the index: cannot create ${directory} (${(error as Error).message})\n`);
    return undefined;
  }
  return {
    directory,
    tool: `usage@${context.version}`,
    onWarning: warn,
  };
}

/**
 * The archive of records from deleted or shrunk logs (docs/index.md): read
 * even with --no-cache, which is about re-reading the logs, not about
 * forgetting what the logs no longer hold; --no-archive ignores it.
 */
function resolveArchive(flags: InputOptions, roots: readonly string[], context: CliContext, warn: (message: string) => void): ArchiveOptions | false {
  if (flags.archive === false) return false;
  return { directory: resolveIndexDirectory(flags, context), roots, onWarning: warn };
}

const PARALLEL_THRESHOLD_BYTES = 32 * 1024 * 1024;

/**
 * Worker threads pay off only on large inputs (starting one costs ~30 ms).
 * USAGE_WORKERS overrides the choice: 0 keeps everything on this thread, N starts N workers.
 */
export function chooseWorkers(sources: readonly Source[], context: CliContext): number {
  const forced = context.env['USAGE_WORKERS'];
  if (forced !== undefined && forced !== '' && Number.isInteger(Number(forced))) return Math.max(0, Number(forced));
  let bytes = 0;
  let files = 0;
  for (const source of sources) {
    if (source.kind !== 'file') continue;
    bytes += source.size ?? 0;
    files++;
  }
  if (bytes < PARALLEL_THRESHOLD_BYTES || files < 2) return 0;
  return Math.min(context.cores, 4, files);
}

/** Parsed options (flags over the config file over the environment) → what the core needs. */
export async function resolveInputs(
  args: readonly string[],
  options: InputOptions,
  config: UsageConfig,
  context: CliContext,
  family: 'logs' | 'lines',
): Promise<ResolvedInputs> {
  const zone = options.tz ?? 'UTC';
  const today = readCalendarDate(context.now.getTime(), zone);
  const { range, since, until } = resolveRange(
    '--since',
    '--until',
    resolveDate(options.since, 'start', today, options.startOfWeek),
    resolveDate(options.until, 'end', today, options.startOfWeek),
    zone,
  );
  // Reading lines needs no prices: validate never loads the price data.
  const pricer = family === 'logs' ? await resolvePricer({ pricing: options.pricing, costMode: options.costMode }, context) : null;
  const { sources, problems, notes, roots } = await resolveSources(args.length > 0 ? args : (config.paths ?? []), context);
  const storeWarnings = { count: 0 };
  const warn = (message: string): void => {
    storeWarnings.count++;
    context.stderr.write(`warning: ${message}\n`);
  };
  return {
    sources,
    problems,
    notes,
    zone,
    today,
    range,
    since,
    until,
    analyzeOptions: {
      range,
      format: options.format,
      strict: options.strict,
      priceRecord: pricer?.priceRecord,
      filter: createRecordFilter({ agent: options.agent, machine: options.machine, project: options.project, model: options.model }),
      prefilter: true,
      // --strict reads on one thread, so the line it stops at is always the
      // first malformed line in input order, not whichever a worker met first.
      workers: options.strict ? 0 : chooseWorkers(sources, context),
      index: family === 'logs' ? await resolveIndex(options, context, warn) : undefined,
      archive: family === 'logs' ? resolveArchive(options, roots, context, warn) : undefined,
      onProgress: createProgressReporter(context, options.quiet),
    },
    pricer,
    storeWarnings,
  };
}

/** One line on stderr about skipped lines, so people notice without it polluting stdout. */
export function describeSkipped(summary: IngestSummary): string | null {
  if (summary.skipped.lines === 0) return null;
  // Most frequent first (the summary lists them by name).
  const reasons = Object.entries(summary.skipped.reasons)
    .sort(([a, x = 0], [b, y = 0]) => y - x || (a < b ? -1 : 1))
    .map(([reason, count]) => `${count} ${reason}`)
    .join(', ');
  return `note: skipped ${summary.skipped.lines} malformed line${summary.skipped.lines === 1 ? '' : 's'} (${reasons}); run \`usage validate\` to list them.`;
}
