/**
 * GitHub Copilot CLI's OpenTelemetry file export: one JSON object per line,
 * written when OTel is on (`COPILOT_OTEL_ENABLED`) with the file exporter, to
 * `$COPILOT_OTEL_FILE_EXPORTER_PATH` or under `~/.copilot/otel/`. Spans are
 * serialised as the JavaScript SDK holds them: `{type: "span", traceId,
 * spanId, parentSpanId, name, startTime: [s, ns], endTime: [s, ns],
 * attributes: {...}}`; metrics come as `{type: "metric", ...}`.
 *
 * Each agent turn is one trace: an `invoke_agent` span wrapping one `chat`
 * span per model call and `execute_tool` spans. The `chat` spans carry the
 * GenAI usage attributes; `invoke_agent` (also a sub-agent's) carries their
 * sum again, so only `chat` spans are counted. Token attributes follow the
 * GenAI conventions: `gen_ai.usage.input_tokens` includes cache reads and
 * writes, `gen_ai.usage.reasoning.output_tokens` is part of the output.
 */
import { join } from 'node:path';
import { createRecord } from '../core/record.js';
import type { DefaultLocation, DialectModule, Environment } from './module.js';
import { object, optionalCount, optionalText, tokenCount } from './schema.js';
import { invalid, type JsonObject, type LineParser, type ParseOutcome, validate } from './types.js';

export const chatAttributesSchema = object({
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
});

const chatSpanSchema = object({ attributes: chatAttributesSchema });

const NANOSECONDS_PER_SECOND = 1_000_000_000;

/**
 * The SDK's high-resolution time `[seconds, nanoseconds]` as epoch
 * milliseconds (finer digits truncated); undefined when absent, NaN when it
 * is not such a pair.
 */
export function readHighResolutionTime(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length !== 2) return Number.NaN;
  const [seconds, nanoseconds] = value as unknown[];
  if (typeof seconds !== 'number' || typeof nanoseconds !== 'number') return Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 0 || !Number.isInteger(nanoseconds)) return Number.NaN;
  if (nanoseconds < 0 || nanoseconds >= NANOSECONDS_PER_SECOND) return Number.NaN;
  return seconds * 1000 + Math.trunc(nanoseconds / 1_000_000);
}

function isChatSpan(value: JsonObject, attributes: JsonObject): boolean {
  const operation = attributes['gen_ai.operation.name'];
  if (typeof operation === 'string') return operation === 'chat';
  const name = value['name'];
  return typeof name === 'string' && name.startsWith('chat ');
}

function readText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function readSpan(value: JsonObject): ParseOutcome {
  if (value['type'] !== undefined && value['type'] !== 'span') return { kind: 'no_usage' };
  const attributes = value['attributes'];
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) return { kind: 'no_usage' };
  const found = attributes as JsonObject;
  // invoke_agent repeats the sum of its chat spans; execute_tool and hooks have no usage.
  if (!isChatSpan(value, found)) return { kind: 'no_usage' };
  // A call that failed before the model answered carries no usage at all.
  if (found['gen_ai.usage.input_tokens'] === undefined && found['gen_ai.usage.output_tokens'] === undefined) {
    return { kind: 'no_usage' };
  }
  // Validated on the span, so a problem names `attributes.<key>`.
  const checked = validate(chatSpanSchema, value);
  if (!checked.ok) return checked.outcome;
  const line = checked.value.attributes;
  const field = value['endTime'] !== undefined ? 'endTime' : 'startTime';
  const timestamp = readHighResolutionTime(value[field]);
  if (Number.isNaN(timestamp)) {
    return invalid('invalid_timestamp', `${field}: cannot read ${JSON.stringify(value[field])} as [seconds, nanoseconds]`);
  }
  const input = line['gen_ai.usage.input_tokens'];
  const cacheRead = line['gen_ai.usage.cache_read.input_tokens'] ?? 0;
  const cacheWrite = line['gen_ai.usage.cache_creation.input_tokens'] ?? 0;
  const record = createRecord(
    {
      dialect: 'copilot-cli',
      timestamp: timestamp ?? null,
      model: line['gen_ai.response.model'] ?? line['gen_ai.request.model'] ?? '',
      // Copilot names itself (`github`) as the provider; the model's own
      // vendor is what prices and reports need, so it is inferred instead.
      session: line['gen_ai.conversation.id'] ?? line['session.id'],
      requestId: line['gen_ai.response.id'],
      cacheReported:
        line['gen_ai.usage.cache_read.input_tokens'] != null || line['gen_ai.usage.cache_creation.input_tokens'] != null,
    },
    {
      // The conventions count cache reads and writes inside input_tokens; a
      // span whose cache counts exceed its input plainly did not.
      inputTokens: cacheRead + cacheWrite <= input ? input - cacheRead - cacheWrite : input,
      outputTokens: line['gen_ai.usage.output_tokens'],
      reasoningTokens: line['gen_ai.usage.reasoning.output_tokens'] ?? 0,
      cacheReadTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
    },
  );
  const traceId = readText(value['traceId']);
  const spanId = readText(value['spanId']);
  // An exporter flushed twice writes the same span again.
  return traceId && spanId
    ? { kind: 'record', record, dedupKey: `copilot-cli:${traceId}:${spanId}` }
    : { kind: 'record', record };
}

function createCopilotParser(): LineParser {
  return readSpan;
}

function locateCopilot(environment: Environment): DefaultLocation[] {
  const locations: DefaultLocation[] = [];
  const file = environment.variables['COPILOT_OTEL_FILE_EXPORTER_PATH'];
  if (file) locations.push({ path: file, description: 'GitHub Copilot CLI ($COPILOT_OTEL_FILE_EXPORTER_PATH)' });
  const home = environment.variables['COPILOT_HOME'];
  locations.push(
    home
      ? { path: join(home, 'otel'), description: 'GitHub Copilot CLI ($COPILOT_HOME)' }
      : { path: join(environment.home, '.copilot', 'otel'), description: 'GitHub Copilot CLI' },
  );
  return locations;
}

export const copilotCli: DialectModule<'copilot-cli'> = {
  name: 'copilot-cli',
  agent: 'copilot-cli',
  title: 'GitHub Copilot CLI',
  description:
    'GitHub Copilot CLI OpenTelemetry file export: usage from chat spans only (invoke_agent repeats their sum), cache taken out of input',
  reader: 'jsonl',
  locations: locateCopilot,
  markers: ['input_tokens"', 'output_tokens"'],
  // The SDK's own serialisation: a `type` tag, or trace ids with
  // `[seconds, nanoseconds]` times. OTLP/JSON exports (attribute arrays,
  // `*UnixNano` times) stay with the provider dialect. Ask before it.
  detect: (value) => {
    const type = value['type'];
    if (type === 'span') return typeof value['traceId'] === 'string';
    if (type === 'metric') return typeof value['name'] === 'string';
    return (
      typeof value['traceId'] === 'string' &&
      typeof value['attributes'] === 'object' &&
      value['attributes'] !== null &&
      !Array.isArray(value['attributes']) &&
      (Array.isArray(value['startTime']) || Array.isArray(value['endTime']))
    );
  },
  createParser: createCopilotParser,
  docs: 'record.md#copilot-cli',
  fixture: 'fixtures/logs/copilot',
};
