/**
 * Codex rollout logs (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`). The
 * model comes from the latest `turn_context`; `token_count` events carry
 * running totals for the session, so each record is the difference from the
 * previous total. A total that did not move is a repeat; one that went down
 * means the counter restarted, and the new total is counted as it stands.
 * A `session_meta` naming another session (rollouts concatenated on stdin)
 * starts the running totals again from zero.
 * OpenAI counts cached input inside `input_tokens`; it is subtracted.
 */
import { basename, join, resolve } from 'node:path';
import { createRecord } from '../core/record.js';
import { literal, nullish, object, optionalCount, string, timestampValue, tokenCount } from './schema.js';
import { type JsonObject, type LineParser, readTimestamp, requireTimestamp, validate } from './types.js';
import type { RateLimitReading } from '../reducers/rate-limits.js';
import type { DefaultLocation, DialectModule, Environment } from './module.js';

const totalsSchema = object({
  input_tokens: tokenCount,
  cached_input_tokens: optionalCount,
  output_tokens: tokenCount,
  reasoning_output_tokens: optionalCount,
  total_tokens: optionalCount,
});

export const tokenCountSchema = object({
  timestamp: timestampValue,
  payload: object({
    type: literal('token_count'),
    info: nullish(
      object({
        total_token_usage: totalsSchema,
        model: nullish(string),
      }),
    ),
  }),
});

interface Totals {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

interface CodexState {
  model: string | null;
  session: string | null;
  project: string | null;
  previous: Totals;
}

function readSavedState(value: unknown): CodexState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const state = value as Partial<CodexState>;
  const previous = state.previous;
  if (!previous || typeof previous.input !== 'number') return undefined;
  return {
    model: state.model ?? null,
    session: state.session ?? null,
    project: state.project ?? null,
    previous: { input: previous.input, cached: previous.cached ?? 0, output: previous.output ?? 0, reasoning: previous.reasoning ?? 0 },
  };
}

/** `$CODEX_HOME` (else `~/.codex`): live sessions, then sessions Codex archived. */
function listCodexLocations({ home, variables }: Environment): DefaultLocation[] {
  const codexHome = variables['CODEX_HOME'];
  const base = codexHome ? resolve(codexHome) : join(home, '.codex');
  const description = codexHome ? 'Codex ($CODEX_HOME)' : 'Codex';
  return [
    { path: join(base, 'sessions'), description },
    { path: join(base, 'archived_sessions'), description: `${description}, archived` },
  ];
}

const CODEX_LINE_TYPES = new Set(['session_meta', 'turn_context', 'event_msg', 'response_item', 'compacted']);

function readSessionFromFile(path: string): string | null {
  if (path === '-' || path === '') return null;
  const name = basename(path).replace(/\.(?:jsonl|ndjson)(?:\.gz)?$/i, '');
  const match = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(name);
  return match?.[1] ?? name;
}

function readText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

