/**
 * Model resolution: from the model id a log wrote to the price that applies.
 * Candidates are tried in a fixed order, each by exact name only:
 *
 * 1. the id itself;
 * 2. the id without a date or version suffix (`-20250929`, `-2025-09-29`,
 *    `@20250929`, `-latest`, Bedrock's `-v1:0`);
 * 3. the id without provider prefixes (`anthropic/`, `openai/`, Bedrock's
 *    `us.anthropic.`, Vertex's `publishers/anthropic/models/`, ...), then
 *    again without its suffix;
 * 4. the record's upstream model (thane deployments), through the same steps;
 * 5. for a deployment id `resource/model`, the part after the slash.
 *
 * The built-in data is searched through every candidate among the model
 * makers' own prices first, then among clouds, routers and resellers. An
 * override file is consulted before the built-in data at every step, local
 * runtimes (ollama, lmstudio) are free by rule, and nothing is ever matched
 * by substring. Results are memoized per (provider, model, upstream model), so
 * resolving costs one Map lookup per record.
 */
import { type BuiltinDatabase, type BuiltinModel, lookupName } from './database.js';
import type { OverrideDatabase, OverrideModel } from './overrides.js';
import type { PriceMatch, Resolution, ResolutionStep } from './types.js';

/** Runtimes that run models on the user's own machine: their calls cost nothing. */
export const FREE_PROVIDERS: readonly string[] = ['ollama', 'lmstudio', 'oss'];

export interface ModelIdentity {
  model: string;
  provider?: string | null | undefined;
  upstreamModel?: string | null | undefined;
}

interface Candidate {
  name: string;
  step: ResolutionStep;
}

// Suffixes that name a snapshot of a model rather than a different model.
const SUFFIXES: readonly RegExp[] = [
  // Bedrock: -v1:0, -v1:0:200k. The colon is required: `deepseek-v3` is a model, not a snapshot.
  /-v\d+:\d+(?::\d+k)?$/,
  /@(?:\d{8}|latest|default)$/, // Vertex: @20250929
  /-\d{8}$/, // -20250929
  /-\d{4}-\d{2}-\d{2}$/, // -2025-09-29
  /-latest$/,
];

/** The id with snapshot suffixes removed one at a time, most specific first (not including the id itself). */
export function stripSuffixes(name: string): string[] {
  const found: string[] = [];
  let current = name;
  for (let changed = true; changed; ) {
    changed = false;
    for (const suffix of SUFFIXES) {
      const next = current.replace(suffix, '');
      if (next !== current && next !== '') {
        current = next;
        found.push(current);
        changed = true;
        break;
      }
    }
  }
  return found;
}

const PROVIDER_HEADS = new Set([
  'anthropic',
  'openai',
  'google',
  'gemini',
  'vertex',
  'vertex_ai',
  'vertexai',
  'bedrock',
  'bedrock_converse',
  'azure',
  'azure_ai',
  'openrouter',
  'litellm',
  'mistral',
  'mistralai',
  'x-ai',
  'xai',
  'deepseek',
  'deepseek-ai',
  'moonshotai',
  'moonshot',
  'z-ai',
  'zai',
  'zhipuai',
  'meta-llama',
  'qwen',
  'cohere',
  'groq',
  'together',
  'together_ai',
  'fireworks',
  'fireworks_ai',
  'perplexity',
  'minimax',
  'models',
]);

const PREFIX_PATTERNS: readonly RegExp[] = [
  /^projects\/[^/]+\/locations\/[^/]+\/publishers\/[^/]+\/models\//, // Vertex resource names
  /^publishers\/[^/]+\/models\//,
  // Bedrock model ids and cross-region inference profiles: us.anthropic.claude-…
  /^(?:(?:us|eu|apac|global|us-gov|jp|au|ca)\.)?(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer|moonshot|moonshotai)\./,
  // pydantic-ai style: anthropic:claude-…
  /^(?:anthropic|openai|google-gla|google-vertex|gemini|groq|mistral|bedrock|cohere|deepseek|xai|grok):/,
];

/** Provider prefixes removed one at a time (not including the id itself). */
export function stripProviderPrefixes(name: string): string[] {
  const found: string[] = [];
  let current = name;
  for (let changed = true; changed; ) {
    changed = false;
    const slash = current.indexOf('/');
    if (slash > 0 && PROVIDER_HEADS.has(current.slice(0, slash))) {
      current = current.slice(slash + 1);
      found.push(current);
      changed = true;
      continue;
    }
    for (const pattern of PREFIX_PATTERNS) {
      const next = current.replace(pattern, '');
      if (next !== current && next !== '') {
        current = next;
        found.push(current);
        changed = true;
        break;
      }
    }
  }
  return found;
}

function normalize(name: string): string {
  return name.trim().toLowerCase();
}

