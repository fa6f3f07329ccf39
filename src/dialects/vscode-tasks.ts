/**
 * Cline and its forks Roo Code and Kilo Code keep each task in the editor's
 * global storage: `<app data>/<editor>/User/globalStorage/<extension id>/
 * tasks/<task id>/ui_messages.json`, one JSON array of the messages the chat
 * shows, rewritten whole on every save. Every API request is a
 * `say: "api_req_started"` message whose `text` is a JSON string
 * (ClineApiReqInfo: `tokensIn`, `tokensOut`, `cacheWrites`, `cacheReads`,
 * `cost`, plus `apiProtocol` in Roo/Kilo and `modelId`/`providerId` in newer
 * Cline); older Cline wrote the counts in a following `api_req_finished`.
 * When the user deletes messages, Cline folds the deleted requests' totals
 * into one `say: "deleted_api_reqs"` message, which still counts.
 *
 * The message is written when the request starts, with only `request`, and
 * filled in when the response ends: one without token counts is no usage
 * (yet). Each message keeps its `ts` (epoch milliseconds) across rewrites, so
 * task id + ts keys it and a rewritten document counts each request once.
 *
 * `tokensIn` is fresh input when the request spoke Anthropic's protocol; Roo
 * and Kilo mark OpenAI-protocol requests `apiProtocol: "openai"`, whose
 * `tokensIn` includes the cache reads and writes, which are taken out.
 *
 * One mapping, three thin modules (cline.ts, roo-code.ts, kilo-code.ts).
 */
import { basename, dirname, join } from 'node:path';
import { createRecord, UNKNOWN_MODEL } from '../core/record.js';
import type { DefaultLocation, Environment } from './module.js';
import { costValue, nullish, object, optionalText, tokenCount } from './schema.js';
import { type FileContext, invalid, type JsonObject, type ParseOutcome, requireTimestamp, validate } from './types.js';

export const apiRequestSchema = object({
  tokensIn: nullish(tokenCount),
  tokensOut: nullish(tokenCount),
  cacheWrites: nullish(tokenCount),
  cacheReads: nullish(tokenCount),
  reasoningTokens: nullish(tokenCount),
  cost: costValue,
  apiProtocol: optionalText,
  modelId: optionalText,
  providerId: optionalText,
  inferenceProvider: optionalText,
});

/**
 * `api_req_finished` is how older Cline releases wrote a request's counts (the
 * `api_req_started` before it held only the request); newer ones fold them into
 * `api_req_started` and write no `api_req_finished`, so the two never both count.
 */
const USAGE_MESSAGES = new Set(['api_req_started', 'api_req_finished', 'deleted_api_reqs']);

export const TASK_FILE_NAMES = /^ui_messages\.json$/;

function asObject(value: unknown): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
}

/** The task folder is named after the task id. */
function readTaskId(path: string): string | null {
  if (path === '-' || path === '') return null;
  const folder = basename(dirname(path));
  return folder === '' || folder === '.' ? null : folder;
}

/** Newer Cline tags each message with the model it was sent to. */
function readMessageModel(message: JsonObject): { model: string | undefined; provider: string | undefined } {
  const info = asObject(message['modelInfo']);
  const model = info?.['modelId'];
  const provider = info?.['providerId'];
  return {
    model: typeof model === 'string' ? model : undefined,
    provider: typeof provider === 'string' ? provider : undefined,
  };
}

