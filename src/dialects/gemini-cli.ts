/**
 * Gemini CLI chat recordings under `~/.gemini/tmp/<project>/chats/`
 * (`$GEMINI_CLI_HOME/.gemini/tmp/…` when that variable moves the home).
 *
 * Two forms, both written by the CLI's ChatRecordingService:
 * - older versions: `session-<time>-<id8>.json`, one whole document
 *   `{sessionId, projectHash, startTime, lastUpdated, messages: [...]}`,
 *   rewritten on every save;
 * - newer versions: `session-<time>-<id8>.jsonl` (sub-agents:
 *   `chats/<parent session>/<session>.jsonl`), append-only: a metadata line,
 *   then every message each time it changes (the same `id` again once its
 *   tokens or tool calls arrive), `{"$set": {...}}` metadata updates (one of
 *   them may hold the whole `messages` array) and `{"$rewindTo": id}`.
 *
 * Only `type: "gemini"` messages carry `tokens` (a copy of the response's
 * `usageMetadata`): `input` = promptTokenCount, which INCLUDES `cached`;
 * `output` = candidatesTokenCount, which EXCLUDES `thoughts`; `tool` =
 * toolUsePromptTokenCount, input beside the prompt; `total` = input + output +
 * thoughts + tool. Each message counts once, on session id + message id, in
 * either form and across both (resuming a `.json` session copies it into a
 * `.jsonl` next to it).
 */
import { join, sep } from 'node:path';
import { createRecord, type UsageRecord } from '../core/record.js';
import type { DefaultLocation, DialectModule, Environment } from './module.js';
import { literal, object, optionalCount, optionalText, timestampValue, tokenCount } from './schema.js';
import { type FileContext, invalid, type JsonObject, type LineParser, type ParseOutcome, readSessionFromFile, readText, requireTimestamp, validate } from './types.js';

const tokensSchema = object({
  input: tokenCount,
  output: tokenCount,
  cached: optionalCount,
  thoughts: optionalCount,
  tool: optionalCount,
  total: optionalCount,
});

export const geminiMessageSchema = object({
  id: optionalText,
  timestamp: timestampValue,
  type: literal('gemini'),
  model: optionalText,
  tokens: tokensSchema,
});

const sessionDocumentSchema = object({ sessionId: optionalText, projectHash: optionalText });

/** The `type` of a recorded message (ConversationRecordExtra in chatRecordingTypes.ts). */
const GEMINI_MESSAGE_TYPES = new Set(['user', 'gemini', 'info', 'error', 'warning']);

/** What a file tells about the messages in it. */
interface SessionContext {
  session: string | null;
  project: string | null;
}

/**
 * The project is the folder directly under `tmp/`: a readable slug in current
 * versions (`tmp/my-app/chats/…`), the SHA-256 of the project root in older
 * ones. Outside such a tree, the document's `projectHash`.
 */
export function readGeminiProject(path: string): string | null {
  if (path === '-' || path === '') return null;
  const parts = path.split(sep);
  const chats = parts.lastIndexOf('chats');
  if (chats >= 2 && parts[chats - 2] === 'tmp') return parts[chats - 1] ?? null;
  return null;
}

/** `session-2026-11-02T09-15-1a2b3c4d.jsonl` → `1a2b3c4d`; a sub-agent's `<uuid>.jsonl` → the uuid. */
const GEMINI_SESSION = /^session-.*-([0-9a-z]{8})$/i;

/** One `gemini` message: a record, or why not. */
function readMessage(value: unknown, context: SessionContext): ParseOutcome {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('not_an_object', 'a message must be a JSON object');
  }
  const message = value as JsonObject;
  // User, info, error and warning messages, and a response whose tokens have
  // not arrived yet (`tokens: null`, written again with them later).
  if (message['type'] !== 'gemini' || message['tokens'] == null) return { kind: 'no_usage' };
  const checked = validate(geminiMessageSchema, message);
  if (!checked.ok) return checked.outcome;
  const line = checked.value;
  const time = requireTimestamp(line.timestamp, 'timestamp');
  if (!time.ok) return time.outcome;
  const tokens = line.tokens;
  const cached = tokens.cached ?? 0;
  const thoughts = tokens.thoughts ?? 0;
  const record: UsageRecord = createRecord(
    {
      dialect: 'gemini-cli',
      timestamp: time.value,
      model: line.model ?? '',
      session: context.session,
      project: context.project,
      cacheReported: true,
    },
    {
      // promptTokenCount counts the cached part too; the tool-use prompt is
      // input sent beside it (the total adds it separately).
      inputTokens: Math.max(0, tokens.input - cached) + (tokens.tool ?? 0),
      cacheReadTokens: cached,
      // candidatesTokenCount leaves the thinking out: output is both.
      outputTokens: tokens.output + thoughts,
      reasoningTokens: thoughts,
    },
  );
  return line.id && context.session
    ? { kind: 'record', record, dedupKey: `gemini-cli:${context.session}:${line.id}` }
    : { kind: 'record', record };
}

