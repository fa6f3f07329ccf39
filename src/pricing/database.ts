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

/**
 * One search group's names, as the snapshot stores them: exact names (ids,
 * listed aliases, whole-name prefixes; lower case) to a model's position, as
 * text ("\nname\tposition\n…", searched with indexOf: no table to build), then
 * anchored pattern sources from the data (dated ids) with their literal
 * prefix, tried in order after the exact names. A model's data is parsed, and
 * a pattern compiled, only when a lookup reaches it (compiling every pattern
 * for one dated model name was ~3% of a one-line report).
 */
export interface NameIndex {
  names: string;
  patterns: ReadonlyArray<readonly [source: string, model: number, prefix: string]>;
  /** The compiled patterns so far (null: this engine cannot compile it, so it is not used). */
  compiled: Array<RegExp | null>;
  modelAt(position: number): BuiltinModel;
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
  const position = findNamePosition(index.names, name);
  if (position !== undefined) return index.modelAt(position);
  for (let slot = 0; slot < index.patterns.length; slot++) {
    const [source, model, prefix] = index.patterns[slot] as readonly [string, number, string];
    // Every name the pattern matches starts with its literal prefix: the others need not compile it.
    if (!name.startsWith(prefix)) continue;
    if (index.compiled[slot] === undefined) index.compiled[slot] = compilePattern(source);
    if (index.compiled[slot]?.test(name)) return index.modelAt(model);
  }
  return undefined;
}

/** A name's model position in a names text; a name with a tab or a line break is in none (indexSnapshot refuses such names). */
function findNamePosition(names: string, name: string): number | undefined {
  if (name.includes('\t') || name.includes('\n')) return undefined;
  const at = names.indexOf(`\n${name}\t`);
  if (at < 0) return undefined;
  const start = at + name.length + 2;
  return Number(names.slice(start, names.indexOf('\n', start)));
}

/**
 * The text every match of an anchored pattern starts with: its characters
 * after `^` up to the first that is not a plain (or escaped) literal, less the
 * last one if a quantifier follows it (it may then be absent). A pattern with
 * `|` anywhere may match without it: no prefix.
 */
export function findLiteralPrefix(source: string): string {
  if (!source.startsWith('^') || source.includes('|')) return '';
  let prefix = '';
  for (let position = 1; position < source.length; position++) {
    const character = source[position] as string;
    if (character === '\\') {
      const next = source[position + 1];
      // \. \- \/ and the like are the character itself; \d, \w, \b, \u… are not literals.
      if (next === undefined || /[0-9A-Za-z]/.test(next)) break;
      prefix += next;
      position++;
    } else if ('^$.|?*+()[]{}'.includes(character)) {
      if ('?*+{'.includes(character)) prefix = prefix.slice(0, -1);
      break;
    } else {
      prefix += character;
    }
  }
  return prefix;
}

