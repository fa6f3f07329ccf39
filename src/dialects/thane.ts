/**
 * thane usage records as JSONL, written either with the Go struct's field
 * names (`InputTokens`, `CacheCreation1hInputTokens`, ...) or in snake_case.
 * Input is fresh. Cache writes carry an optional TTL split whose shortfall
 * against the total is kept as unattributed writes.
 */
import { createRecord } from '../core/record.js';
import { costValue, object, optionalCount, optionalText, string, timestampValue, tokenCount } from './schema.js';
import { type JsonObject, requireTimestamp, validate } from './types.js';
import type { DialectModule } from './module.js';

const GO_TO_SNAKE: Readonly<Record<string, string>> = {
  ID: 'id',
  Timestamp: 'timestamp',
  RequestID: 'request_id',
  SessionID: 'session_id',
  ConversationID: 'conversation_id',
  Model: 'model',
  UpstreamModel: 'upstream_model',
  Resource: 'resource',
  Provider: 'provider',
  InputTokens: 'input_tokens',
  OutputTokens: 'output_tokens',
  CacheCreationInputTokens: 'cache_creation_input_tokens',
  CacheCreation5mInputTokens: 'cache_creation_5m_input_tokens',
  CacheCreation1hInputTokens: 'cache_creation_1h_input_tokens',
  CacheReadInputTokens: 'cache_read_input_tokens',
  CostUSD: 'cost_usd',
  Role: 'role',
  TaskName: 'task_name',
};

const THANE_SNAKE_MARKERS = [
  'role',
  'task_name',
  'upstream_model',
  'resource',
  'conversation_id',
  'cache_creation_5m_input_tokens',
  'cache_creation_1h_input_tokens',
];

export const thaneSchema = object({
  id: optionalText,
  timestamp: timestampValue,
  request_id: optionalText,
  session_id: optionalText,
  conversation_id: optionalText,
  model: string,
  upstream_model: optionalText,
  resource: optionalText,
  provider: optionalText,
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: optionalCount,
  cache_creation_5m_input_tokens: optionalCount,
  cache_creation_1h_input_tokens: optionalCount,
  cache_read_input_tokens: optionalCount,
  cost_usd: costValue,
  role: optionalText,
  task_name: optionalText,
});

function toSnakeCase(value: JsonObject): JsonObject {
  if (!('InputTokens' in value || 'Model' in value)) return value;
  const renamed: JsonObject = {};
  for (const [key, field] of Object.entries(value)) renamed[GO_TO_SNAKE[key] ?? key] = field;
  return renamed;
}

export const thane: DialectModule<'thane'> = {
  name: 'thane',
  agent: 'thane',
  title: 'thane',
  reader: 'jsonl',
  locations: () => [],
  markers: ['okens"'],
  docs: 'record.md#thane',
  fixture: 'fixtures/logs/thane',
  description: 'thane usage records, Go field names or snake_case, with role, task, resource and upstream model',
  detect: (value) =>
    'InputTokens' in value ||
    'CacheReadInputTokens' in value ||
    ('input_tokens' in value && THANE_SNAKE_MARKERS.some((marker) => marker in value)),
  createParser: () => (value) => {
    const checked = validate(thaneSchema, toSnakeCase(value));
    if (!checked.ok) return checked.outcome;
    const line = checked.value;
    const time = requireTimestamp(line.timestamp, 'timestamp');
    if (!time.ok) return time.outcome;
    return {
      kind: 'record',
      record: createRecord(
        {
          dialect: 'thane',
          timestamp: time.value,
          model: line.model,
          upstreamModel: line.upstream_model,
          resource: line.resource,
          provider: line.provider,
          session: line.session_id,
          conversation: line.conversation_id,
          requestId: line.request_id,
          role: line.role,
          task: line.task_name,
          recordedCostUsd: line.cost_usd,
          cacheReported: line.cache_read_input_tokens != null || line.cache_creation_input_tokens != null,
        },
        {
          inputTokens: line.input_tokens,
          outputTokens: line.output_tokens,
          cacheReadTokens: line.cache_read_input_tokens ?? 0,
          cacheWriteTokens: line.cache_creation_input_tokens ?? 0,
          cacheWrite5mTokens: line.cache_creation_5m_input_tokens ?? 0,
          cacheWrite1hTokens: line.cache_creation_1h_input_tokens ?? 0,
        },
      ),
    };
  },
};