/** Every candidate name for an id, in the order they are tried, with the step each stands for. */
export function listCandidates(identity: ModelIdentity): Candidate[] {
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  const add = (name: string, step: ResolutionStep): void => {
    if (name !== '' && !seen.has(name)) {
      seen.add(name);
      candidates.push({ name, step });
    }
  };
  const addChain = (raw: string, first: ResolutionStep, prefixed: ResolutionStep): void => {
    const name = normalize(raw);
    add(name, first);
    for (const stripped of stripSuffixes(name)) add(stripped, first === 'exact' ? 'dated' : first);
    for (const bare of stripProviderPrefixes(name)) {
      add(bare, prefixed);
      for (const stripped of stripSuffixes(bare)) add(stripped, prefixed);
    }
  };
  addChain(identity.model, 'exact', 'provider-prefix');
  if (identity.upstreamModel) addChain(identity.upstreamModel, 'upstream', 'upstream');
  const model = normalize(identity.model);
  const slash = model.lastIndexOf('/');
  if (slash > 0 && slash < model.length - 1) addChain(model.slice(slash + 1), 'deployment', 'deployment');
  return candidates;
}

export function isFreeModel(identity: ModelIdentity): boolean {
  const provider = identity.provider?.toLowerCase();
  if (provider && FREE_PROVIDERS.includes(provider)) return true;
  const model = normalize(identity.model);
  return FREE_PROVIDERS.some((head) => model.startsWith(`${head}/`) || model.startsWith(`${head}:`));
}

export interface Resolver {
  resolve(identity: ModelIdentity): Resolution;
  builtin: BuiltinDatabase | null;
  overrides: OverrideDatabase | null;
  /** Distinct identities resolved so far (the memo's size). */
  size(): number;
}

function matchOf(modelId: string, providerId: string, candidate: Candidate): PriceMatch {
  return { modelId, providerId, matched: candidate.name, step: candidate.step };
}

export function createResolver(builtin: BuiltinDatabase | null, overrides: OverrideDatabase | null): Resolver {
  // By provider, then upstream model, then model: looked up with the record's
  // own strings (their hashes are kept with them) instead of a key built and
  // hashed per record. Records of several models in turn (a flat log) missed
  // the last-identity check below on most records; their provider and
  // upstream model stay, so one lookup by model finds them.
  const memo = new Map<string, Map<string, Map<string, Resolution>>>();
  let size = 0;
  let lastModel: string | undefined;
  let lastProvider: string | null | undefined;
  let lastUpstream: string | null | undefined;
  let lastResolution: Resolution | undefined;
  let lastByModel: Map<string, Resolution> | undefined;

  const compute = (identity: ModelIdentity): Resolution => {
    const candidates = listCandidates(identity);
    let override: { model: OverrideModel; match: PriceMatch } | null = null;
    if (overrides) {
      for (const candidate of candidates) {
        const found = overrides.names.get(candidate.name);
        if (found) {
          override = { model: found, match: matchOf(found.modelId, 'override', candidate) };
          break;
        }
      }
    }
    const undatedOverride = override?.model.periods.some((period) => period.startMs === null) ?? false;
    if (!undatedOverride && isFreeModel(identity)) {
      return {
        status: 'free',
        builtin: null,
        override: null,
        periods: [],
      };
    }
    let found: { model: BuiltinModel; match: PriceMatch } | null = null;
    // An override that always applies makes the built-in price irrelevant.
    if (builtin && !undatedOverride) {
      search: for (const group of builtin.groups) {
        for (const candidate of candidates) {
          const model = lookupName(group, candidate.name);
          if (model) {
            found = { model, match: matchOf(model.modelId, model.providerId, candidate) };
            break search;
          }
        }
      }
    }
    const periods = [...(found?.model.periods ?? []), ...(override?.model.periods ?? [])];
    return {
      status: periods.length > 0 ? 'priced' : 'unknown',
      builtin: found?.match ?? null,
      override: override?.match ?? null,
      periods,
    };
  };

  return {
    builtin,
    overrides,
    resolve(identity) {
      // Consecutive records nearly always name the same model: checking the
      // last identity first skips the lookups.
      if (lastResolution !== undefined && identity.model === lastModel && identity.provider === lastProvider && identity.upstreamModel === lastUpstream) {
        return lastResolution;
      }
      if (lastByModel === undefined || identity.provider !== lastProvider || identity.upstreamModel !== lastUpstream) {
        const provider = identity.provider ?? '';
        let byUpstream = memo.get(provider);
        if (byUpstream === undefined) {
          byUpstream = new Map();
          memo.set(provider, byUpstream);
        }
        const upstream = identity.upstreamModel ?? '';
        lastByModel = byUpstream.get(upstream);
        if (lastByModel === undefined) {
          lastByModel = new Map();
          byUpstream.set(upstream, lastByModel);
        }
        // Which provider and upstream model the map belongs to, set with it: were compute() below ever to
        // throw, a later call must not take this map for the previous identity's.
        lastProvider = identity.provider;
        lastUpstream = identity.upstreamModel;
        lastResolution = undefined;
      }
      let resolution = lastByModel.get(identity.model);
      if (resolution === undefined) {
        resolution = compute(identity);
        lastByModel.set(identity.model, resolution);
        size++;
      }
      lastModel = identity.model;
      lastProvider = identity.provider;
      lastUpstream = identity.upstreamModel;
      lastResolution = resolution;
      return resolution;
    },
    size: () => size,
  };
}