function compilePattern(source: string): RegExp | null {
  try {
    return new RegExp(source);
  } catch {
    // A pattern this engine cannot compile is simply not used.
    return null;
  }
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

/** The package's data, as readPackageProviders collects it. */
export interface PackageData {
  version: string;
  providers: DataProvider[];
}

/**
 * The price data indexed at build time (indexSnapshot), so that a run parses
 * one small JSON file and builds nothing: each priced model is kept as its
 * own JSON text, [providerId, providerName, modelId, name, prices], parsed on
 * its first lookup (a run touches a handful of the ~1,500); indexing and
 * parsing all of them was ~10% of a one-line report's start-up. The models
 * and each group's names are single strings, so parsing the file makes a few
 * strings rather than thousands.
 */
export interface PriceSnapshot {
  version: string;
  /** How many models `models` holds. */
  count: number;
  /** One line of JSON per model; a model's position is where its line starts. */
  models: string;
  groups: [SnapshotGroup, SnapshotGroup];
}

interface SnapshotGroup {
  names: string;
  patterns: Array<[source: string, model: number, prefix: string]>;
}

type SnapshotModel = [providerId: string, providerName: string, modelId: string, name: string | null, prices: unknown];

/** Collects the providers this tool prices from, in search order, from the package itself. */
export async function readPackageProviders(): Promise<PackageData> {
  const module = (await import(PRICE_PACKAGE)) as { findProvider: (options: { providerId: string }) => unknown };
  const providers: DataProvider[] = [];
  const seen = new Set<string>();
  for (const id of PROVIDER_ORDER) {
    const provider = module.findProvider({ providerId: id }) as DataProvider | undefined;
    // findProvider falls back to fuzzy provider matching; keep only the provider asked for.
    if (provider && provider.id === id && !seen.has(id)) {
      seen.add(id);
      providers.push({ id: provider.id, name: provider.name, models: provider.models });
    }
  }
  return { version: readPackageVersion(), providers };
}

/** The snapshot as text: JSON, with anything beyond ASCII escaped so that it reads (as latin1) and parses byte by byte. */
export function writeSnapshotText(snapshot: PriceSnapshot): string {
  return JSON.stringify(snapshot).replace(/[\u007f-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function readSnapshot(): PriceSnapshot | undefined {
  try {
    const snapshot = JSON.parse(readFileSync(new URL(`./${SNAPSHOT_FILE}`, import.meta.url), 'latin1')) as Partial<PriceSnapshot>;
    // A snapshot in an older layout (a stale build) is as good as none.
    return typeof snapshot.models === 'string' && typeof snapshot.groups?.[0]?.names === 'string' ? (snapshot as PriceSnapshot) : undefined;
  } catch {
    return undefined;
  }
}

let loaded: Promise<BuiltinDatabase> | undefined;

/**
 * Loads the bundled data once per process. The build writes the package's
 * data, indexed, to a JSON snapshot beside this module, because importing the
 * package itself costs tens of milliseconds on every run; running from source
 * (tests) falls back to the package.
 */
export function loadBuiltinDatabase(): Promise<BuiltinDatabase> {
  loaded ??= (async () => {
    const snapshot = readSnapshot() ?? indexSnapshot(await readPackageProviders());
    return openSnapshot(snapshot, `${PRICE_PACKAGE} ${snapshot.version}`);
  })();
  return loaded;
}

/** Exposed for tests: builds the index from provider data in the genai-prices shape. */
export function indexProviders(providers: readonly DataProvider[], source: string, version: string): BuiltinDatabase {
  return openSnapshot(indexSnapshot({ version, providers: [...providers] }), source);
}

/**
 * Indexes the package's data (at build time): the model makers' group first,
 * within a group the first provider in PROVIDER_ORDER to claim a name keeps it,
 * and only models with an input price are kept.
 */
export function indexSnapshot(data: PackageData): PriceSnapshot {
  const claimed = [new Map<string, number>(), new Map<string, number>()] as const;
  const patterns: [SnapshotGroup['patterns'], SnapshotGroup['patterns']] = [[], []];
  let models = '';
  let count = 0;
  for (const provider of data.providers) {
    const side = FIRST_PARTY.has(provider.id) ? 0 : 1;
    const names = claimed[side];
    for (const model of provider.models) {
      if (!hasInputPrice(model.prices)) continue;
      const entry: SnapshotModel = [provider.id, provider.name, model.id, model.name ?? null, model.prices];
      // JSON.stringify writes no raw line breaks: one line per model.
      const position = models.length;
      models += `${JSON.stringify(entry)}\n`;
      count++;
      const claim = (name: string): void => {
        const key = name.toLowerCase().trim();
        if (key === '' || names.has(key)) return;
        // The names text is split by tabs and line breaks: a name holding one would not be found.
        if (/[\t\n]/.test(key)) throw new Error(`price data: model name ${JSON.stringify(key)} holds a tab or a line break`);
        names.set(key, position);
      };
      claim(model.id);
      collectNames(model.match, claim, (source) => patterns[side].push([source, position, findLiteralPrefix(source)]));
    }
  }
  const toText = (names: Map<string, number>): string => `\n${[...names].map(([name, position]) => `${name}\t${position}\n`).join('')}`;
  return {
    version: data.version,
    count,
    models,
    groups: [
      { names: toText(claimed[0]), patterns: patterns[0] },
      { names: toText(claimed[1]), patterns: patterns[1] },
    ],
  };
}

/** The database over a snapshot: nothing is parsed or built until a lookup needs it. */
function openSnapshot(snapshot: PriceSnapshot, source: string): BuiltinDatabase {
  const models = new Map<number, BuiltinModel>();
  const modelAt = (position: number): BuiltinModel => {
    let model = models.get(position);
    if (model === undefined) {
      model = createModel(JSON.parse(snapshot.models.slice(position, snapshot.models.indexOf('\n', position))) as SnapshotModel);
      models.set(position, model);
    }
    return model;
  };
  const [first, rest] = snapshot.groups;
  return {
    source,
    version: snapshot.version,
    groups: [
      { names: first.names, patterns: first.patterns, compiled: [], modelAt },
      { names: rest.names, patterns: rest.patterns, compiled: [], modelAt },
    ],
    models: snapshot.count,
  };
}

function createModel([providerId, providerName, modelId, name, prices]: SnapshotModel): BuiltinModel {
  // The rule and the prices are worked out on first use; inferring every model's provider
  // (ten regexes each) was ~10 ms of every start-up when all models were built.
  let rule: DefaultRule | undefined;
  const ruleOf = (): DefaultRule => (rule ??= providerId === 'anthropic' || inferProvider(modelId) === 'anthropic' ? 'anthropic' : 'input');
  let periods: PricePeriod[] | undefined;
  return {
    providerId,
    providerName,
    modelId,
    name,
    get rule() {
      return ruleOf();
    },
    get periods() {
      periods ??= convertPrices(prices, ruleOf());
      return periods;
    },
  };
}

/**
 * Takes the precise parts of a match rule: `equals`, whole-name
 * `starts_with` values (used as exact names, never as prefixes) and anchored
 * regexes. `contains` and `ends_with` are dropped: they are how a price lookup
 * picks the wrong model.
 */
function collectNames(match: MatchLogic, claim: (name: string) => void, addPattern: (source: string) => void): void {
  if ('or' in match) {
    for (const part of match.or) collectNames(part, claim, addPattern);
  } else if ('equals' in match) {
    claim(match.equals);
  } else if ('starts_with' in match) {
    if (/[a-z0-9]$/i.test(match.starts_with)) claim(match.starts_with);
  } else if ('regex' in match) {
    // A pattern this engine cannot compile is simply not used.
    if (match.regex.startsWith('^') && match.regex.endsWith('$') && compilePattern(match.regex) !== null) addPattern(match.regex);
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
