/**
 * The built-in price data: the snapshot bundled in `@pydantic/genai-prices`
 * (never its auto-update, so no network call is ever made). Its own matcher
 * is not used: it is slow per call and matches loosely (`contains`), so this
 * module indexes the data once by exact names and leaves resolution to
 * resolve.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inferProvider } from '../core/record.js';
import { buildPriceTable, type DefaultRule, type KeyPrice, type KeyPrices } from './table.js';
import type { PricePeriod } from './types.js';

export const PRICE_PACKAGE = '@pydantic/genai-prices';

/**
 * The model makers. Their prices are searched first, through every candidate
 * name, before any cloud, router or reseller (whose prices for the same model
 * can differ, e.g. Bedrock's regional endpoints); within each group the first
 * provider in this order to claim a name keeps it.
 */
const FIRST_PARTY = new Set([
  'anthropic',
  'openai',
  'google',
  'mistral',
  'x-ai',
  'deepseek',
  'moonshotai',
  'zai',
  'zhipuai',
  'minimax',
  'cohere',
  'perplexity',
  'voyageai',
]);

const PROVIDER_ORDER = [
  'anthropic',
  'openai',
  'google',
  'mistral',
  'x-ai',
  'deepseek',
  'moonshotai',
  'zai',
  'zhipuai',
  'minimax',
  'cohere',
  'perplexity',
  'voyageai',
  'aws',
  'azure',
  'groq',
  'cerebras',
  'together',
  'fireworks',
  'novita',
  'baseten',
  'cloudflare',
  'ovhcloud',
  'arcee',
  'avian',
  'doubleword',
  'modal',
  'quicksilverpro',
  'typesafe',
  'cursor',
  'github-copilot',
  'openrouter',
  'huggingface_cerebras',
  'huggingface_fireworks-ai',
  'huggingface_groq',
  'huggingface_hyperbolic',
  'huggingface_nebius',
  'huggingface_novita',
  'huggingface_nscale',
  'huggingface_ovhcloud',
  'huggingface_publicai',
  'huggingface_sambanova',
  'huggingface_together',
];

type MatchLogic =
  | { and: MatchLogic[] }
  | { or: MatchLogic[] }
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string };

interface DataModel {
  id: string;
  name?: string;
  match: MatchLogic;
  prices: unknown;
}

interface DataProvider {
  id: string;
  name: string;
  models: DataModel[];
}

export interface BuiltinModel {
  providerId: string;
  providerName: string;
  modelId: string;
  name: string | null;
  rule: DefaultRule;
  periods: PricePeriod[];
}

export interface NameIndex {
  /** Exact names (ids, listed aliases, whole-name prefixes), lower case. */
  names: Map<string, BuiltinModel>;
  /** Anchored patterns from the data (dated ids), tried after exact names. */
  patterns: Array<{ pattern: RegExp; model: BuiltinModel }>;
}

export interface BuiltinDatabase {
  /** `@pydantic/genai-prices <version>`. */
  source: string;
  version: string;
  /** Searched in order: the model makers, then everyone else. */
  groups: [NameIndex, NameIndex];
  models: number;
}

export function lookupName(index: NameIndex, name: string): BuiltinModel | undefined {
  const found = index.names.get(name);
  if (found) return found;
  for (const { pattern, model } of index.patterns) if (pattern.test(name)) return model;
  return undefined;
}

function readPackageVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve(PRICE_PACKAGE);
    const raw = readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8');
    return (JSON.parse(raw) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The snapshot written at build time by extract-prices.ts, next to the compiled module. */
export const SNAPSHOT_FILE = 'builtin-prices.json';

export interface PriceSnapshot {
  version: string;
  providers: DataProvider[];
}

/** Collects the providers this tool prices from, in search order, from the package itself. */
export async function readPackageProviders(): Promise<PriceSnapshot> {
  const module = (await import(PRICE_PACKAGE)) as { findProvider: (options: { providerId: string }) => unknown };
  const providers: DataProvider[] = [];
  const seen = new Set<string>();
  for (const id of PROVIDER_ORDER) {
    const provider = module.findProvider({ providerId: id }) as DataProvider | undefined;
    // findProvider falls back to fuzzy provider matching; keep only the provider asked for.
    if (provider && provider.id === id && !seen.has(id)) {
      seen.add(id);
      // Only what indexing reads, so the snapshot stays small and quick to parse.
      const models = provider.models.map(({ id: modelId, name, match, prices }) =>
        name === undefined ? { id: modelId, match, prices } : { id: modelId, name, match, prices },
      );
      providers.push({ id: provider.id, name: provider.name, models });
    }
  }
  return { version: readPackageVersion(), providers };
}

function readSnapshot(): PriceSnapshot | undefined {
  try {
    return JSON.parse(readFileSync(new URL(`./${SNAPSHOT_FILE}`, import.meta.url), 'utf8')) as PriceSnapshot;
  } catch {
    return undefined;
  }
}

let loaded: Promise<BuiltinDatabase> | undefined;

/**
 * Loads and indexes the bundled data once per process. The build writes the
 * package's data to a JSON snapshot beside this module, because importing the
 * package itself costs tens of milliseconds on every run; running from source
 * (tests) falls back to the package.
 */
export function loadBuiltinDatabase(): Promise<BuiltinDatabase> {
  loaded ??= (async () => {
    const snapshot = readSnapshot() ?? (await readPackageProviders());
    return indexProviders(snapshot.providers, `${PRICE_PACKAGE} ${snapshot.version}`, snapshot.version);
  })();
  return loaded;
}

/** Exposed for tests: builds the index from provider data in the genai-prices shape. */
export function indexProviders(providers: readonly DataProvider[], source: string, version: string): BuiltinDatabase {
  const database: BuiltinDatabase = {
    source,
    version,
    groups: [
      { names: new Map(), patterns: [] },
      { names: new Map(), patterns: [] },
    ],
    models: 0,
  };
  for (const provider of providers) {
    const index = FIRST_PARTY.has(provider.id) ? database.groups[0] : database.groups[1];
    for (const model of provider.models) {
      if (!hasInputPrice(model.prices)) continue;
      // The rule and the prices are worked out on first use: a run touches a handful of the ~1,500
      // models, and inferring every model's provider (ten regexes each) was ~10 ms of every start-up.
      let rule: DefaultRule | undefined;
      const ruleOf = (): DefaultRule =>
        (rule ??= provider.id === 'anthropic' || inferProvider(model.id) === 'anthropic' ? 'anthropic' : 'input');
      let periods: PricePeriod[] | undefined;
      const raw = model.prices;
      const entry: BuiltinModel = {
        providerId: provider.id,
        providerName: provider.name,
        modelId: model.id,
        name: model.name ?? null,
        get rule() {
          return ruleOf();
        },
        get periods() {
          periods ??= convertPrices(raw, ruleOf());
          return periods;
        },
      };
      database.models++;
      const claim = (name: string): void => {
        const key = name.toLowerCase().trim();
        if (key !== '' && !index.names.has(key)) index.names.set(key, entry);
      };
      claim(model.id);
      collectNames(model.match, claim, (pattern) => index.patterns.push({ pattern, model: entry }));
    }
  }
  return database;
}

/**
 * Takes the precise parts of a match rule: `equals`, whole-name
 * `starts_with` values (used as exact names, never as prefixes) and anchored
 * regexes. `contains` and `ends_with` are dropped: they are how a price lookup
 * picks the wrong model.
 */
function collectNames(match: MatchLogic, claim: (name: string) => void, addPattern: (pattern: RegExp) => void): void {
  if ('or' in match) {
    for (const part of match.or) collectNames(part, claim, addPattern);
  } else if ('equals' in match) {
    claim(match.equals);
  } else if ('starts_with' in match) {
    if (/[a-z0-9]$/i.test(match.starts_with)) claim(match.starts_with);
  } else if ('regex' in match) {
    if (match.regex.startsWith('^') && match.regex.endsWith('$')) {
      try {
        addPattern(new RegExp(match.regex));
      } catch {
        // A pattern this engine cannot compile is simply not used.
      }
    }
  }
}

type RawPrices = Record<string, unknown>;

function hasInputPrice(prices: unknown): boolean {
  if (Array.isArray(prices)) return prices.some((entry) => hasInputPrice((entry as { prices?: unknown }).prices));
  return typeof prices === 'object' && prices !== null && (prices as RawPrices)['input_mtok'] !== undefined;
}

function readKeyPrice(value: unknown): KeyPrice | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'object' && value !== null && 'base' in value && 'tiers' in value) {
    const { base, tiers } = value as { base: unknown; tiers: unknown };
    if (typeof base !== 'number' || !Array.isArray(tiers)) return undefined;
    const parsed: Array<{ start: number; price: number }> = [];
    for (const tier of tiers as Array<{ start?: unknown; price?: unknown }>) {
      if (typeof tier.start !== 'number' || typeof tier.price !== 'number') return undefined;
      parsed.push({ start: tier.start, price: tier.price });
    }
    parsed.sort((a, b) => a.start - b.start);
    return { base, tiers: parsed };
  }
  return undefined;
}

