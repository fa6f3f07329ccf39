/**
 * Qwen Code chat records, `~/.qwen/projects/<sanitised cwd>/chats/<session>.jsonl`
 * (`$QWEN_RUNTIME_DIR`, else `$QWEN_HOME`, in place of `~/.qwen`). One JSON
 * object per line (ChatRecord in qwen-code's chatRecordingService.ts): `uuid`,
 * `parentUuid`, `sessionId`, `timestamp`, `type` (user, assistant,
 * tool_result, system), `cwd`, `model` and, on assistant records, the
 * response's Gemini-style `usageMetadata`.
 *
 * Qwen Code talks to most providers through an OpenAI-compatible converter,
 * which writes `promptTokenCount` = prompt_tokens (cached included),
 * `cachedContentTokenCount` = cached_tokens, `candidatesTokenCount` =
 * completion_tokens (reasoning included) and `thoughtsTokenCount` =
 * reasoning_tokens. Through Gemini's own API the candidates leave the
 * thoughts out instead; `totalTokenCount` tells the two apart.
 *
 * Duplicate traps: `/branch` copies records verbatim into a new session file
 * (same `uuid`, new `sessionId`, `forkedFrom`), so records count once per
 * uuid; `system` records (ui_telemetry api_response events, compression
 * checkpoints) repeat usage already on the assistant record and never count.
 */
import { basename, join, sep } from 'node:path';
import { createRecord } from '../core/record.js';
import type { DefaultLocation, DialectModule, Environment } from './module.js';
import { literal, nullish, object, optionalCount, optionalText, timestampValue } from './schema.js';
import { type FileContext, type JsonObject, type LineParser, requireTimestamp, validate } from './types.js';

const usageMetadataSchema = object({
  promptTokenCount: optionalCount,
  candidatesTokenCount: optionalCount,
  thoughtsTokenCount: optionalCount,
  cachedContentTokenCount: optionalCount,
  toolUsePromptTokenCount: optionalCount,
  totalTokenCount: optionalCount,
});

export const qwenAssistantSchema = object({
  uuid: optionalText,
  sessionId: optionalText,
  timestamp: timestampValue,
  type: literal('assistant'),
  cwd: optionalText,
  model: optionalText,
  usageMetadata: nullish(usageMetadataSchema),
});

/** The folder directly under `projects/` (Qwen Code's sanitised working directory). */
export function readQwenProject(path: string): string | null {
  if (path === '-' || path === '') return null;
  const parts = path.split(sep);
  const chats = parts.lastIndexOf('chats');
  if (chats >= 2 && parts[chats - 2] === 'projects') return parts[chats - 1] ?? null;
  return null;
}

function readSessionFromFile(path: string): string | null {
  if (path === '-' || path === '') return null;
  return basename(path).replace(/\.jsonl$/i, '');
}

function createQwenParser(file: FileContext): LineParser {
  const project = readQwenProject(file.path);
  const fileSession = readSessionFromFile(file.path);
  return (value: JsonObject) => {
    if (value['type'] !== 'assistant' || value['usageMetadata'] == null) return { kind: 'no_usage' };
    const checked = validate(qwenAssistantSchema, value);
    if (!checked.ok) return checked.outcome;
    const line = checked.value;
    const usage = line.usageMetadata;
    if (!usage) return { kind: 'no_usage' };
    const prompt = usage.promptTokenCount;
    const candidates = usage.candidatesTokenCount;
    const total = usage.totalTokenCount;
    if (prompt == null && candidates == null && total == null) return { kind: 'no_usage' };
    const time = requireTimestamp(line.timestamp, 'timestamp');
    if (!time.ok) return time.outcome;
    const cached = usage.cachedContentTokenCount ?? 0;
    const thoughts = usage.thoughtsTokenCount ?? 0;
    const tool = usage.toolUsePromptTokenCount ?? 0;
    const promptTokens = prompt ?? 0;
    const candidateTokens = candidates ?? 0;
    // Gemini's API keeps thoughts beside the candidates (its total adds them);
    // the OpenAI-compatible converter writes completion_tokens, which already
    // hold them. Without a total that settles it, they are taken as inside.
    const thoughtsBeside = thoughts > 0 && total === promptTokens + candidateTokens + thoughts + tool;
    const outputTokens = candidateTokens + (thoughtsBeside ? thoughts : 0);
    const inputTokens = Math.max(0, promptTokens - cached) + tool;
    // A provider that returned only total_tokens: the converter writes no
    // breakdown, so the total is kept whole, unattributed.
    const unattributedTokens = prompt == null && candidates == null ? (total ?? 0) : 0;
    const record = createRecord(
      {
        dialect: 'qwen-code',
        timestamp: time.value,
        model: line.model ?? '',
        session: line.sessionId ?? fileSession,
        project: project ?? (line.cwd ? basename(line.cwd) : null),
        projectPath: line.cwd,
        cacheReported: usage.cachedContentTokenCount != null,
      },
      { inputTokens, outputTokens, reasoningTokens: thoughts, cacheReadTokens: cached, unattributedTokens },
    );
    // A branched session repeats the record under the same uuid.
    return line.uuid ? { kind: 'record', record, dedupKey: `qwen-code:${line.uuid}` } : { kind: 'record', record };
  };
}

function locateQwen(environment: Environment): DefaultLocation[] {
  const runtime = environment.variables['QWEN_RUNTIME_DIR'];
  if (runtime) return [{ path: join(runtime, 'projects'), description: 'Qwen Code ($QWEN_RUNTIME_DIR)' }];
  const home = environment.variables['QWEN_HOME'];
  if (home) return [{ path: join(home, 'projects'), description: 'Qwen Code ($QWEN_HOME)' }];
  return [{ path: join(environment.home, '.qwen', 'projects'), description: 'Qwen Code' }];
}

export const qwenCode: DialectModule<'qwen-code'> = {
  name: 'qwen-code',
  agent: 'qwen-code',
  title: 'Qwen Code',
  description:
    'Qwen Code chat records: Gemini-style usageMetadata on assistant records, cached taken out of input, de-duplicated on the record uuid',
  reader: 'jsonl',
  locations: locateQwen,
  markers: ['usageMetadata"'],
  // Qwen Code records look like Claude Code's (uuid, parentUuid, sessionId,
  // a string type); what Claude never writes tells them apart: usage
  // metadata, a system payload, or a message in Gemini's Content shape
  // (`parts`, where Claude has `content`). This module must be asked first.
  detect: (value) => {
    // Every record has a uuid; raw Gemini API responses (usageMetadata, no uuid) are not Qwen's.
    if (typeof value['uuid'] !== 'string') return false;
    if ('usageMetadata' in value || 'systemPayload' in value) return true;
    const message = value['message'];
    return typeof message === 'object' && message !== null && Array.isArray((message as JsonObject)['parts']);
  },
  createParser: createQwenParser,
  docs: 'record.md#qwen-code',
  fixture: 'fixtures/logs/qwen',
};
