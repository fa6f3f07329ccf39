/**
 * The canonical usage record: every dialect is normalized into this one shape
 * before any reducer sees it. The token convention is documented in
 * docs/record.md and is the contract every dialect mapping is tested against:
 *
 * - `inputTokens` is fresh, uncached input only.
 * - `cacheReadTokens` and `cacheWriteTokens` are disjoint from it.
 *   `cacheWriteTokens` = 5-minute writes + 1-hour writes + writes the source
 *   did not attribute to a TTL.
 * - `outputTokens` is all generated output; `reasoningTokens` is a subset of it.
 * - `unattributedTokens` are tokens a source reported only as a total with no
 *   breakdown (a kernex row with only `tokens`).
 * - `totalTokens` = input + output + cache read + cache write + unattributed.
 */

import type { DialectName } from '../dialects/registry.js';
import type { ContextFieldName, RECORD_FIELDS } from './fields.js';

export type { DialectName } from '../dialects/registry.js';

/** The prompt-side context snapshot (bamboo); its fields are declared in ./fields.ts. */
export type ContextSnapshot = { [F in ContextFieldName]: F extends 'truncationOccurred' ? boolean : number };

interface FieldTypes {
  dialect: DialectName;
  text: string;
  optionalText: string | null;
  instant: number | null;
  count: number;
  money: number | null;
  flag: boolean;
  context: ContextSnapshot | null;
}

/**
 * The canonical record, typed from its declaration in ./fields.ts (docs/record.md
 * describes each field). Notable: `timestamp` is null when the source records
 * no time (kernex rows); `agent` is the agent that wrote the log (stamped by
 * the scanner from the dialect module unless the record names its own);
 * `project` is the short project name and `projectPath` the full working
 * directory where the log records one; `calls` is the API calls the record
 * stands for (jcode aggregates a turn); `cacheReported` says whether the
 * source reports prompt-cache counts at all; `recordedCostUsd` is a cost the
 * source wrote down.
 */
export type UsageRecord = { [F in (typeof RECORD_FIELDS)[number] as F['name']]: FieldTypes[F['kind']] };

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens?: number;
  cacheReadTokens?: number;
  cacheWrite5mTokens?: number;
  cacheWrite1hTokens?: number;
  /** All cache writes; defaults to 5m + 1h. Anything above that sum is unattributed. */
  cacheWriteTokens?: number;
  unattributedTokens?: number;
  /** Server-side web searches the call made (billed per request, not per token). */
  webSearchRequests?: number;
}

export interface RecordIdentity {
  dialect: DialectName;
  /** Only for sources that name their agent (an export); otherwise the scanner stamps the dialect's agent. */
  agent?: string | undefined;
  timestamp: number | null;
  model: string;
  provider?: string | null | undefined;
  upstreamModel?: string | null | undefined;
  resource?: string | null | undefined;
  session?: string | null | undefined;
  project?: string | null | undefined;
  projectPath?: string | null | undefined;
  conversation?: string | null | undefined;
  requestId?: string | null | undefined;
  role?: string | null | undefined;
  task?: string | null | undefined;
  source?: string | null | undefined;
  sender?: string | null | undefined;
  machine?: string | null | undefined;
  /** Claude's `usage.speed` ("fast" is billed at a premium). */
  speed?: string | null | undefined;
  /** OpenAI's `service_tier` (priority, flex, …). */
  serviceTier?: string | null | undefined;
  /** Anthropic's `inference_geo` (e.g. "us"). */
  inferenceGeo?: string | null | undefined;
  calls?: number | undefined;
  cacheReported: boolean;
  /**
   * The record sums a whole session or task (Goose, Droid, a deleted Cline
   * request): how its tokens split into calls is unknown, so no per-request
   * rule (the long-context tier) can be applied to it.
   */
  aggregate?: boolean | undefined;
  recordedCostUsd?: number | null | undefined;
  context?: ContextSnapshot | null | undefined;
}

export const UNKNOWN_MODEL = 'unknown';

/**
 * Builds a canonical record, deriving the totals so that no dialect can get
 * the sum convention wrong on its own.
 */
