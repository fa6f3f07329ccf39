/**
 * Codex rollout logs (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`, and
 * `~/.codex/archived_sessions/`). The model comes from the latest
 * `turn_context`; `token_count` events carry running totals for the session,
 * so each record is the difference from the previous total.
 *
 * - A total that did not move is a repeat.
 * - A field left out or set to null carries its previous value; only a real
 *   decrease of a total means the counter restarted, and the new total is
 *   then counted as it stands.
 * - A `session_meta` naming another session (rollouts concatenated on stdin)
 *   starts the running totals again from zero.
 * - A fork (`session_meta.forked_from_id`) or a spawned sub-agent
 *   (`session_meta.source.subagent`) begins by replaying the parent's
 *   history: the parent's own `session_meta`, turns and `token_count` events,
 *   re-stamped at the moment of the fork. That prefix is the parent's usage:
 *   it only sets the inherited running totals, and the child counts what it
 *   adds beyond them. The replay ends at the child's first own turn: a
 *   `task_started` or `turn_context` that began after the child was created
 *   (its `started_at`, or the time inside its UUIDv7 `turn_id`).
 * - Every record carries a key of session id + running totals, so the same
 *   rollout read twice (from `sessions/` and `archived_sessions/`, or two
 *   copies of a file) is counted once.
 *
 * OpenAI counts cached input inside `input_tokens`; it is subtracted.
 */
import { basename, join, resolve } from 'node:path';
import { createRecord } from '../core/record.js';
import { normalizeProjectPath, readLastSegment } from './project-path.js';
import { literal, nullish, object, optionalCount, string, timestampValue } from './schema.js';
import { type JsonObject, type LineParser, readTimestamp, requireTimestamp, validate } from './types.js';
import type { RateLimitReading } from '../reducers/rate-limits.js';
import type { DefaultLocation, DialectModule, Environment } from './module.js';

