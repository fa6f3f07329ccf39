/**
 * lash usage ledger entries: `source` × `model` with provider-normalized
 * buckets, flat on the line or nested under `usage`. Input is fresh; cache
 * reads and writes are beside it; reasoning is a subset of output.
 */
import { createRecord } from '../core/record.js';
import { costValue, nullish, object, optionalCount, optionalText, string, timestampValue } from './schema.js';
import { type JsonObject, requireTimestamp, validate } from './types.js';
import type { DialectModule } from './module.js';

const bucketsShape = {
  input_tokens: optionalCount,
  output_tokens: optionalCount,
  cache_read_input_tokens: optionalCount,
  cache_write_input_tokens: optionalCount,
  reasoning_output_tokens: optionalCount,
};

export const lashSchema = object({
  source: string,
  model: string,
  session_id: optionalText,
  session: optionalText,
  timestamp: timestampValue,
  ts: timestampValue,
  cost_usd: costValue,
  usage: nullish(object(bucketsShape)),
  ...bucketsShape,
});

function hasLashBuckets(value: JsonObject): boolean {
  const usage = value['usage'];
  const buckets = typeof usage === 'object' && usage !== null ? (usage as JsonObject) : value;
  return 'cache_write_input_tokens' in buckets || 'reasoning_output_tokens' in buckets || 'input_tokens' in buckets;
}

export const lash: DialectModule<'lash'> = {
  name: 'lash',
  agent: 'lash',
  title: 'lash',
  reader: 'jsonl',
  locations: () => [],
  markers: ['okens"', 'usage"'],
  docs: 'record.md#lash',
  fixture: 'fixtures/logs/lash',
  description: 'lash usage ledger entries, source × model, buckets flat or under `usage`',
  detect: (value) => typeof value['source'] === 'string' && hasLashBuckets(value),
  createParser: () => (value) => {
    const checked = validate(lashSchema, value);
    if (!checked.ok) return checked.outcome;
    const line = checked.value;
    const buckets = line.usage ?? line;
    const time = requireTimestamp(line.timestamp ?? line.ts, line.timestamp != null ? 'timestamp' : 'ts');
    if (!time.ok) return time.outcome;
    return {
      kind: 'record',
      record: createRecord(
        {
          dialect: 'lash',
          timestamp: time.value,
          model: line.model,
          source: line.source,
          session: line.session_id ?? line.session,
          recordedCostUsd: line.cost_usd,
          cacheReported: buckets.cache_read_input_tokens != null || buckets.cache_write_input_tokens != null,
        },
        {
          inputTokens: buckets.input_tokens ?? 0,
          outputTokens: buckets.output_tokens ?? 0,
          reasoningTokens: buckets.reasoning_output_tokens ?? 0,
          cacheReadTokens: buckets.cache_read_input_tokens ?? 0,
          cacheWriteTokens: buckets.cache_write_input_tokens ?? 0,
        },
      ),
    };
  },
};
