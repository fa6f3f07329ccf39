/**
 * The schema of the `--pricing FILE` override file (docs/pricing.md) and its
 * validation, apart from ./overrides.ts so that zod is loaded only when a
 * pricing file is actually read.
 */
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { inferProvider } from '../core/record.js';
import { parseCalendarDate } from '../time/zone.js';
import type { OverrideDatabase, OverrideModel } from './overrides.js';
import { buildTier, type DefaultRule, type KeyPrices } from './table.js';
import type { PricePeriod } from './types.js';

/**
 * US dollars per million tokens. Capped far above any real price ($1 per
 * token): a price near the largest double makes every cost overflow, which
 * is a typo, not a price.
 */
export const MAX_PRICE_PER_MILLION = 1_000_000;
const price = z.number().finite().nonnegative().max(MAX_PRICE_PER_MILLION, {
  message: `must be at most ${MAX_PRICE_PER_MILLION} (US dollars per million tokens)`,
});

const longContextSchema = z.strictObject({
  threshold: z.number().int().positive(),
  input: price,
  output: price,
  cache_read: price.optional(),
  cache_write_5m: price.optional(),
  cache_write_1h: price.optional(),
});

const entrySchema = z.strictObject({
  input: price,
  output: price,
  cache_read: price.optional(),
  cache_write_5m: price.optional(),
  cache_write_1h: price.optional(),
  long_context: longContextSchema.optional(),
  start_date: z
    .string()
    .refine((text) => /^\d{4}-\d{2}-\d{2}$/.test(text) && parseCalendarDate(text) !== undefined, {
      message: 'expected a date as YYYY-MM-DD',
    })
    .optional(),
  /** Which default cache rule applies: `anthropic`, or anything else for the no-premium rule. Inferred from the id when absent. */
  provider: z.string().min(1).optional(),
  note: z.string().optional(),
});

const fileSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  // Each value is an entry or a list of dated entries; checked one by one so errors name the field.
  models: z.record(z.string().min(1), z.unknown()),
});

const entryListSchema = z.array(entrySchema).min(1);

export type PricingFileEntry = z.infer<typeof entrySchema>;

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `"${key}"`).join(', ');
    return `${field === '(top level)' ? '' : `${field}: `}unknown field ${keys}`;
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${field}: missing (required)`;
  return `${field}: ${issue.message}`;
}

function toPeriod(entry: PricingFileEntry, rule: DefaultRule): PricePeriod {
  const base: KeyPrices = {
    input: entry.input,
    output: entry.output,
    cacheRead: entry.cache_read,
    cacheWrite5m: entry.cache_write_5m,
    cacheWrite1h: entry.cache_write_1h,
  };
  const tiers = [buildTier(base, 0, rule)];
  const long = entry.long_context;
  if (long) {
    const longPrices: KeyPrices = {
      input: long.input,
      output: long.output,
      cacheRead: long.cache_read,
      cacheWrite5m: long.cache_write_5m,
      cacheWrite1h: long.cache_write_1h,
    };
    tiers.push(buildTier(longPrices, long.threshold, rule));
  }
  return {
    startDate: entry.start_date ?? null,
    startMs: entry.start_date ? Date.parse(`${entry.start_date}T00:00:00Z`) : null,
    window: null,
    table: { tiers },
    origin: 'override',
  };
}

/** Validates parsed JSON as a pricing file; `path` only names the file in errors. */
function fail(path: string, issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): never {
  // A misspelt field explains the missing one, so unknown fields are named first.
  const [first] = [...issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : '';
  const issue = first ? describeIssue({ ...first, path: [...prefix, ...first.path] } as z.core.$ZodIssue) : 'invalid';
  throw new UsageError(`Pricing file ${path}: ${issue}${more}.`);
}

export function parsePricingFile(value: unknown, path: string): OverrideDatabase {
  const checked = fileSchema.safeParse(value);
  if (!checked.success) fail(path, checked.error.issues);
  const names = new Map<string, OverrideModel>();
  for (const [modelId, raw] of Object.entries(checked.data.models)) {
    const parsed = Array.isArray(raw) ? entryListSchema.safeParse(raw) : entrySchema.safeParse(raw);
    if (!parsed.success) fail(path, parsed.error.issues, ['models', modelId]);
    const entries: PricingFileEntry[] = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
    const key = modelId.toLowerCase().trim();
    if (names.has(key)) throw new UsageError(`Pricing file ${path}: models.${modelId}: listed twice (model ids are not case-sensitive).`);
    const provider = entries.find((entry) => entry.provider)?.provider ?? inferProvider(modelId);
    const rule: DefaultRule = provider.toLowerCase() === 'anthropic' ? 'anthropic' : 'input';
    const periods = entries.map((entry) => toPeriod(entry, rule));
    // Undated entries first, then by start date, so "the last applicable entry wins" means "the latest one".
    periods.sort((a, b) => (a.startMs ?? Number.NEGATIVE_INFINITY) - (b.startMs ?? Number.NEGATIVE_INFINITY));
    names.set(key, { modelId, rule, periods });
  }
  return { path, names };
}
