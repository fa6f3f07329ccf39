/**
 * Claude Code transcripts (`~/.claude/projects/<project>/<session>.jsonl`).
 * Only assistant lines carry usage; every other well-formed line is
 * `no_usage`, whatever its `type` (Claude Code adds new line types often:
 * `queue-operation`, `teleported-from`, ...). Claude Code writes one line per
 * content block of a response, each repeating the response's usage, so lines
 * are de-duplicated by ingest (globally, keeping the largest copy) on
 * `message.id` + `requestId`, or on `message.id` alone when the line has no
 * `requestId` (Amazon Bedrock `msg_bdrk_…` ids, third-party endpoints).
 * Lines with different message ids are never merged.
 */
import { basename, dirname, join, resolve, sep } from 'node:path';
import { createRecord } from '../core/record.js';
import { normalizeClaudeFolderName, normalizeProjectPath, readLastSegment } from './project-path.js';
import { costValue, nullish, object, optionalCount, optionalText, timestampValue, tokenCount } from './schema.js';
import { type FileContext, invalid, type JsonObject, readSessionFromFile, readTimestamp, validate } from './types.js';
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
      // Claude Code 2.1.2xx: the thinking part of the output, already inside output_tokens.
      output_tokens_details: nullish(object({ thinking_tokens: optionalCount })),
      server_tool_use: nullish(object({ web_search_requests: optionalCount, web_fetch_requests: optionalCount })),
      speed: optionalText,
      service_tier: optionalText,
      inference_geo: optionalText,
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
 * Claude Code's metadata lines: kebab-case types (`queue-operation`,
 * `teleported-from`, `file-history-snapshot`, `last-prompt`, `pr-link`, ...)
 * and a few one-word ones. Some carry no other Claude key at all (a
 * `teleported-from` file is one line of `remoteSessionId`, `branch`,
 * `messageCount`), so the type's shape is what tells them apart; a line that
 * names usage is never claimed this way.
 */
const METADATA_TYPE = /^[a-z]+(?:-[a-z]+)+$/;
const METADATA_WORDS = new Set(['summary', 'mode', 'attachment', 'progress', 'system', 'tag']);

function isMetadataLine(value: JsonObject): boolean {
  const type = value['type'] as string;
  return (METADATA_TYPE.test(type) || METADATA_WORDS.has(type)) && !('usage' in value);
}

/** The usage keys that carry a count; a usage object with none of them is a streaming stub, not a call. */
const USAGE_COUNT_KEYS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'];

/** Keeps only numbers (for extras such as `web_search_requests` that never decide validity). */
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * The folder directly under `projects/`; Claude Code names it after the
 * working directory with separators replaced by dashes. Only the fallback
 * for lines that record no `cwd`. Sub-agent transcripts live deeper
 * (`<project>/<session>/subagents/`) and still belong to that project.
 */
export function readClaudeProject(path: string): string | null {
  if (path === '-' || path === '') return null;
  const parts = path.split(sep);
  const index = parts.lastIndexOf('projects');
  if (index >= 0 && index + 2 < parts.length) return normalizeClaudeFolderName(parts[index + 1] ?? '') || null;
  const parent = basename(dirname(path));
  return parent === '' || parent === '.' ? null : parent;
}

function hasUsageCounts(usage: unknown): boolean {
  if (typeof usage !== 'object' || usage === null || Array.isArray(usage)) return true; // let the schema judge it
  const record = usage as JsonObject;
  return USAGE_COUNT_KEYS.some((key) => record[key] !== undefined && record[key] !== null);
}

/** Options a caller may set for this dialect (flags are owned by the CLI). */
export interface ClaudeParseOptions {
  /** Keep Claude Code worktrees (`<repo>/.claude/worktrees/<name>`) as projects of their own. */
  keepWorktrees?: boolean | undefined;
}