const totalsSchema = object({
  input_tokens: optionalCount,
  cached_input_tokens: optionalCount,
  output_tokens: optionalCount,
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

const ZERO: Totals = { input: 0, cached: 0, output: 0, reasoning: 0 };

interface CodexState {
  model: string | null;
  session: string | null;
  project: string | null;
  projectPath: string | null;
  provider: string | null;
  serviceTier: string | null;
  previous: Totals;
  /** Counter restarts so far in this session, so a key never repeats after one. */
  restarts: number;
  cacheSeen: boolean;
  /** Set for a fork or sub-agent rollout: its id's UUIDv7 time and its creation time. */
  child: { id: string; createdMs: number | null } | null;
  /** True while a child rollout is still replaying its parent's history. */
  replaying: boolean;
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
    projectPath: state.projectPath ?? null,
    provider: state.provider ?? null,
    serviceTier: state.serviceTier ?? null,
    previous: { input: previous.input, cached: previous.cached ?? 0, output: previous.output ?? 0, reasoning: previous.reasoning ?? 0 },
    restarts: state.restarts ?? 0,
    cacheSeen: state.cacheSeen ?? false,
    child: state.child ?? null,
    replaying: state.replaying ?? false,
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

/** Providers whose calls are billed at OpenAI's list prices (the default when none is written). */
const OPENAI_PROVIDER = 'openai';
/** Local runtimes: their names are kept as written and priced free (see src/pricing/resolve.ts). */
const LOCAL_PROVIDERS = new Set(['ollama', 'lmstudio', 'oss']);

function readSessionFromFile(path: string): string | null {
  if (path === '-' || path === '') return null;
  const name = basename(path).replace(/\.(?:jsonl|ndjson)(?:\.gz)?$/i, '');
  const match = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(name);
  return match?.[1] ?? name;
}

function readText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function readObject(value: unknown): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

/** The millisecond time inside a UUIDv7 (its first 48 bits), or null for any other id. */
export function readUuidV7Time(id: unknown): number | null {
  if (typeof id !== 'string') return null;
  const match = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i.exec(id);
  return match ? Number.parseInt(`${match[1]}${match[2]}`, 16) : null;
}

/** A fork names its parent; a spawned sub-agent says so in its source. */
function isChildSession(payload: JsonObject): boolean {
  if (readText(payload['forked_from_id'])) return true;
  const source = readObject(payload['source']);
  return source !== null && readObject(source['subagent']) !== null;
}

/**
 * Whether a turn began after the child was created: its `started_at`
 * (seconds) or the time inside its UUIDv7 `turn_id`. A turn with neither
 * signal is taken as the child's own, so an unknown shape can only end the
 * replay early (counting too much is visible; dropping usage is not).
 */
function isOwnTurn(payload: JsonObject, child: { id: string; createdMs: number | null }): boolean {
  const startedAt = payload['started_at'];
  if (typeof startedAt === 'number' && Number.isFinite(startedAt) && child.createdMs !== null) {
    return startedAt * 1000 >= Math.floor(child.createdMs / 1000) * 1000;
  }
  const turnTime = readUuidV7Time(payload['turn_id']);
  const childTime = readUuidV7Time(child.id);
  if (turnTime !== null && childTime !== null) return turnTime >= childTime;
  return true;
}

export const codex: DialectModule<'codex'> = {
  name: 'codex',
  agent: 'codex',
  title: 'Codex',
  reader: 'jsonl',
  locations: listCodexLocations,
  // `_started"`: a child's replay ends at its first own task_started;
  // `_tier"`: the service tier in turn_context or thread settings.
  markers: ['okens"', '_count"', '_context"', '_meta"', '_started"', '_tier"'],
  docs: 'record.md#codex',
  fixture: 'fixtures/logs/codex',
  description: 'Codex rollout logs: cumulative token_count events, model from turn_context',
  detect: (value) =>
    typeof value['type'] === 'string' && CODEX_LINE_TYPES.has(value['type']) && typeof value['payload'] === 'object',
  createParser: (file, savedState) => {
    const saved = readSavedState(savedState);
    const state: CodexState = saved ?? {
      model: null,
      session: readSessionFromFile(file.path),
      project: null,
      projectPath: null,
      provider: null,
      serviceTier: null,
      previous: { ...ZERO },
      restarts: 0,
      cacheSeen: false,
      child: null,
      replaying: false,
    };
    let fileSessionSeen = saved !== undefined;
    const setProject = (cwd: string): void => {
      state.projectPath = normalizeProjectPath(cwd);
      state.project = readLastSegment(state.projectPath);
    };
    const parse: LineParser = (value: JsonObject) => {
      const payload = readObject(value['payload']);
      // Only reachable under --format codex: a line of another shape carries no Codex usage.
      if (payload === null) return { kind: 'no_usage' };
      if (value['type'] === 'session_meta') {
        const id = readText(payload['id']);
        // A child replays its parent's session_meta inside its own history:
        // that is not a new session, and the running totals go on.
        if (state.replaying && id !== null && state.child !== null && id !== state.child.id) return { kind: 'no_usage' };
        // Rollouts concatenated into one stream (stdin): a new session starts its
        // running totals from zero and has not named its model yet.
        if (id !== null && id !== state.session && fileSessionSeen) {
          state.previous = { ...ZERO };
          state.restarts = 0;
          state.model = null;
          state.project = null;
          state.projectPath = null;
          state.provider = null;
          state.serviceTier = null;
          state.cacheSeen = false;
          state.child = null;
          state.replaying = false;
        }
        if (id !== null && (id !== state.session || !fileSessionSeen)) {
          if (isChildSession(payload)) {
            const created = Date.parse(readText(payload['timestamp']) ?? '');
            state.child = { id, createdMs: Number.isNaN(created) ? null : created };
            state.replaying = true;
          }
        }
        fileSessionSeen = true;
        state.session = id ?? state.session;
        const cwd = readText(payload['cwd']);
        if (cwd) setProject(cwd);
        state.provider = readText(payload['model_provider']) ?? state.provider;
        return { kind: 'no_usage' };
      }
      if (value['type'] === 'turn_context' || (value['type'] === 'event_msg' && payload['type'] === 'task_started')) {
        if (state.replaying && state.child !== null && isOwnTurn(payload, state.child)) state.replaying = false;
        if (value['type'] === 'turn_context') {
          state.model = readText(payload['model']) ?? state.model;
          state.serviceTier = readText(payload['service_tier']) ?? state.serviceTier;
          const cwd = readText(payload['cwd']);
          if (cwd) setProject(cwd);
        }
        return { kind: 'no_usage' };
      }
      // Newer Codex writes the thread's settings (model, effort, service tier)
      // when they change, between turns.
      if (value['type'] === 'event_msg' && payload['type'] === 'thread_settings_applied') {
        const settings = readObject(payload['thread_settings']);
        if (settings) state.serviceTier = readText(settings['service_tier']) ?? state.serviceTier;
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
      const previous = state.previous;
      // A field left out (or null) has not changed: reading it as 0 would
      // look like a restart and count the following totals again.
      const current: Totals = {
        input: raw.input_tokens ?? previous.input,
        cached: raw.cached_input_tokens ?? previous.cached,
        output: raw.output_tokens ?? previous.output,
        reasoning: raw.reasoning_output_tokens ?? previous.reasoning,
      };
      if (raw.cached_input_tokens != null) state.cacheSeen = true;
      const restarted =
        current.input < previous.input ||
        current.cached < previous.cached ||
        current.output < previous.output ||
        current.reasoning < previous.reasoning;
      if (restarted) state.restarts++;
      const base = restarted ? ZERO : previous;
      const delta: Totals = {
        input: current.input - base.input,
        cached: current.cached - base.cached,
        output: current.output - base.output,
        reasoning: current.reasoning - base.reasoning,
      };
      state.previous = current;
      // The parent's usage, replayed: it only sets the inherited totals.
      if (state.replaying) return { kind: 'duplicate' };
      if (delta.input === 0 && delta.cached === 0 && delta.output === 0 && delta.reasoning === 0) {
        return { kind: 'duplicate' };
      }
      // Cached input is part of input. After events that left the cached count
      // out (carried), it can catch up by more than the event's input: that
      // excess was already counted as fresh input and cannot be taken back,
      // so the record's cached part is capped at its input and every total
      // still sums to the running total.
      const cacheRead = Math.min(delta.cached, delta.input);
      const written = state.provider;
      const provider = written ?? OPENAI_PROVIDER;
      const lowered = provider.toLowerCase();
      const model = info.model ?? state.model ?? '';
      // A session run against another provider is not billed at OpenAI's list
      // price just because its model name matches: its model is filed under
      // the provider, which only an override entry (or a free local runtime) prices.
      const pricedModel =
        lowered === OPENAI_PROVIDER || LOCAL_PROVIDERS.has(lowered) || model === '' ? model : `${provider}/${model}`;
      return {
        kind: 'record',
        record: createRecord(
          {
            dialect: 'codex',
            timestamp: time.value,
            model: pricedModel,
            provider,
            project: state.project,
            projectPath: state.projectPath,
            serviceTier: state.serviceTier,
            session: state.session,
            cacheReported: state.cacheSeen,
          },
          {
            inputTokens: delta.input - cacheRead,
            outputTokens: delta.output,
            reasoningTokens: delta.reasoning,
            cacheReadTokens: cacheRead,
          },
        ),
        // The same event of the same session, wherever the file was found.
        dedupKey: `codex:${state.session ?? ''}:${state.restarts}:${current.input}:${current.cached}:${current.output}:${current.reasoning}`,
      };
    };
    parse.saveState = (): CodexState => ({ ...state, previous: { ...state.previous } });
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
