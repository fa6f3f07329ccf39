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

export const DIALECT_NAMES = [
  'bamboo',
  'jcode',
  'lash',
  'kernex',
  'thane',
  'claude',
  'codex',
  'provider',
  'goose',
  'pi',
  'openclaw',
  'kimi-cli',
  'droid',
  'cline',
  'roo-code',
  'kilo-code',
  'kernex-db',
  'thane-db',
] as const;

export type DialectName = (typeof DIALECT_NAMES)[number];

export interface ContextSnapshot {
  systemTokens: number;
  summaryTokens: number;
  windowTokens: number;
  /** The prompt-side estimate of the whole context (bamboo's `total_tokens`). */
  promptTokens: number;
  maxContextTokens: number;
  budgetLimit: number;
  cachedToolOutputs: number;
  cachedToolTokensSaved: number;
  truncationOccurred: boolean;
  segmentsRemoved: number;
  messageCount: number;
}

export interface UsageRecord {
  dialect: DialectName;
  /** Epoch milliseconds, or null when the source records no time (kernex rows). */
  timestamp: number | null;
  model: string;
  provider: string;
  upstreamModel: string | null;
  resource: string | null;
  session: string | null;
  project: string | null;
  conversation: string | null;
  requestId: string | null;
  role: string | null;
  task: string | null;
  source: string | null;
  sender: string | null;

  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  unattributedTokens: number;
  totalTokens: number;

  /** API calls this record stands for (jcode aggregates a turn's calls). */
  calls: number;
  /** True when the source reports prompt-cache counts at all. */
  cacheReported: boolean;
  /** Cost the source itself wrote down, in USD; null when it wrote none. */
  recordedCostUsd: number | null;
  context: ContextSnapshot | null;
}

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
}

export interface RecordIdentity {
  dialect: DialectName;
  timestamp: number | null;
  model: string;
  provider?: string | null | undefined;
  upstreamModel?: string | null | undefined;
  resource?: string | null | undefined;
  session?: string | null | undefined;
  project?: string | null | undefined;
  conversation?: string | null | undefined;
  requestId?: string | null | undefined;
  role?: string | null | undefined;
  task?: string | null | undefined;
  source?: string | null | undefined;
  sender?: string | null | undefined;
  calls?: number | undefined;
  cacheReported: boolean;
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
  return {
    dialect: identity.dialect,
    timestamp: identity.timestamp,
    model,
    provider: identity.provider || inferProvider(identity.upstreamModel || model),
    upstreamModel: identity.upstreamModel || null,
    resource: identity.resource || null,
    session: identity.session || null,
    project: identity.project || null,
    conversation: identity.conversation || null,
    requestId: identity.requestId || null,
    role: identity.role || null,
    task: identity.task || null,
    source: identity.source || null,
    sender: identity.sender || null,
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
    calls: identity.calls ?? 1,
    cacheReported: identity.cacheReported,
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
