/**
 * `usage pricing`: how model ids resolve and the prices behind them, so a
 * figure can be checked by hand; and, with --unknown, the models in the logs
 * that have no price.
 */
import type { Analysis } from '../core/analyze.js';
import { inferProvider } from '../core/record.js';
import type { RecordPricer } from '../pricing/calculate.js';
import { describeBillingRules } from '../pricing/extras.js';
import type { Resolver } from '../pricing/resolve.js';
import type { PricePeriod, PriceTier, Resolution } from '../pricing/types.js';
import type { Dataset, Document, Row } from '../renderers/dataset.js';
import { JSON_SCHEMA_VERSION, serializeInput } from './serialize.js';

function describePrices(resolver: Resolver) {
  return { built_in: resolver.builtin?.source ?? 'none', override_file: resolver.overrides?.path ?? null };
}

function serializeTier(tier: PriceTier) {
  const defaulted: string[] = [];
  if (tier.defaulted.cacheRead) defaulted.push('cache_read');
  if (tier.defaulted.cacheWrite5m) defaulted.push('cache_write_5m');
  if (tier.defaulted.cacheWrite1h) defaulted.push('cache_write_1h');
  return {
    above_prompt_tokens: tier.above,
    input: tier.rates.input,
    output: tier.rates.output,
    cache_read: tier.rates.cacheRead,
    cache_write_5m: tier.rates.cacheWrite5m,
    cache_write_1h: tier.rates.cacheWrite1h,
    defaulted,
  };
}

function serializePeriod(period: PricePeriod) {
  return {
    start_date: period.startDate,
    utc_window: period.window?.text ?? null,
    source: period.origin,
    tiers: period.table.tiers.map(serializeTier),
  };
}

function describeSource(resolution: Resolution): string | null {
  if (resolution.status === 'free') return 'free rule';
  if (resolution.override && resolution.builtin) return 'override + built-in';
  if (resolution.override) return 'override';
  if (resolution.builtin) return 'built-in';
  return null;
}

export function serializeResolution(query: string, resolution: Resolution) {
  const match = resolution.override ?? resolution.builtin;
  return {
    query,
    status: resolution.status,
    model: match?.modelId ?? null,
    provider: resolution.builtin?.providerId ?? (resolution.override ? 'override' : null),
    step: resolution.status === 'free' ? 'free' : (match?.step ?? null),
    matched: match?.matched ?? null,
    source: describeSource(resolution),
    built_in: resolution.builtin ? { model: resolution.builtin.modelId, provider: resolution.builtin.providerId, step: resolution.builtin.step } : null,
    override: resolution.override ? { model: resolution.override.modelId, step: resolution.override.step } : null,
    prices: resolution.periods.map(serializePeriod),
    // Billed beyond the tokens (fast mode, searches, region, service tier): one line per rule.
    billing_rules: resolution.status === 'priced' ? describeBillingRules(query, resolution.builtin?.providerId ?? inferProvider(query)) : [],
  };
}

/** Dollars per million tokens: at least two decimals, up to four, no float noise. */
export function formatRate(value: number | null): string {
  if (value === null) return 'n/a';
  const fixed = value.toFixed(4).replace(/0{1,2}$/, '');
  return `$${fixed}`;
}

const STEP_TEXT: Record<string, string> = {
  exact: 'exact id',
  dated: 'dated id',
  'provider-prefix': 'provider prefix',
  upstream: 'upstream model',
  deployment: 'deployment id',
  free: 'local model (free)',
};

type PeriodJson = ReturnType<typeof serializePeriod>;

function describeWhen(period: PeriodJson, all: readonly PeriodJson[]): string {
  const parts: string[] = [];
  if (period.start_date) parts.push(`from ${period.start_date}`);
  if (period.utc_window) parts.push(`daily ${period.utc_window}`);
  if (parts.length > 0) return parts.join(', ');
  if (all.length === 1) return 'always';
  const starts = all.map((other) => other.start_date).filter((date): date is string => date !== null);
  if (starts.length === all.length - 1 && all.every((other) => other.utc_window === null)) return `before ${starts.sort()[0]}`;
  return 'otherwise';
}

export interface PricingReport {
  document: Document;
  /** Queries that resolved to no price. */
  unknown: string[];
}