export function createClaudeParser(file: FileContext, options: ClaudeParseOptions = {}) {
  const folderProject = readClaudeProject(file.path);
  const fileSession = readSessionFromFile(file.path);
  // A file's lines nearly always share one working directory: normalised once, not per line.
  let lastCwd: string | null | undefined;
  let primed = false;
  let lastProjectPath: string | null = null;
  let lastProject: string | null = null;
  return (value: JsonObject) => {
    const message = value['message'];
    if (value['type'] !== 'assistant' || typeof message !== 'object' || message === null || !('usage' in message)) {
      return { kind: 'no_usage' } as const;
    }
    // Claude Code 2.1.88–2.1.90 writes `"usage": {}` on streaming stubs before
    // the final line of the same message: a line without usage, not a broken one.
    if (!hasUsageCounts((message as JsonObject)['usage'])) return { kind: 'no_usage' } as const;
    const checked = validate(assistantSchema, value);
    if (!checked.ok) return checked.outcome;
    const line = checked.value;
    // Claude Code's own placeholders (interruptions, API errors) are not billed calls.
    if (line.message.model === SYNTHETIC_MODEL) return { kind: 'no_usage' } as const;
    // Claude Code writes a time on every line it writes; a line without one
    // was not written by it whole, so it is malformed (as in every peer),
    // never an undated record that would escape every date filter.
    const timestamp = readTimestamp(line.timestamp);
    if (timestamp === undefined) return invalid('invalid_timestamp', 'timestamp: missing (Claude Code writes one on every line)');
    if (Number.isNaN(timestamp)) {
      return invalid('invalid_timestamp', `timestamp: cannot read ${JSON.stringify(line.timestamp)} as a time`);
    }
    const usage = line.message.usage;
    if (!primed || line.cwd !== lastCwd) {
      primed = true;
      lastCwd = line.cwd;
      lastProjectPath = line.cwd ? normalizeProjectPath(line.cwd, options) : null;
      lastProject = lastProjectPath ? readLastSegment(lastProjectPath) : folderProject;
    }
    const projectPath = lastProjectPath;
    const serverTools = usage.server_tool_use;
    const webSearchRequests = isCount(serverTools?.web_search_requests) ? serverTools.web_search_requests : 0;
    const record = createRecord(
      {
        dialect: 'claude',
        timestamp,
        model: line.message.model ?? '',
        project: lastProject,
        projectPath,
        speed: usage.speed,
        serviceTier: usage.service_tier,
        // Claude Code writes "" and "not_available" when no region was asked for.
        inferenceGeo: usage.inference_geo === 'not_available' ? null : usage.inference_geo,
        session: line.sessionId ?? fileSession,
        requestId: line.requestId,
        recordedCostUsd: line.costUSD,
        cacheReported: true,
      },
      {
        inputTokens: usage.input_tokens,
        outputTokens: usage.output_tokens,
        reasoningTokens: usage.output_tokens_details?.thinking_tokens ?? 0,
        cacheReadTokens: usage.cache_read_input_tokens ?? 0,
        cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
        cacheWrite5mTokens: usage.cache_creation?.ephemeral_5m_input_tokens ?? 0,
        cacheWrite1hTokens: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
        webSearchRequests,
      },
    );
    const messageId = line.message.id;
    if (!messageId) return { kind: 'record', record } as const;
    // The message id names the response: copies of one response may carry its
    // request id or not (a file written partly through a proxy), and keying on
    // both counted such a response twice. Message ids are unique per response.
    return { kind: 'record', record, dedupKey: messageId } as const;
  };
}

export const claude: DialectModule<'claude'> = {
  name: 'claude',
  agent: 'claude-code',
  title: 'Claude Code',
  reader: 'jsonl',
  locations: listClaudeLocations,
  markers: ['okens"', 'usage"'],
  // Message content (text, thinking, tool calls and results), the tool result
  // copy on user lines, file-history snapshots, sub-agent progress; then short
  // strings on every line that nothing reads (each costs a string when parsed).
  bulkKeys: ['content', 'toolUseResult', 'snapshot', 'data', 'parentUuid', 'userType', 'version', 'gitBranch', 'stop_reason', 'slug'],
  docs: 'record.md#claude-code',
  fixture: 'fixtures/logs/claude',
  description: 'Claude Code transcripts: assistant lines carry usage, de-duplicated on message id (+ request id when written)',
  detect: (value) =>
    typeof value['type'] === 'string' &&
    !('payload' in value) &&
    (typeof value['message'] === 'object' || CLAUDE_LINE_KEYS.some((key) => key in value) || isMetadataLine(value)),
  createParser: (file: FileContext) => createClaudeParser(file),
};