interface GeminiState {
  session: string | null;
}

function readSavedState(value: unknown): GeminiState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const session = (value as { session?: unknown }).session;
  return { session: typeof session === 'string' ? session : null };
}

/** The JSON-lines form: per-file state is the session id from the metadata line. */
function createGeminiParser(file: FileContext, savedState?: unknown): LineParser {
  const project = readGeminiProject(file.path);
  const state: GeminiState = readSavedState(savedState) ?? { session: null };
  const fileSession = readSessionFromFile(file.path, GEMINI_SESSION);
  const parser: LineParser = (value) => {
    const update = value['$set'];
    if (typeof update === 'object' && update !== null) {
      // A metadata update. Its `messages` (after a history rewrite) repeats
      // messages already written on their own lines: never counted.
      const session = readText((update as JsonObject)['sessionId']);
      if (session) state.session = session;
      return { kind: 'no_usage' };
    }
    if ('$rewindTo' in value) return { kind: 'no_usage' };
    if (typeof value['id'] !== 'string' && 'projectHash' in value) {
      state.session = readText(value['sessionId']) ?? state.session;
      return { kind: 'no_usage' };
    }
    const session = state.session ?? fileSession;
    const context: SessionContext = {
      session,
      project: project ?? readText(value['projectHash']),
    };
    return readMessage(value, context);
  };
  parser.saveState = () => ({ session: state.session });
  return parser;
}

/** The whole-document form: one outcome per entry of `messages`. */
function* readGeminiDocument(document: unknown, file: FileContext): Iterable<ParseOutcome> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    yield invalid('not_an_object', 'a Gemini CLI session must be a JSON object');
    return;
  }
  const checked = validate(sessionDocumentSchema, document);
  if (!checked.ok) {
    yield checked.outcome;
    return;
  }
  const messages = (document as JsonObject)['messages'];
  if (!Array.isArray(messages)) {
    yield invalid('schema', 'messages: expected an array');
    return;
  }
  const context: SessionContext = {
    session: checked.value.sessionId ?? readSessionFromFile(file.path, GEMINI_SESSION),
    project: readGeminiProject(file.path) ?? checked.value.projectHash ?? null,
  };
  for (const message of messages) yield readMessage(message, context);
}

function locateGemini(environment: Environment): DefaultLocation[] {
  const custom = environment.variables['GEMINI_CLI_HOME'];
  // GEMINI_CLI_HOME stands in for the home folder: state lives in its `.gemini`.
  return custom
    ? [{ path: join(custom, '.gemini', 'tmp'), description: 'Gemini CLI ($GEMINI_CLI_HOME)' }]
    : [{ path: join(environment.home, '.gemini', 'tmp'), description: 'Gemini CLI' }];
}

export const geminiCli: DialectModule<'gemini-cli'> = {
  name: 'gemini-cli',
  agent: 'gemini-cli',
  title: 'Gemini CLI',
  description:
    'Gemini CLI chat recordings (session-*.json documents and the JSON-lines form): per-response tokens, cached taken out of input, thoughts added to output',
  // The documents are named here; the JSON-lines form (`*.jsonl`) is read
  // everywhere and detected line by line through createParser.
  reader: 'document',
  fileNames: /^session-.+\.json$/,
  locations: locateGemini,
  // The metadata line holds projectHash, a later update `$set`; not `sessionId"`, which every
  // Claude Code line holds too (the marker let all of them through the prefilter).
  markers: ['tokens"', 'projectHash"', '$set"'],
  detect: (value) =>
    'projectHash' in value ||
    '$rewindTo' in value ||
    (typeof value['$set'] === 'object' && value['$set'] !== null) ||
    (typeof value['id'] === 'string' &&
      'content' in value &&
      typeof value['type'] === 'string' &&
      GEMINI_MESSAGE_TYPES.has(value['type'])),
  createParser: createGeminiParser,
  readDocument: readGeminiDocument,
  docs: 'record.md#gemini-cli',
  fixture: 'fixtures/logs/gemini',
};
