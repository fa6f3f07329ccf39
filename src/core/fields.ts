/**
 * The canonical record's fields, declared once. The record type
 * (./record.ts), the packed form that carries records between threads and
 * into the index (src/ingest/pack.ts), the priced copy (src/pricing), the
 * JSON form of a record and the pack round-trip property test all derive
 * from this list; docs/record.md describes each field under its JSON name.
 *
 * The order is the order of the record's keys: every function that builds a
 * record writes them in this order, so that all records share one hidden
 * class in V8 (test/core-fields.test.ts checks createRecord against it).
 */

export type FieldKind =
  /** The dialect that read the record; packed as its registry position. */
  | 'dialect'
  /** A string that is always present. */
  | 'text'
  /** A string or null. */
  | 'optionalText'
  /** Epoch milliseconds or null. */
  | 'instant'
  /** A non-negative count (tokens, calls, requests); may pass 2^32. */
  | 'count'
  /** US dollars or null. */
  | 'money'
  /** A yes/no fact, packed as a bit of the row header. */
  | 'flag'
  /** The prompt-side context snapshot or null (packed apart: few records have one). */
  | 'context';

export interface FieldDeclaration {
  readonly name: string;
  readonly kind: FieldKind;
  /** The key in JSON output (`usage export`, `sessions --id`). */
  readonly json: string;
}

export const RECORD_FIELDS = [
  { name: 'dialect', kind: 'dialect', json: 'dialect' },
  { name: 'agent', kind: 'text', json: 'agent' },
  { name: 'timestamp', kind: 'instant', json: 'timestamp' },
  { name: 'model', kind: 'text', json: 'model' },
  { name: 'provider', kind: 'text', json: 'provider' },
  { name: 'upstreamModel', kind: 'optionalText', json: 'upstream_model' },
  { name: 'resource', kind: 'optionalText', json: 'resource' },
  { name: 'session', kind: 'optionalText', json: 'session' },
  { name: 'project', kind: 'optionalText', json: 'project' },
  { name: 'projectPath', kind: 'optionalText', json: 'project_path' },
  { name: 'conversation', kind: 'optionalText', json: 'conversation' },
  { name: 'requestId', kind: 'optionalText', json: 'request_id' },
  { name: 'role', kind: 'optionalText', json: 'role' },
  { name: 'task', kind: 'optionalText', json: 'task' },
  { name: 'source', kind: 'optionalText', json: 'source' },
  { name: 'sender', kind: 'optionalText', json: 'sender' },
  { name: 'machine', kind: 'optionalText', json: 'machine' },
  { name: 'speed', kind: 'optionalText', json: 'speed' },
  { name: 'serviceTier', kind: 'optionalText', json: 'service_tier' },
  { name: 'inferenceGeo', kind: 'optionalText', json: 'inference_geo' },
  { name: 'inputTokens', kind: 'count', json: 'input_tokens' },
  { name: 'outputTokens', kind: 'count', json: 'output_tokens' },
  { name: 'reasoningTokens', kind: 'count', json: 'reasoning_tokens' },
  { name: 'cacheReadTokens', kind: 'count', json: 'cache_read_tokens' },
  { name: 'cacheWriteTokens', kind: 'count', json: 'cache_write_tokens' },
  { name: 'cacheWrite5mTokens', kind: 'count', json: 'cache_write_5m_tokens' },
  { name: 'cacheWrite1hTokens', kind: 'count', json: 'cache_write_1h_tokens' },
  { name: 'unattributedTokens', kind: 'count', json: 'unattributed_tokens' },
  { name: 'totalTokens', kind: 'count', json: 'total_tokens' },
  { name: 'webSearchRequests', kind: 'count', json: 'web_search_requests' },
  { name: 'calls', kind: 'count', json: 'calls' },
  { name: 'cacheReported', kind: 'flag', json: 'cache_reported' },
  { name: 'aggregate', kind: 'flag', json: 'aggregate' },
  { name: 'recordedCostUsd', kind: 'money', json: 'recorded_cost_usd' },
  { name: 'context', kind: 'context', json: 'context' },
] as const satisfies readonly FieldDeclaration[];

export type RecordFieldName = (typeof RECORD_FIELDS)[number]['name'];

/** The declared fields of one kind, in record order. */
export function listFields<K extends FieldKind>(kind: K): Array<Extract<(typeof RECORD_FIELDS)[number], { kind: K }>> {
  return RECORD_FIELDS.filter((field) => field.kind === kind) as Array<Extract<(typeof RECORD_FIELDS)[number], { kind: K }>>;
}

/** The fields of the context snapshot, in its key order; `truncationOccurred` is the one flag. */
export const CONTEXT_FIELDS = [
  { name: 'systemTokens', json: 'system_tokens' },
  { name: 'summaryTokens', json: 'summary_tokens' },
  { name: 'windowTokens', json: 'window_tokens' },
  { name: 'promptTokens', json: 'prompt_tokens' },
  { name: 'maxContextTokens', json: 'max_context_tokens' },
  { name: 'budgetLimit', json: 'budget_limit' },
  { name: 'cachedToolOutputs', json: 'cached_tool_outputs' },
  { name: 'cachedToolTokensSaved', json: 'cached_tool_tokens_saved' },
  { name: 'truncationOccurred', json: 'truncation_occurred' },
  { name: 'segmentsRemoved', json: 'segments_removed' },
  { name: 'messageCount', json: 'message_count' },
] as const;

export type ContextFieldName = (typeof CONTEXT_FIELDS)[number]['name'];

/**
 * Compiles a function from generated source. The field-by-field functions of
 * the packed form are generated from the declaration rather than written out:
 * a loop over field names does keyed reads and writes, several times slower on
 * the hot path, while the generated code is the same straight-line code a
 * person would write, and cannot fall out of step with the declaration.
 */
export function compileFunction<F extends (...args: never[]) => unknown>(
  name: string,
  parameters: readonly string[],
  body: string,
  bindings: Record<string, unknown> = {},
): F {
  const names = Object.keys(bindings);
  // Generated from the constant declaration above, never from input.
  const factory = new Function(...names, `return function ${name}(${parameters.join(', ')}) {\n${body}\n};`);
  return factory(...names.map((key) => bindings[key])) as F;
}