export function createRecord(identity: RecordIdentity, tokens: TokenCounts): UsageRecord {
  const cacheWrite5mTokens = tokens.cacheWrite5mTokens ?? 0;
  const cacheWrite1hTokens = tokens.cacheWrite1hTokens ?? 0;
  const cacheWriteTokens = Math.max(
    tokens.cacheWriteTokens ?? 0,
    cacheWrite5mTokens + cacheWrite1hTokens,
  );
  const cacheReadTokens = tokens.cacheReadTokens ?? 0;
  const unattributedTokens = tokens.unattributedTokens ?? 0;
  const model = identity.model.trim() === '' ? UNKNOWN_MODEL : identity.model;
  // Keys in the order of RECORD_FIELDS (./fields.ts): one hidden class for every record.
  return {
    dialect: identity.dialect,
    agent: identity.agent ?? '',
    timestamp: identity.timestamp,
    model,
    provider: identity.provider || inferProvider(identity.upstreamModel || model),
    upstreamModel: identity.upstreamModel || null,
    resource: identity.resource || null,
    session: identity.session || null,
    project: identity.project || null,
    projectPath: identity.projectPath || null,
    conversation: identity.conversation || null,
    requestId: identity.requestId || null,
    role: identity.role || null,
    task: identity.task || null,
    source: identity.source || null,
    sender: identity.sender || null,
    machine: identity.machine || null,
    speed: identity.speed || null,
    serviceTier: identity.serviceTier || null,
    inferenceGeo: identity.inferenceGeo || null,
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    // Reasoning is a subset of output; a source claiming more is clamped so it
    // can never make the subset larger than the whole.
    reasoningTokens: Math.min(tokens.reasoningTokens ?? 0, tokens.outputTokens),
    cacheReadTokens,
    cacheWriteTokens,
    cacheWrite5mTokens,
    cacheWrite1hTokens,
    unattributedTokens,
    totalTokens:
      tokens.inputTokens + tokens.outputTokens + cacheReadTokens + cacheWriteTokens + unattributedTokens,
    webSearchRequests: tokens.webSearchRequests ?? 0,
    calls: identity.calls ?? 1,
    cacheReported: identity.cacheReported,
    aggregate: identity.aggregate === true,
    recordedCostUsd: identity.recordedCostUsd ?? null,
    context: identity.context ?? null,
  };
}

const PROVIDER_PREFIXES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^(?:anthropic[./:]|us\.anthropic\.|eu\.anthropic\.|apac\.anthropic\.)?claude/i, 'anthropic'],
  [/^(?:openai\/)?(?:gpt-|o\d|chatgpt|codex|text-embedding|davinci|babbage|computer-use)/i, 'openai'],
  [/^(?:google\/)?(?:gemini|gemma|palm)/i, 'google'],
  [/^(?:mistralai\/)?(?:mistral|mixtral|codestral|devstral|magistral|ministral|pixtral)/i, 'mistral'],
  [/^(?:x-ai\/|xai\/)?grok/i, 'xai'],
  [/^(?:deepseek\/)?deepseek/i, 'deepseek'],
  [/^(?:meta-llama\/)?llama/i, 'meta'],
  [/^(?:qwen\/)?qwen/i, 'alibaba'],
  [/^(?:moonshotai\/)?kimi/i, 'moonshot'],
  [/^(?:z-ai\/|zai\/)?glm/i, 'zhipu'],
];

/** Infers the provider family from a model id; 'unknown' when nothing matches. */
export function inferProvider(model: string): string {
  const slash = model.indexOf('/');
  if (slash > 0) {
    const head = model.slice(0, slash).toLowerCase();
    if (['anthropic', 'openai', 'google', 'ollama', 'lmstudio', 'bedrock', 'vertex', 'azure'].includes(head)) {
      return head;
    }
  }
  for (const [pattern, provider] of PROVIDER_PREFIXES) {
    if (pattern.test(model)) return provider;
  }
  const tail = slash > 0 ? model.slice(slash + 1) : model;
  if (tail !== model) return inferProvider(tail);
  return 'unknown';
}

/**
 * A record after pricing. Pricing is applied after ingest (and after any
 * cache), never stored with the record, so changing prices never needs a
 * re-read. `costUsd` is null when the cost is unknown (an unpriced model).
 */
export interface PricedRecord extends UsageRecord {
  costUsd: number | null;
  /** The calculated figure, kept beside a recorded one so the two can be compared. */
  calculatedCostUsd: number | null;
  costSource: 'calculated' | 'recorded' | 'free' | 'unknown';
}
