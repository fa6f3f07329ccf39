/**
 * Claude Code transcripts (`~/.claude/projects/<project>/<session>.jsonl`).
 * Only assistant lines carry usage; every other well-formed line is
 * `no_usage`. Claude Code writes one line per content block of a response,
 * each repeating the response's usage, so lines are de-duplicated on
 * `message.id` + `requestId` (globally, keeping the largest copy) by ingest.
 */
import { basename, dirname, join, resolve, sep } from 'node:path';
import { createRecord } from '../core/record.js';
import { costValue, nullish, object, optionalCount, optionalText, timestampValue, tokenCount } from './schema.js';
import { type FileContext, type JsonObject, requireTimestamp, validate } from './types.js';
import type { DefaultLocation, DialectModule, Environment } from './module.js';

export const assistantSchema = object({
  timestamp: timestampValue,
  sessionId: optionalText,
  requestId: optionalText,
  cwd: optionalText,
  costUSD: costValue,
  message: object({
    id: optionalText,
    model: optionalText,
    usage: object({
      input_tokens: tokenCount,
      output_tokens: tokenCount,
      cache_creation_input_tokens: optionalCount,
      cache_read_input_tokens: optionalCount,
      cache_creation: nullish(
        object({
          ephemeral_5m_input_tokens: optionalCount,
          ephemeral_1h_input_tokens: optionalCount,
        }),
      ),
    }),
  }),
});

const SYNTHETIC_MODEL = '<synthetic>';

/**
 * `$CLAUDE_CONFIG_DIR` (a comma-separated list) first, then the XDG config
 * folder newer versions use, then `~/.claude`.
 */
function listClaudeLocations({ home, variables }: Environment): DefaultLocation[] {
  const locations: DefaultLocation[] = [];
  for (const entry of (variables['CLAUDE_CONFIG_DIR'] ?? '').split(',')) {
    const directory = entry.trim();
    if (directory !== '') locations.push({ path: join(resolve(directory), 'projects'), description: 'Claude Code ($CLAUDE_CONFIG_DIR)' });
  }
  const xdgConfig = variables['XDG_CONFIG_HOME'] || join(home, '.config');
  locations.push({ path: join(xdgConfig, 'claude', 'projects'), description: 'Claude Code' });
  locations.push({ path: join(home, '.claude', 'projects'), description: 'Claude Code' });
  return locations;
}
const CLAUDE_LINE_KEYS = ['uuid', 'sessionId', 'parentUuid', 'leafUuid', 'messageId', 'isSidechain'];

/**
 * The project is the folder directly under `projects/`; Claude Code names it
 * after the working directory with separators replaced by dashes. Sub-agent
 * transcripts live deeper (`<project>/<session>/subagents/`) and still belong
 * to that project.
 */
export function readClaudeProject(path: string): string | null {
  if (path === '-' || path === '') return null;
  const parts = path.split(sep);
  const index = parts.lastIndexOf('projects');
  if (index >= 0 && index + 2 < parts.length) return parts[index + 1] ?? null;
  const parent = basename(dirname(path));
  return parent === '' || parent === '.' ? null : parent;
}

function readSessionFromFile(path: string): string | null {
  if (path === '-' || path === '') return null;
  return basename(path).replace(/\.(?:jsonl|ndjson)(?:\.gz)?$/i, '');
}

export const claude: DialectModule<'claude'> = {
  name: 'claude',
  agent: 'claude-code',
  title: 'Claude Code',
  reader: 'jsonl',
  locations: listClaudeLocations,
  markers: ['okens"', 'usage"'],
  docs: 'record.md#claude-code',
  fixture: 'fixtures/logs/claude',
  description: 'Claude Code transcripts: assistant lines carry usage, de-duplicated on message id + request id',
  detect: (value) =>
    typeof value['type'] === 'string' &&
    !('payload' in value) &&
    (typeof value['message'] === 'object' || CLAUDE_LINE_KEYS.some((key) => key in value)),
  createParser: (file: FileContext) => {
    const project = readClaudeProject(file.path);
    const fileSession = readSessionFromFile(file.path);
    return (value: JsonObject) => {
      const message = value['message'];
      if (value['type'] !== 'assistant' || typeof message !== 'object' || message === null || !('usage' in message)) {
        return { kind: 'no_usage' };
      }
      const checked = validate(assistantSchema, value);
      if (!checked.ok) return checked.outcome;
      const line = checked.value;
      // Claude Code's own placeholders (interruptions, API errors) are not billed calls.
      if (line.message.model === SYNTHETIC_MODEL) return { kind: 'no_usage' };
      const time = requireTimestamp(line.timestamp, 'timestamp');
      if (!time.ok) return time.outcome;
      const usage = line.message.usage;
      const record = createRecord(
        {
          dialect: 'claude',
          timestamp: time.value,
          model: line.message.model ?? '',
          project: project ?? (line.cwd ? basename(line.cwd) : null),
          session: line.sessionId ?? fileSession,
          requestId: line.requestId,
          recordedCostUsd: line.costUSD,
          cacheReported: true,
        },
        {
          inputTokens: usage.input_tokens,
          outputTokens: usage.output_tokens,
          cacheReadTokens: usage.cache_read_input_tokens ?? 0,
          cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
          cacheWrite5mTokens: usage.cache_creation?.ephemeral_5m_input_tokens ?? 0,
          cacheWrite1hTokens: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
        },
      );
      const messageId = line.message.id;
      const requestId = line.requestId;
      return messageId && requestId
        ? { kind: 'record', record, dedupKey: `${messageId}:${requestId}` }
        : { kind: 'record', record };
    };
  },
};