export function buildPricingReport(queries: readonly string[], resolver: Resolver): PricingReport {
  const models = queries.map((query) => serializeResolution(query, resolver.resolve({ model: query })));
  const rows: Row[] = [];
  let defaultedAny = false;
  for (const model of models) {
    const base = {
      query: model.query,
      model: model.status === 'unknown' ? '(no price)' : model.status === 'free' ? '(free)' : `${model.provider}/${model.model}`,
      via: model.step ? (STEP_TEXT[model.step] ?? model.step) : '',
      source: model.source ?? '',
    };
    if (model.prices.length === 0) {
      rows.push({ ...base, from: '', prompt: '', input: model.status === 'free' ? '$0' : '?', output: '', cache_read: '', write_5m: '', write_1h: '' });
      continue;
    }
    model.prices.forEach((period, periodIndex) => {
      period.tiers.forEach((tier, tierIndex) => {
        const mark = (field: string) => (tier.defaulted.includes(field) ? '*' : '');
        if (tier.defaulted.length > 0) defaultedAny = true;
        const first = periodIndex === 0 && tierIndex === 0;
        rows.push({
          query: first ? base.query : '',
          model: first ? base.model : '',
          via: first ? base.via : '',
          source: tierIndex === 0 ? period.source : '',
          from: tierIndex === 0 ? describeWhen(period, model.prices) : '',
          prompt: tier.above_prompt_tokens > 0 ? `> ${tier.above_prompt_tokens.toLocaleString('en-US')}` : 'any',
          input: formatRate(tier.input),
          output: formatRate(tier.output),
          cache_read: `${formatRate(tier.cache_read)}${mark('cache_read')}`,
          write_5m: `${formatRate(tier.cache_write_5m)}${mark('cache_write_5m')}`,
          write_1h: `${formatRate(tier.cache_write_1h)}${mark('cache_write_1h')}`,
        });
      });
    });
  }
  const text = (key: string, header: string, priority: number) => ({ key, header, kind: 'text' as const, priority });
  const dataset: Dataset = {
    name: 'pricing',
    title: `Prices in US dollars per million tokens (built-in: ${resolver.builtin?.source ?? 'none'}${
      resolver.overrides ? `; overrides: ${resolver.overrides.path}` : ''
    })${defaultedAny ? '; * = default rule, not listed in the data' : ''}`,
    columns: [
      text('query', 'model id', 100),
      text('model', 'resolves to', 9),
      text('via', 'via', 3),
      text('source', 'source', 2),
      text('from', 'applies', 4),
      text('prompt', 'prompt tokens', 5),
      text('input', 'input', 8),
      text('output', 'output', 8),
      text('cache_read', 'cache read', 7),
      text('write_5m', 'write 5m', 6),
      text('write_1h', 'write 1h', 6),
    ],
    rows,
  };
  const json = { schema: JSON_SCHEMA_VERSION, kind: 'pricing', view: 'models', prices: describePrices(resolver), models };
  const rules: Dataset = {
    name: 'billing_rules',
    title: 'Billed beyond the tokens (docs/pricing.md, "Priced as billed")',
    columns: [text('query', 'model id', 100), text('rule', 'rule', 9)],
    rows: models.flatMap((model) => model.billing_rules.map((rule, index) => ({ query: index === 0 ? model.query : '', rule }))),
  };
  return {
    document: { json, datasets: rules.rows.length > 0 ? [dataset, rules] : [dataset] },
    unknown: models.filter((model) => model.status === 'unknown').map((model) => model.query),
  };
}

export function buildUnknownModelsReport(analysis: Analysis<unknown>, pricer: RecordPricer): Document {
  const unpriced = [...pricer.unpriced.values()]
    .filter((entry) => (entry.reasons['no-price'] ?? 0) > 0)
    .sort((a, b) => b.totalTokens - a.totalTokens || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0))
    .map((entry) => ({ model: entry.model, records: entry.reasons['no-price'] ?? 0, total_tokens: entry.totalTokens }));
  const json = {
    schema: JSON_SCHEMA_VERSION,
    kind: 'pricing',
    view: 'unknown',
    prices: describePrices(pricer.resolver),
    unpriced_models: unpriced,
    ...serializeInput(analysis.summary, analysis.excluded),
  };
  const dataset: Dataset = {
    name: 'unpriced_models',
    title: unpriced.length > 0 ? 'Models without a price (add them with --pricing FILE)' : 'Every model in the logs has a price',
    columns: [
      { key: 'model', header: 'model', kind: 'text' },
      { key: 'records', header: 'records', kind: 'integer', priority: 5 },
      { key: 'total_tokens', header: 'total tokens', kind: 'tokens', priority: 5 },
    ],
    rows: unpriced,
  };
  return { json, datasets: [dataset] };
}