function toKeyPrices(raw: RawPrices): KeyPrices | undefined {
  const input = readKeyPrice(raw['input_mtok']);
  if (input === undefined) return undefined;
  return {
    input,
    output: readKeyPrice(raw['output_mtok']),
    cacheRead: readKeyPrice(raw['cache_read_mtok']),
    cacheWrite5m: readKeyPrice(raw['cache_write_mtok']),
    cacheWrite1h: readKeyPrice(raw['cache_write_1h_mtok']),
  };
}

/** Seconds since UTC midnight for `HH:MM:SS[.fff](Z|±HH:MM)`. */
export function parseTimeOfDay(text: string): number | undefined {
  const match = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  const offset = match[4] === 'Z' ? 0 : (match[5] === '-' ? -1 : 1) * (Number(match[6]) * 3600 + Number(match[7]) * 60);
  return (((seconds - offset) % 86_400) + 86_400) % 86_400;
}

function formatClock(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function convertPrices(prices: unknown, rule: DefaultRule): PricePeriod[] {
  if (typeof prices !== 'object' || prices === null) return [];
  const entries: Array<{ constraint?: Record<string, unknown>; prices: RawPrices }> = Array.isArray(prices)
    ? (prices as Array<{ constraint?: Record<string, unknown>; prices: RawPrices }>)
    : [{ prices: prices as RawPrices }];
  const periods: PricePeriod[] = [];
  for (const entry of entries) {
    const keyPrices = toKeyPrices(entry.prices ?? {});
    if (keyPrices === undefined) continue;
    const period: PricePeriod = {
      startDate: null,
      startMs: null,
      window: null,
      table: buildPriceTable(keyPrices, rule),
      origin: 'built-in',
    };
    const constraint = entry.constraint;
    if (constraint && typeof constraint['start_date'] === 'string') {
      period.startDate = constraint['start_date'];
      period.startMs = Date.parse(`${constraint['start_date']}T00:00:00Z`);
      if (Number.isNaN(period.startMs)) continue;
    } else if (constraint && typeof constraint['start_time'] === 'string' && typeof constraint['end_time'] === 'string') {
      const start = parseTimeOfDay(constraint['start_time']);
      const end = parseTimeOfDay(constraint['end_time']);
      if (start === undefined || end === undefined) continue;
      period.window = { start, end, text: `${formatClock(start)}–${formatClock(end)} UTC` };
    } else if (constraint) {
      continue;
    }
    periods.push(period);
  }
  return periods;
}
