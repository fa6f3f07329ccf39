/**
 * Resolves the flags every data command shares (paths, dates, zone, dialect,
 * strictness) into what the core needs, turning every mistake into one clear
 * UsageError sentence.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { AnalyzeOptions, TimeRange } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import { DIALECT_NAMES, type DialectName } from '../dialects/registry.js';
import type { IndexOptions, IngestSummary } from '../ingest/ingest.js';
import { discoverFiles, findDefaultLocations, listDefaultLocations, type Source } from '../sources/discover.js';
import { addDays, isValidTimeZone, parseCalendarDate, startOfDay, type CalendarDate } from '../time/zone.js';
import { loadConfig } from './config.js';
import type { CliContext } from './context.js';
import type { RecordPricer } from '../pricing/calculate.js';
import { type PricingFlags, resolvePricer } from './pricing.js';
import { createProgressReporter } from './progress.js';

export interface InputFlags extends PricingFlags {
  config?: string | undefined;
  cache?: boolean | undefined;
  cacheDir?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  tz?: string | undefined;
  format?: string | undefined;
  strict?: boolean | undefined;
  quiet?: boolean | undefined;
}

export interface ResolvedInputs {
  sources: Source[];
  zone: string;
  range: TimeRange;
  since: CalendarDate | null;
  until: CalendarDate | null;
  analyzeOptions: AnalyzeOptions;
  /** Prices records and remembers which could not be priced (see warnUnpriced in ./pricing.js). */
  pricer: RecordPricer;
}

export function parseDateFlag(flag: string, text: string): CalendarDate {
  const date = parseCalendarDate(text);
  if (!date) throw new UsageError(`${flag} "${text}" is not a date: use YYYY-MM-DD or YYYYMMDD.`);
  return date;
}

export function resolveZone(flag: string | undefined, context: CliContext): string {
  const zone = flag ?? context.env['TZ'] ?? context.systemTimeZone;
  if (!isValidTimeZone(zone)) {
    throw new UsageError(`--tz "${zone}" is not a time zone: use an IANA name such as UTC or Europe/Berlin.`);
  }
  return zone;
}

export function resolveFormat(flag: string | undefined): DialectName | undefined {
  if (flag === undefined) return undefined;
  if (!(DIALECT_NAMES as readonly string[]).includes(flag)) {
    throw new UsageError(`--format "${flag}" is not a known dialect: use one of ${DIALECT_NAMES.join(', ')}.`);
  }
  return flag as DialectName;
}

export function resolveRange(
  sinceText: string | undefined,
  untilText: string | undefined,
  zone: string,
): { range: TimeRange; since: CalendarDate | null; until: CalendarDate | null } {
  const since = sinceText === undefined ? null : parseDateFlag('--since', sinceText);
  const until = untilText === undefined ? null : parseDateFlag('--until', untilText);
  const start = since ? startOfDay(since, zone) : null;
  // --until is inclusive: the range ends where the next day starts.
  const end = until ? startOfDay(addDays(until, 1), zone) : null;
  if (start !== null && end !== null && end <= start) {
    throw new UsageError(`--until ${untilText} is before --since ${sinceText}.`);
  }
  return { range: { start, end }, since, until };
}

/** Paths → sources. With no paths, the default log locations that exist. */
export async function resolveSources(paths: readonly string[], context: CliContext, quiet = false): Promise<Source[]> {
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
    if (!quiet) {
      for (const location of found) context.stderr.write(`Reading ${location.description} logs from ${location.path}\n`);
    }
    const discovery = await discoverFiles(found.map((location) => location.path));
    reportProblems(discovery.problems, context);
    return discovery.sources;
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
  reportProblems(discovery.problems, context);
  return [...discovery.sources, ...sources];
}

function reportProblems(problems: ReadonlyArray<{ path: string; message: string }>, context: CliContext): void {
  for (const problem of problems) context.stderr.write(`warning: skipping ${problem.path}: ${problem.message}\n`);
}

