/**
 * Kimi CLI (MoonshotAI/kimi-cli) records everything its agent says on the
 * "wire" to `~/.kimi/sessions/<work-dir hash>/<session id>/wire.jsonl`
 * (`KIMI_SHARE_DIR` moves `~/.kimi`). The first line is a `metadata` header;
 * each later line is `{timestamp: <unix seconds>, message: {type, payload}}`
 * (src/kimi_cli/wire/file.py). Usage is in `StatusUpdate` payloads:
 * `token_usage` is kosong's TokenUsage for the current step, with
 * `input_other` (fresh input), `input_cache_read`, `input_cache_creation`
 * (disjoint from it) and `output`. A sub-agent's steps arrive wrapped in a
 * `SubagentEvent` and are counted too.
 *
 * A StatusUpdate whose fields are all absent means "no change" (plan mode,
 * MCP progress): it carries no usage. The step's `message_id` keys each
 * record, so a step reported twice (a repeated update, or a sub-agent's step
 * seen both in its parent's wire and its own) counts once.
 *
 * The wire never names the model (it is in the user's config.toml), so
 * records have the unknown model: they are counted, and priced as unpriced.
 */
import { basename, dirname, join } from 'node:path';
import { createRecord, UNKNOWN_MODEL } from '../core/record.js';
import type { DialectModule } from './module.js';
import { nullish, object, optionalText, timestampValue, tokenCount } from './schema.js';
import type { FileContext, JsonObject, LineParser, ParseOutcome } from './types.js';
import { requireTimestamp, validate } from './types.js';

export const kimiStatusSchema = object({
  message_id: optionalText,
  token_usage: nullish(
    object({
      input_other: tokenCount,
      output: tokenCount,
      input_cache_read: nullish(tokenCount),
      input_cache_creation: nullish(tokenCount),
    }),
  ),
});

const recordTimeSchema = object({ timestamp: timestampValue });

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** The StatusUpdate payload inside a line, unwrapping a sub-agent's event; undefined for any other message. */
function findStatusPayload(message: JsonObject): { payload: unknown; subagent: string | null } | undefined {
  if (message['type'] === 'StatusUpdate') return { payload: message['payload'], subagent: null };
  if (message['type'] !== 'SubagentEvent') return undefined;
  const outer = asObject(message['payload']);
  const event = asObject(outer?.['event']);
  if (event?.['type'] !== 'StatusUpdate') return undefined;
  const agent = outer?.['agent_id'];
  return { payload: event['payload'], subagent: typeof agent === 'string' ? agent : 'subagent' };
}

/** Folder names: `<work-dir hash>/<session id>/wire.jsonl`. */
function readLocation(path: string): { session: string | null; project: string | null } {
  if (path === '-' || path === '') return { session: null, project: null };
  const sessionFolder = dirname(path);
  const session = basename(sessionFolder);
  const project = basename(dirname(sessionFolder));
  return { session: session === '' || session === '.' ? null : session, project: project === '' || project === '.' ? null : project };
}

export function createKimiParser(file: FileContext): LineParser {
  const { session, project } = readLocation(file.path);
  return (value): ParseOutcome => {
    const message = asObject(value['message']);
    if (message === undefined) return { kind: 'no_usage' };
    const status = findStatusPayload(message);
    if (status === undefined) return { kind: 'no_usage' };
    const payload = asObject(status.payload);
    if (payload === undefined || payload['token_usage'] == null) return { kind: 'no_usage' };
    const checked = validate(kimiStatusSchema, payload);
    if (!checked.ok) return checked.outcome;
    const usage = checked.value.token_usage;
    if (usage == null) return { kind: 'no_usage' };
    const timeChecked = validate(recordTimeSchema, value);
    if (!timeChecked.ok) return timeChecked.outcome;
    const time = requireTimestamp(timeChecked.value.timestamp, 'timestamp');
    if (!time.ok) return time.outcome;
    const messageId = checked.value.message_id;
    const record = createRecord(
      {
        dialect: 'kimi-cli',
        timestamp: time.value,
        model: UNKNOWN_MODEL,
        provider: 'moonshot',
        session,
        project,
        requestId: messageId,
        source: status.subagent,
        cacheReported: usage.input_cache_read != null || usage.input_cache_creation != null,
      },
      {
        inputTokens: usage.input_other,
        outputTokens: usage.output,
        cacheReadTokens: usage.input_cache_read ?? 0,
        cacheWriteTokens: usage.input_cache_creation ?? 0,
      },
    );
    if (messageId == null || messageId === '') return { kind: 'record', record };
    return { kind: 'record', record, dedupKey: `kimi-cli:${messageId}` };
  };
}

export const kimiCli: DialectModule<'kimi-cli'> = {
  name: 'kimi-cli',
  agent: 'kimi-cli',
  title: 'Kimi CLI',
  description: 'Kimi CLI wire.jsonl: StatusUpdate token usage per step (fresh input, cache reads and writes, output)',
  reader: 'jsonl',
  fileNames: /^wire\.jsonl$/,
  locations: (environment) => {
    const custom = environment.variables['KIMI_SHARE_DIR'];
    if (custom) return [{ path: join(custom, 'sessions'), description: 'Kimi CLI ($KIMI_SHARE_DIR)' }];
    return [{ path: join(environment.home, '.kimi', 'sessions'), description: 'Kimi CLI' }];
  },
  markers: ['input_other"'],
  // The metadata header is claimed too, so that it is a line without usage rather than an unknown one.
  detect: (value) => {
    if (value['type'] === 'metadata') return 'protocol_version' in value;
    const message = asObject(value['message']);
    return message !== undefined && typeof message['type'] === 'string' && 'payload' in message && 'timestamp' in value;
  },
  createParser: (file) => createKimiParser(file),
  docs: 'record.md#kimi-cli',
  fixture: 'fixtures/logs/kimi-cli',
};