export const codex: DialectModule<'codex'> = {
  name: 'codex',
  agent: 'codex',
  title: 'Codex',
  reader: 'jsonl',
  locations: listCodexLocations,
  markers: ['okens"', '_count"', '_context"', '_meta"'],
  docs: 'record.md#codex',
  fixture: 'fixtures/logs/codex',
  description: 'Codex rollout logs: cumulative token_count events, model from turn_context',
  detect: (value) =>
    typeof value['type'] === 'string' && CODEX_LINE_TYPES.has(value['type']) && typeof value['payload'] === 'object',
  createParser: (file, savedState) => {
    const saved = readSavedState(savedState);
    let model: string | null = saved?.model ?? null;
    let session: string | null = saved?.session ?? readSessionFromFile(file.path);
    let project: string | null = saved?.project ?? null;
    let previous: Totals = saved?.previous ?? { input: 0, cached: 0, output: 0, reasoning: 0 };
    const parse: LineParser = (value: JsonObject) => {
      const payloadValue = value['payload'];
      // Only reachable under --format codex: a line of another shape carries no Codex usage.
      if (typeof payloadValue !== 'object' || payloadValue === null || Array.isArray(payloadValue)) return { kind: 'no_usage' };
      const payload = payloadValue as JsonObject;
      if (value['type'] === 'session_meta') {
        const id = readText(payload['id']);
        // Rollouts concatenated into one stream (stdin): a new session starts its
        // running totals from zero and has not named its model yet.
        if (id !== null && id !== session) {
          previous = { input: 0, cached: 0, output: 0, reasoning: 0 };
          model = null;
          project = null;
        }
        session = id ?? session;
        const cwd = readText(payload['cwd']);
        if (cwd) project = basename(cwd);
        return { kind: 'no_usage' };
      }
      if (value['type'] === 'turn_context') {
        model = readText(payload['model']) ?? model;
        const cwd = readText(payload['cwd']);
        if (cwd) project = basename(cwd);
        return { kind: 'no_usage' };
      }
      if (value['type'] !== 'event_msg' || payload['type'] !== 'token_count') return { kind: 'no_usage' };
      const checked = validate(tokenCountSchema, value);
      if (!checked.ok) return checked.outcome;
      const info = checked.value.payload.info;
      // A token_count with no info only reports rate limits.
      if (!info) return { kind: 'no_usage' };
      const time = requireTimestamp(checked.value.timestamp, 'timestamp');
      if (!time.ok) return time.outcome;
      const raw = info.total_token_usage;
      const current: Totals = {
        input: raw.input_tokens,
        cached: raw.cached_input_tokens ?? 0,
        output: raw.output_tokens,
        reasoning: raw.reasoning_output_tokens ?? 0,
      };
      const restarted =
        current.input < previous.input ||
        current.cached < previous.cached ||
        current.output < previous.output ||
        current.reasoning < previous.reasoning;
      const base = restarted ? { input: 0, cached: 0, output: 0, reasoning: 0 } : previous;
      const delta: Totals = {
        input: current.input - base.input,
        cached: current.cached - base.cached,
        output: current.output - base.output,
        reasoning: current.reasoning - base.reasoning,
      };
      previous = current;
      if (delta.input === 0 && delta.cached === 0 && delta.output === 0 && delta.reasoning === 0) {
        return { kind: 'duplicate' };
      }
      return {
        kind: 'record',
        record: createRecord(
          {
            dialect: 'codex',
            timestamp: time.value,
            model: info.model ?? model ?? '',
            provider: 'openai',
            project,
            session,
            cacheReported: raw.cached_input_tokens != null,
          },
          {
            inputTokens: Math.max(0, delta.input - delta.cached),
            outputTokens: delta.output,
            reasoningTokens: delta.reasoning,
            cacheReadTokens: delta.cached,
          },
        ),
      };
    };
    parse.saveState = (): CodexState => ({ model, session, project, previous: { ...previous } });
    return parse;
  },
};

// ---------------------------------------------------------------------------
// Rate-limit readings (side channel for `usage limits`; owned by the blocks work).
// A token_count event may carry `rate_limits`: the server's view of the
// account's windows. They are readings, not usage, so they never enter a
// usage record; `usage limits` reads them with this function in a pass of its
// own over the Codex files. Shapes seen in rollouts: `resets_at` (seconds
// since the epoch, current Codex) or `resets_in_seconds` (older Codex), and a
// `secondary` that may be null.
// ---------------------------------------------------------------------------

function readFiniteNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The rate-limit windows one Codex line reports, or [] when it reports none (or is not a token_count event). */
export function readCodexRateLimits(value: JsonObject): RateLimitReading[] {
  const payload = value['payload'];
  if (typeof payload !== 'object' || payload === null || (payload as JsonObject)['type'] !== 'token_count') return [];
  const limits = (payload as JsonObject)['rate_limits'];
  if (typeof limits !== 'object' || limits === null) return [];
  const timestamp = readTimestamp(value['timestamp']);
  if (timestamp === undefined || Number.isNaN(timestamp)) return [];
  const planType = readText((limits as JsonObject)['plan_type']);
  const readings: RateLimitReading[] = [];
  for (const window of ['primary', 'secondary'] as const) {
    const raw = (limits as JsonObject)[window];
    if (typeof raw !== 'object' || raw === null) continue;
    const entry = raw as JsonObject;
    const usedPercent = readFiniteNumber(entry['used_percent']);
    if (usedPercent === null) continue;
    const resetsAtSeconds = readFiniteNumber(entry['resets_at']);
    const resetsInSeconds = readFiniteNumber(entry['resets_in_seconds']);
    readings.push({
      timestamp,
      window,
      usedPercent,
      windowMinutes: readFiniteNumber(entry['window_minutes']),
      resetsAt: resetsAtSeconds !== null ? resetsAtSeconds * 1000 : resetsInSeconds !== null ? timestamp + resetsInSeconds * 1000 : null,
      planType,
    });
  }
  return readings;
}
