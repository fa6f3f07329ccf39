/**
 * bamboo `token-usage.jsonl`: one flat line per LLM call, server-reported
 * usage plus the prompt-side budget snapshot. Input is already fresh (disjoint
 * from both cache counts). `total_tokens` here is the prompt-side context
 * estimate, not a usage total, so it goes into the context snapshot only.
 */
import { createRecord } from '../core/record.js';
import { boolean, nullish, object, optionalCount, optionalText, string, timestampValue, tokenCount } from './schema.js';
import { requireTimestamp, validate } from './types.js';
import type { DialectModule } from './module.js';

export const bambooSchema = object({
  ts: timestampValue,
  session_id: optionalText,
  model: string,
  provider: optionalText,
  message_count: optionalCount,
  cache_creation_input_tokens: optionalCount,
  cache_read_input_tokens: optionalCount,
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  thinking_tokens: optionalCount,
  system_tokens: optionalCount,
  summary_tokens: optionalCount,
  window_tokens: optionalCount,
  total_tokens: optionalCount,
  max_context_tokens: optionalCount,
  budget_limit: optionalCount,
  prompt_cached_tool_outputs: optionalCount,
  prompt_cached_tool_tokens_saved: optionalCount,
  truncation_occurred: nullish(boolean),
  segments_removed: optionalCount,
});

export const bamboo: DialectModule<'bamboo'> = {
  name: 'bamboo',
  agent: 'bamboo',
  title: 'bamboo',
  reader: 'jsonl',
  locations: () => [],
  markers: ['okens"'],
  docs: 'record.md#bamboo',
  fixture: 'fixtures/logs/bamboo',
  description: "bamboo's per-call token-usage.jsonl with its prompt-side budget snapshot",
  detect: (value) =>
    'thinking_tokens' in value ||
    'message_count' in value ||
    'max_context_tokens' in value ||
    'prompt_cached_tool_outputs' in value ||
    ('ts' in value && 'cache_creation_input_tokens' in value),
  createParser: () => (value) => {
    const checked = validate(bambooSchema, value);
    if (!checked.ok) return checked.outcome;
    const line = checked.value;
    const time = requireTimestamp(line.ts, 'ts');
    if (!time.ok) return time.outcome;
    const hasSnapshot = line.max_context_tokens != null || line.total_tokens != null || line.budget_limit != null;
    return {
      kind: 'record',
      record: createRecord(
        {
          dialect: 'bamboo',
          timestamp: time.value,
          model: line.model,
          provider: line.provider,
          session: line.session_id,
          cacheReported: line.cache_read_input_tokens != null || line.cache_creation_input_tokens != null,
          context: hasSnapshot
            ? {
                systemTokens: line.system_tokens ?? 0,
                summaryTokens: line.summary_tokens ?? 0,
                windowTokens: line.window_tokens ?? 0,
                promptTokens: line.total_tokens ?? 0,
                maxContextTokens: line.max_context_tokens ?? 0,
                budgetLimit: line.budget_limit ?? 0,
                cachedToolOutputs: line.prompt_cached_tool_outputs ?? 0,
                cachedToolTokensSaved: line.prompt_cached_tool_tokens_saved ?? 0,
                truncationOccurred: line.truncation_occurred ?? false,
                segmentsRemoved: line.segments_removed ?? 0,
                messageCount: line.message_count ?? 0,
              }
            : null,
        },
        {
          inputTokens: line.input_tokens,
          outputTokens: line.output_tokens,
          // Anthropic counts extended thinking inside output_tokens.
          reasoningTokens: line.thinking_tokens ?? 0,
          cacheReadTokens: line.cache_read_input_tokens ?? 0,
          // bamboo does not split writes by TTL: they stay unattributed.
          cacheWriteTokens: line.cache_creation_input_tokens ?? 0,
        },
      ),
    };
  },
};