function readEntry(dialect: TaskDialect, task: string | null, message: unknown): ParseOutcome {
  const entry = asObject(message);
  if (entry === undefined) return invalid('not_an_object', 'a task message is a JSON object');
  const text = entry['text'];
  if (typeof text !== 'string' || text === '') return { kind: 'no_usage' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return invalid('invalid_json', `${entry['say']} text is not JSON`);
  }
  const checked = validate(apiRequestSchema, parsed);
  if (!checked.ok) return checked.outcome;
  const request = checked.value;
  if (request.tokensIn == null && request.tokensOut == null) return { kind: 'no_usage' };
  const time = requireTimestamp(entry['ts'], 'ts');
  if (!time.ok) return time.outcome;
  const cacheReadTokens = request.cacheReads ?? 0;
  const cacheWriteTokens = request.cacheWrites ?? 0;
  const reportedInput = request.tokensIn ?? 0;
  // A request cancelled before any response is written with all counts zero: nothing was billed.
  if (reportedInput + (request.tokensOut ?? 0) + cacheReadTokens + cacheWriteTokens === 0) return { kind: 'no_usage' };
  const inputTokens =
    request.apiProtocol === 'openai' ? Math.max(0, reportedInput - cacheReadTokens - cacheWriteTokens) : reportedInput;
  const tagged = readMessageModel(entry);
  const record = createRecord(
    {
      dialect,
      // A file handed over by its path names its own agent; the scanner would stamp the reading module's.
      agent: dialect,
      timestamp: time.value,
      model: request.modelId ?? tagged.model ?? UNKNOWN_MODEL,
      provider: request.providerId ?? tagged.provider,
      session: task,
      task: entry['say'] === 'deleted_api_reqs' ? 'deleted requests' : null,
      recordedCostUsd: request.cost != null && request.cost > 0 ? request.cost : null,
      cacheReported: request.cacheReads != null || request.cacheWrites != null,
      // Deleted requests are folded into one message: their sum, not one call.
      aggregate: entry['say'] === 'deleted_api_reqs',
    },
    {
      inputTokens,
      outputTokens: request.tokensOut ?? 0,
      reasoningTokens: request.reasoningTokens ?? 0,
      cacheReadTokens,
      cacheWriteTokens,
    },
  );
  const stamp = entry['ts'];
  if (task === null || (typeof stamp !== 'number' && typeof stamp !== 'string')) return { kind: 'record', record };
  return { kind: 'record', record, dedupKey: `${dialect}:${task}:${String(stamp)}` };
}

/**
 * Every message that can carry usage, in document order: one outcome per
 * `say` message of the two usage kinds (other messages are not entries, so
 * problems are numbered among the requests).
 */
export function* readTaskMessages(module: TaskDialect, document: unknown, file: FileContext): Iterable<ParseOutcome> {
  const dialect = readDialectFromPath(file.path) ?? module;
  if (!Array.isArray(document)) {
    yield invalid('not_an_object', 'ui_messages.json is a JSON array of messages');
    return;
  }
  const task = readTaskId(file.path);
  for (const message of document) {
    const entry = asObject(message);
    if (entry !== undefined && (entry['type'] !== 'say' || !USAGE_MESSAGES.has(String(entry['say'])))) continue;
    yield readEntry(dialect, task, message);
  }
}

export type TaskDialect = 'cline' | 'roo-code' | 'kilo-code';

/** The three extensions write the same file; its folder in global storage says which wrote it. */
const EXTENSION_DIALECTS: ReadonlyArray<readonly [string, TaskDialect]> = [
  ['saoudrizwan.claude-dev', 'cline'],
  ['rooveterinaryinc.roo-cline', 'roo-code'],
  ['kilocode.kilo-code', 'kilo-code'],
];

/**
 * The first module whose file name matches reads every `ui_messages.json`,
 * so the extension id in the path decides whose task it is; a file outside
 * an editor's global storage stays with the module that read it.
 */
function readDialectFromPath(path: string): TaskDialect | undefined {
  const parts = path.toLowerCase().split(/[\\/]/);
  for (const [extension, dialect] of EXTENSION_DIALECTS) if (parts.includes(extension)) return dialect;
  return undefined;
}

/** A task document: an array whose messages have `ts` and `type` ask/say. */
export function isTaskDocument(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  const first = asObject(value[0]);
  return first === undefined || (typeof first['ts'] === 'number' && (first['type'] === 'say' || first['type'] === 'ask'));
}

/** The editors that host these extensions, by their application-data folder names. */
const EDITOR_FOLDERS = ['Code', 'Code - Insiders', 'VSCodium', 'Cursor', 'Windsurf'] as const;

/**
 * Electron's application-data folder: `%APPDATA%` on Windows,
 * `~/Library/Application Support` on macOS, `$XDG_CONFIG_HOME` or `~/.config`
 * elsewhere.
 */
function readApplicationData(environment: Environment): string {
  if (environment.platform === 'win32') {
    return environment.variables['APPDATA'] || join(environment.home, 'AppData', 'Roaming');
  }
  if (environment.platform === 'darwin') return join(environment.home, 'Library', 'Application Support');
  return environment.variables['XDG_CONFIG_HOME'] || join(environment.home, '.config');
}

/** `tasks` folders of one extension in every editor's global storage. */
export function locateExtensionTasks(environment: Environment, extensionId: string, title: string): DefaultLocation[] {
  const applicationData = readApplicationData(environment);
  return EDITOR_FOLDERS.map((editor) => ({
    path: join(applicationData, editor, 'User', 'globalStorage', extensionId, 'tasks'),
    description: editor === 'Code' ? title : `${title} (${editor})`,
  }));
}
