/**
 * Raw provider usage, one object per line: an OpenAI Chat Completions or
 * Responses object, an Anthropic Messages object (whole responses or just
 * `{model, usage}`), or OpenTelemetry GenAI attributes. OpenAI and OTel count
 * cached input inside their input figure; Anthropic counts it beside.
 */
import { createRecord, type UsageRecord } from '../core/record.js';
import { costValue, nullish, object, optionalCount, optionalText, timestampValue, tokenCount } from './schema.js';
import { isJsonObject, type JsonObject, type ParseOutcome, requireTimestamp, validate } from './types.js';
import type { DialectModule } from './module.js';

const openAiChatUsage = object({
  prompt_tokens: tokenCount,
  completion_tokens: tokenCount,
  total_tokens: optionalCount,
  prompt_tokens_details: nullish(object({ cached_tokens: optionalCount })),
  completion_tokens_details: nullish(object({ reasoning_tokens: optionalCount })),
});

const openAiResponsesUsage = object({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  total_tokens: optionalCount,
  input_tokens_details: nullish(object({ cached_tokens: optionalCount })),
  output_tokens_details: nullish(object({ reasoning_tokens: optionalCount })),
});

const anthropicUsage = object({
  input_tokens: tokenCount,
  output_tokens: tokenCount,
  cache_creation_input_tokens: optionalCount,
  cache_read_input_tokens: optionalCount,
  cache_creation: nullish(object({ ephemeral_5m_input_tokens: optionalCount, ephemeral_1h_input_tokens: optionalCount })),
});

const envelope = {
  model: optionalText,
  id: optionalText,
  created: timestampValue,
  created_at: timestampValue,
  timestamp: timestampValue,
  session_id: optionalText,
  project: optionalText,
  cost_usd: costValue,
};

export const chatSchema = object({ ...envelope, usage: openAiChatUsage });
export const responsesSchema = object({ ...envelope, usage: openAiResponsesUsage });
export const anthropicSchema = object({ ...envelope, usage: anthropicUsage });

/**
 * The OpenTelemetry GenAI attributes of one model call (semantic conventions'
 * current names): the usage counts and the ids. Shared by generic OTel spans
 * here and Copilot CLI's chat spans, which write the same keys.
 */
export const otelCallAttributes = {
  'gen_ai.usage.input_tokens': tokenCount,
  'gen_ai.usage.output_tokens': tokenCount,
  'gen_ai.usage.cache_read.input_tokens': optionalCount,
  'gen_ai.usage.cache_creation.input_tokens': optionalCount,
  'gen_ai.usage.reasoning.output_tokens': optionalCount,
  'gen_ai.request.model': optionalText,
  'gen_ai.response.model': optionalText,
  'gen_ai.response.id': optionalText,
  'gen_ai.conversation.id': optionalText,
  'session.id': optionalText,
} as const;

export const otelSchema = object({
  ...otelCallAttributes,
  'gen_ai.provider.name': optionalText,
  'gen_ai.system': optionalText,
  timestamp: timestampValue,
});

const OTEL_PREFIX = 'gen_ai.';
/** Older names some instrumentations still emit, mapped to the current ones. */
const OTEL_ALIASES: Readonly<Record<string, string>> = {
  'gen_ai.usage.prompt_tokens': 'gen_ai.usage.input_tokens',
  'gen_ai.usage.completion_tokens': 'gen_ai.usage.output_tokens',
  'gen_ai.usage.cache_read_input_tokens': 'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.input_tokens.cached': 'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_creation_input_tokens': 'gen_ai.usage.cache_creation.input_tokens',
  'gen_ai.usage.input_tokens.cache_write': 'gen_ai.usage.cache_creation.input_tokens',
};

/**
 * Flattens the three ways OTel attributes reach a log line: dotted keys on
 * the line, an `attributes` object, or OTLP's `[{key, value: {intValue}}]`.
 */