/** The index folder: --cache-dir, else $XDG_CACHE_HOME/usage, else ~/.cache/usage. */
export function resolveIndexDirectory(flags: Pick<InputFlags, 'cacheDir'>, context: CliContext): string {
  if (flags.cacheDir) return resolve(context.cwd, flags.cacheDir);
  const base = context.env['XDG_CACHE_HOME'] || join(context.home, '.cache');
  return join(base, 'usage');
}

/**
 * The persistent index, unless --no-cache (or USAGE_NO_CACHE) says otherwise.
 * A folder that cannot be created is a warning, not a failure: the run just
 * reads everything.
 */
async function resolveIndex(flags: InputFlags, context: CliContext): Promise<IndexOptions | undefined> {
  if (flags.cache === false || context.env['USAGE_NO_CACHE']) return undefined;
  const directory = resolveIndexDirectory(flags, context);
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
  } catch (error) {
    if (!flags.quiet) context.stderr.write(`warning: not using the index: cannot create ${directory} (${(error as Error).message})\n`);
    return undefined;
  }
  return {
    directory,
    tool: `usage@${context.version}`,
    onWarning: (message) => context.stderr.write(`warning: ${message}\n`),
  };
}

const PARALLEL_THRESHOLD_BYTES = 32 * 1024 * 1024;

/**
 * Worker threads pay off only on large inputs (starting one costs ~30 ms).
 * USAGE_WORKERS overrides the choice: 0 or 1 keeps everything on one thread.
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

/** Flags override the config file; the config file overrides built-in defaults. */
export async function resolveInputs(paths: readonly string[], flags: InputFlags, context: CliContext): Promise<ResolvedInputs> {
  const config = await loadConfig(flags.config, context);
  const zone = resolveZone(flags.tz ?? config.tz, context);
  const { range, since, until } = resolveRange(flags.since, flags.until, zone);
  const format = resolveFormat(flags.format);
  const pricer = await resolvePricer(
    { ...flags, pricing: flags.pricing ?? config.pricing, costMode: flags.costMode ?? config.costMode },
    context,
  );
  const priceRecord = pricer.priceRecord;
  const sources = await resolveSources(paths.length > 0 ? paths : (config.paths ?? []), context, flags.quiet);
  return {
    sources,
    zone,
    range,
    since,
    until,
    analyzeOptions: {
      range,
      format,
      strict: flags.strict,
      priceRecord,
      prefilter: true,
      // --strict reads on one thread, so the line it stops at is always the
      // first malformed line in input order, not whichever a worker met first.
      workers: flags.strict ? 0 : chooseWorkers(sources, context),
      index: await resolveIndex(flags, context),
      onProgress: createProgressReporter(context, flags.quiet),
    },
    pricer,
  };
}

/**
 * After a run: files that failed to open are warnings, unless nothing at all
 * could be read, which is the same usage error as a missing path.
 */
export function checkReadable(summary: IngestSummary, context: CliContext): void {
  if (summary.files === 0 && summary.unreadable.length > 0) {
    const [first] = summary.unreadable;
    throw new UsageError(`Cannot read ${first?.path}: ${first?.message}.`);
  }
  for (const entry of summary.unreadable) context.stderr.write(`warning: skipped ${entry.path}: ${entry.message}\n`);
}

/** One line on stderr about skipped lines, so people notice without it polluting stdout. */
export function noteSkipped(summary: IngestSummary, context: CliContext, quiet = false): void {
  if (quiet || summary.skipped.lines === 0) return;
  // Most frequent first (the summary lists them by name).
  const reasons = Object.entries(summary.skipped.reasons)
    .sort(([a, x = 0], [b, y = 0]) => y - x || (a < b ? -1 : 1))
    .map(([reason, count]) => `${count} ${reason}`)
    .join(', ');
  context.stderr.write(
    `note: skipped ${summary.skipped.lines} malformed line${summary.skipped.lines === 1 ? '' : 's'} (${reasons}); run \`usage validate\` to list them.\n`,
  );
}
