/**
 * kernex usage rows exported as JSONL. `tokens` is the authoritative total;
 * the breakdown columns are nullable. Whatever part of `tokens` the breakdown
 * does not cover is kept as unattributed tokens, so a row with only `tokens`
 * still counts in full. kernex writes `cost_usd` = 0 for models it cannot
 * price, so a recorded 0 is read as "no recorded cost" (docs/record.md).
 */
import { createRecord } from '../core/record.js';
import { costValue, object, optionalCount, optionalText, string, timestampValue, tokenCount } from './schema.js';
import { requireTimestamp, validate } from './types.js';
import type { DialectModule } from './module.js';

export const kernexSchema = object({
  sender_id: optionalText,
  session_id: optionalText,
  model: string,
  tokens: tokenCount,
  cost_usd: costValue,
  input_tokens: optionalCount,
  output_tokens: optionalCount,
  cache_read_tokens: optionalCount,
  cache_creation_tokens: optionalCount,
  timestamp: timestampValue,
  created_at: timestampValue,
});

export const kernex: DialectModule<'kernex'> = {
  name: 'kernex',
  agent: 'kernex',
  title: 'kernex',
  reader: 'jsonl',
  locations: () => [],
  markers: ['okens"'],
  docs: 'record.md#kernex',
  fixture: 'fixtures/logs/kernex',
  description: 'kernex token_usage rows as JSONL: an authoritative `tokens` total and a nullable breakdown',
  detect: (value) => 'sender_id' in value || ('tokens' in value && typeof value['tokens'] === 'number'),
  createParser: () => (value) => {
    const checked = validate(kernexSchema, value);
    if (!checked.ok) return checked.outcome;
    const line = checked.value;
    const time = requireTimestamp(line.timestamp ?? line.created_at, line.timestamp != null ? 'timestamp' : 'created_at');
    if (!time.ok) return time.outcome;
    const inputTokens = line.input_tokens ?? 0;
    const outputTokens = line.output_tokens ?? 0;
    const cacheReadTokens = line.cache_read_tokens ?? 0;
    const cacheWriteTokens = line.cache_creation_tokens ?? 0;
    const covered = inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens;
    return {
      kind: 'record',
      record: createRecord(
        {
          dialect: 'kernex',
          timestamp: time.value,
          model: line.model,
          sender: line.sender_id,
          session: line.session_id,
          recordedCostUsd: line.cost_usd != null && line.cost_usd > 0 ? line.cost_usd : null,
          cacheReported: line.cache_read_tokens != null || line.cache_creation_tokens != null,
        },
        {
          inputTokens,
          outputTokens,
          cacheReadTokens,
          cacheWriteTokens,
          // A breakdown that sums past `tokens` wins: the parts are what was measured.
          unattributedTokens: Math.max(0, line.tokens - covered),
        },
      ),
    };
  },
};