function readOtelAttributes(value: JsonObject): JsonObject | null {
  const found: JsonObject = {};
  const take = (key: string, field: unknown): void => {
    if (key.startsWith(OTEL_PREFIX) || key === 'session.id') found[OTEL_ALIASES[key] ?? key] = field;
  };
  for (const [key, field] of Object.entries(value)) take(key, field);
  const attributes = value['attributes'];
  if (isJsonObject(attributes)) {
    for (const [key, field] of Object.entries(attributes)) take(key, field);
  } else if (Array.isArray(attributes)) {
    for (const entry of attributes) {
      if (!isJsonObject(entry) || typeof entry['key'] !== 'string' || !isJsonObject(entry['value'])) continue;
      const wrapped = entry['value'];
      const scalar = wrapped['intValue'] ?? wrapped['stringValue'] ?? wrapped['doubleValue'] ?? wrapped['boolValue'];
      // OTLP JSON encodes 64-bit integers as strings.
      take(entry['key'], typeof scalar === 'string' && /^\d+$/.test(scalar) && 'intValue' in wrapped ? Number(scalar) : scalar);
    }
  }
  if (!('gen_ai.usage.input_tokens' in found || 'gen_ai.usage.output_tokens' in found)) return null;
  const time = value['timestamp'] ?? value['time'] ?? readNanoseconds(value['endTimeUnixNano'] ?? value['timeUnixNano']);
  if (time !== undefined) found['timestamp'] = time;
  return found;
}

/** OTLP nanoseconds to whole milliseconds; as text they are exact only through BigInt (2^53 ns is 104 days). */
function readNanoseconds(value: unknown): number | undefined {
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(BigInt(value) / 1_000_000n);
  if (typeof value === 'number') return Math.floor(value / 1e6);
  return undefined;
}

function parseOtel(attributes: JsonObject): ParseOutcome {
  const checked = validate(otelSchema, attributes);
  if (!checked.ok) return checked.outcome;
  const line = checked.value;
  const time = requireTimestamp(line.timestamp, 'timestamp');
  if (!time.ok) return time.outcome;
  const cacheRead = line['gen_ai.usage.cache_read.input_tokens'] ?? 0;
  const cacheWrite = line['gen_ai.usage.cache_creation.input_tokens'] ?? 0;
  const input = line['gen_ai.usage.input_tokens'];
  // The GenAI conventions ask for input_tokens to include cached tokens; an
  // instrumentation whose cache counts exceed its input clearly did not.
  const inputTokens = cacheRead + cacheWrite <= input ? input - cacheRead - cacheWrite : input;
  return {
    kind: 'record',
    record: createRecord(
      {
        dialect: 'provider',
        timestamp: time.value,
        model: line['gen_ai.response.model'] ?? line['gen_ai.request.model'] ?? '',
        provider: line['gen_ai.provider.name'] ?? line['gen_ai.system'],
        session: line['gen_ai.conversation.id'] ?? line['session.id'],
        requestId: line['gen_ai.response.id'],
        cacheReported:
          line['gen_ai.usage.cache_read.input_tokens'] != null || line['gen_ai.usage.cache_creation.input_tokens'] != null,
      },
      {
        inputTokens,
        outputTokens: line['gen_ai.usage.output_tokens'],
        reasoningTokens: line['gen_ai.usage.reasoning.output_tokens'] ?? 0,
        cacheReadTokens: cacheRead,
        cacheWriteTokens: cacheWrite,
      },
    ),
  };
}

type Envelope = {
  model?: string | null | undefined;
  id?: string | null | undefined;
  created?: string | number | null | undefined;
  created_at?: string | number | null | undefined;
  timestamp?: string | number | null | undefined;
  session_id?: string | null | undefined;
  project?: string | null | undefined;
  cost_usd?: number | null | undefined;
};

function finish(
  line: Envelope,
  fallbackModel: string | null,
  build: (time: number | null, model: string) => UsageRecord,
): ParseOutcome {
  const time = requireTimestamp(line.timestamp ?? line.created_at ?? line.created, 'timestamp');
  if (!time.ok) return time.outcome;
  return { kind: 'record', record: build(time.value, line.model ?? fallbackModel ?? '') };
}

function parseResponse(value: JsonObject): ParseOutcome {
  const usage = value['usage'] as JsonObject;
  const identity = (line: Envelope) => ({
    dialect: 'provider' as const,
    requestId: line.id,
    session: line.session_id,
    project: line.project,
    recordedCostUsd: line.cost_usd,
  });
  if ('prompt_tokens' in usage || 'completion_tokens' in usage) {
    const checked = validate(chatSchema, value);
    if (!checked.ok) return checked.outcome;
    const line = checked.value;
    const cached = line.usage.prompt_tokens_details?.cached_tokens ?? 0;
    return finish(line, null, (timestamp, model) =>
      createRecord(
        { ...identity(line), timestamp, model, cacheReported: line.usage.prompt_tokens_details?.cached_tokens != null },
        {
          inputTokens: Math.max(0, line.usage.prompt_tokens - cached),
          outputTokens: line.usage.completion_tokens,
          reasoningTokens: line.usage.completion_tokens_details?.reasoning_tokens ?? 0,
          cacheReadTokens: cached,
        },
      ),
    );
  }
  const isResponses =
    'input_tokens_details' in usage || 'output_tokens_details' in usage || value['object'] === 'response';
  if (isResponses) {
    const checked = validate(responsesSchema, value);
    if (!checked.ok) return checked.outcome;
    const line = checked.value;
    const cached = line.usage.input_tokens_details?.cached_tokens ?? 0;
    return finish(line, null, (timestamp, model) =>
      createRecord(
        { ...identity(line), timestamp, model, cacheReported: line.usage.input_tokens_details?.cached_tokens != null },
        {
          inputTokens: Math.max(0, line.usage.input_tokens - cached),
          outputTokens: line.usage.output_tokens,
          reasoningTokens: line.usage.output_tokens_details?.reasoning_tokens ?? 0,
          cacheReadTokens: cached,
        },
      ),
    );
  }
  const checked = validate(anthropicSchema, value);
  if (!checked.ok) return checked.outcome;
  const line = checked.value;
  const usageLine = line.usage;
  return finish(line, null, (timestamp, model) =>
    createRecord(
      {
        ...identity(line),
        timestamp,
        model,
        cacheReported: usageLine.cache_read_input_tokens != null || usageLine.cache_creation_input_tokens != null,
      },
      {
        inputTokens: usageLine.input_tokens,
        outputTokens: usageLine.output_tokens,
        cacheReadTokens: usageLine.cache_read_input_tokens ?? 0,
        cacheWriteTokens: usageLine.cache_creation_input_tokens ?? 0,
        cacheWrite5mTokens: usageLine.cache_creation?.ephemeral_5m_input_tokens ?? 0,
        cacheWrite1hTokens: usageLine.cache_creation?.ephemeral_1h_input_tokens ?? 0,
      },
    ),
  );
}

/** A streamed Responses event (`response.completed`) wraps the response object. */
function unwrap(value: JsonObject): JsonObject {
  const inner = value['response'];
  if (!isJsonObject(value['usage']) && isJsonObject(inner) && isJsonObject(inner['usage'])) return inner;
  return value;
}

export const provider: DialectModule<'provider'> = {
  name: 'provider',
  agent: 'provider',
  title: 'provider API objects',
  reader: 'jsonl',
  locations: () => [],
  markers: ['okens"', 'usage"'],
  docs: 'record.md#provider',
  fixture: 'fixtures/logs/provider',
  description: 'raw provider usage: OpenAI chat/responses, Anthropic messages, OpenTelemetry GenAI attributes',
  detect: (value) => {
    if (isJsonObject(unwrap(value)['usage'])) return true;
    if (Object.keys(value).some((key) => key.startsWith(OTEL_PREFIX))) return true;
    return Array.isArray(value['attributes']) || isJsonObject(value['attributes']);
  },
  createParser: () => (value) => {
    const response = unwrap(value);
    if (isJsonObject(response['usage'])) return parseResponse(response);
    const attributes = readOtelAttributes(value);
    if (attributes === null) return { kind: 'no_usage' };
    return parseOtel(attributes);
  },
};
