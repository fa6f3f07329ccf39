/**
 * Amp threads, `~/.local/share/amp/threads/T-<id>.json` (`$XDG_DATA_HOME/amp/…`):
 * one whole JSON document per thread, rewritten as the thread grows:
 * `{id, created (epoch ms), title, messages: [...], usageLedger?: {events}}`.
 *
 * Usage appears in two places that describe the same model calls:
 * - `messages[].usage` on assistant messages (current versions):
 *   `{model, inputTokens, outputTokens, cacheCreationInputTokens,
 *   cacheReadInputTokens, totalInputTokens, credits, timestamp}`, with
 *   `inputTokens` fresh (the total input adds the cache counts to it);
 * - `usageLedger.events[]` (older versions, sometimes both): `{id, timestamp,
 *   model, credits, tokens: {input, output}, fromMessageId, toMessageId}`,
 *   without cache counts.
 * A message's usage wins; a ledger event pointing at a message that has usage
 * (`toMessageId`) is the same call again and counts as a duplicate.
 */
import { join } from 'node:path';
import { createRecord, type UsageRecord } from '../core/record.js';
import type { DefaultLocation, DialectModule, Environment } from './module.js';
import { costValue, nullish, number, object, optionalCount, optionalText, string, timestampValue, tokenCount } from './schema.js';
import { type FileContext, invalid, type JsonObject, type ParseOutcome, readTimestamp, requireTimestamp, validate } from './types.js';

export const ampMessageUsageSchema = object({
  model: optionalText,
  inputTokens: tokenCount,
  outputTokens: tokenCount,
  cacheCreationInputTokens: optionalCount,
  cacheReadInputTokens: optionalCount,
  totalInputTokens: optionalCount,
  credits: costValue,
  timestamp: timestampValue,
});

export const ampLedgerEventSchema = object({
  id: optionalText,
  timestamp: timestampValue,
  model: string,
  credits: costValue,
  tokens: object({
    input: optionalCount,
    output: optionalCount,
    cacheReadInputTokens: optionalCount,
    cacheCreationInputTokens: optionalCount,
  }),
  toMessageId: optionalCount,
});

const threadSchema = object({ id: optionalText, created: nullish(number) });

interface Thread {
  id: string | null;
  created: number | null;
  project: string | null;
  projectPath: string | null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first workspace tree's name and folder, when the thread records one (`env.initial.trees`). */
function readProject(document: JsonObject): { project: string | null; projectPath: string | null } {
  const initial = isObject(document['env']) ? document['env']['initial'] : undefined;
  const trees = isObject(initial) ? initial['trees'] : undefined;
  const first = Array.isArray(trees) ? trees[0] : undefined;
  if (!isObject(first)) return { project: null, projectPath: null };
  const name = first['displayName'];
  const uri = first['uri'];
  return {
    project: typeof name === 'string' && name !== '' ? name : null,
    projectPath: typeof uri === 'string' && uri.startsWith('file://') ? decodeURIComponent(uri.slice('file://'.length)) : null,
  };
}

/** Amp credits are read as US dollars (docs/record.md#amp); 0 is "none recorded". */
function readCredits(credits: number | null | undefined): number | null {
  return credits != null && credits > 0 ? credits : null;
}

/** Validated on the message, so a problem names `usage.<field>`. */
const ampMessageSchema = object({ usage: ampMessageUsageSchema });

function readMessageUsage(message: JsonObject, thread: Thread, ledgerTime: unknown): ParseOutcome {
  const checked = validate(ampMessageSchema, message);
  if (!checked.ok) return checked.outcome;
  const usage = checked.value.usage;
  const time = requireTimestamp(usage.timestamp ?? ledgerTime ?? thread.created, 'usage.timestamp');
  if (!time.ok) return time.outcome;
  const cacheRead = usage.cacheReadInputTokens ?? 0;
  const cacheWrite = usage.cacheCreationInputTokens ?? 0;
  // inputTokens is fresh (Anthropic's convention) whenever the total input
  // adds the cache to it; a total equal to inputTokens means the cache is
  // already inside it.
  const cacheInside = usage.totalInputTokens != null && usage.totalInputTokens === usage.inputTokens && cacheRead + cacheWrite > 0;
  const inputTokens =
    cacheInside && cacheRead + cacheWrite <= usage.inputTokens ? usage.inputTokens - cacheRead - cacheWrite : usage.inputTokens;
  const record: UsageRecord = createRecord(
    {
      dialect: 'amp',
      timestamp: time.value,
      model: usage.model ?? '',
      session: thread.id,
      project: thread.project,
      projectPath: thread.projectPath,
      recordedCostUsd: readCredits(usage.credits),
      cacheReported: usage.cacheReadInputTokens != null || usage.cacheCreationInputTokens != null,
    },
    { inputTokens, outputTokens: usage.outputTokens, cacheReadTokens: cacheRead, cacheWriteTokens: cacheWrite },
  );
  const messageId = message['messageId'];
  return thread.id && typeof messageId === 'number'
    ? { kind: 'record', record, dedupKey: `amp:${thread.id}:message:${messageId}` }
    : { kind: 'record', record };
}

function readLedgerEvent(value: unknown, index: number, thread: Thread): ParseOutcome {
  const checked = validate(ampLedgerEventSchema, value);
  if (!checked.ok) return checked.outcome;
  const event = checked.value;
  const time = requireTimestamp(event.timestamp ?? thread.created, 'timestamp');
  if (!time.ok) return time.outcome;
  const record = createRecord(
    {
      dialect: 'amp',
      timestamp: time.value,
      model: event.model,
      session: thread.id,
      project: thread.project,
      projectPath: thread.projectPath,
      recordedCostUsd: readCredits(event.credits),
      cacheReported: event.tokens.cacheReadInputTokens != null || event.tokens.cacheCreationInputTokens != null,
    },
    {
      inputTokens: event.tokens.input ?? 0,
      outputTokens: event.tokens.output ?? 0,
      cacheReadTokens: event.tokens.cacheReadInputTokens ?? 0,
      cacheWriteTokens: event.tokens.cacheCreationInputTokens ?? 0,
    },
  );
  const key = event.id ?? String(index);
  return thread.id ? { kind: 'record', record, dedupKey: `amp:${thread.id}:event:${key}` } : { kind: 'record', record };
}

/** One outcome per message, then one per ledger event, in document order. */
function* readAmpThread(document: unknown, _file: FileContext): Iterable<ParseOutcome> {
  if (!isObject(document)) {
    yield invalid('not_an_object', 'an Amp thread must be a JSON object');
    return;
  }
  const checked = validate(threadSchema, document);
  if (!checked.ok) {
    yield checked.outcome;
    return;
  }
  const created = checked.value.created;
  const thread: Thread = {
    id: checked.value.id ?? null,
    created: created != null && Number.isFinite(readTimestamp(created)) ? created : null,
    ...readProject(document),
  };
  const messages = Array.isArray(document['messages']) ? document['messages'] : [];
  const ledger = isObject(document['usageLedger']) ? document['usageLedger']['events'] : undefined;
  const events = Array.isArray(ledger) ? ledger : [];
  // Ledger times, by the message they end at, for messages whose usage has none.
  const ledgerTimes = new Map<number, unknown>();
  for (const event of events) {
    if (isObject(event) && typeof event['toMessageId'] === 'number') ledgerTimes.set(event['toMessageId'], event['timestamp']);
  }
  const messagesWithUsage = new Set<number>();
  for (const message of messages) {
    if (!isObject(message)) {
      yield invalid('not_an_object', 'a message must be a JSON object');
      continue;
    }
    if (message['role'] !== 'assistant' || message['usage'] == null) {
      yield { kind: 'no_usage' };
      continue;
    }
    const messageId = message['messageId'];
    if (typeof messageId === 'number') messagesWithUsage.add(messageId);
    yield readMessageUsage(message, thread, typeof messageId === 'number' ? ledgerTimes.get(messageId) : undefined);
  }
  for (const [index, event] of events.entries()) {
    if (isObject(event) && typeof event['toMessageId'] === 'number' && messagesWithUsage.has(event['toMessageId'])) {
      yield { kind: 'duplicate' };
      continue;
    }
    yield readLedgerEvent(event, index, thread);
  }
}

function locateAmp(environment: Environment): DefaultLocation[] {
  const custom = environment.variables['XDG_DATA_HOME'];
  return custom
    ? [{ path: join(custom, 'amp', 'threads'), description: 'Amp ($XDG_DATA_HOME)' }]
    : [{ path: join(environment.home, '.local', 'share', 'amp', 'threads'), description: 'Amp' }];
}

export const amp: DialectModule<'amp'> = {
  name: 'amp',
  agent: 'amp',
  title: 'Amp',
  description:
    'Amp thread documents: usage on assistant messages, else usage-ledger events, each model call counted once',
  reader: 'document',
  fileNames: /^T-[^/\\]+\.json$/,
  locations: locateAmp,
  markers: [],
  detect: (value) =>
    typeof value['id'] === 'string' &&
    (Array.isArray(value['messages']) || isObject(value['usageLedger'])) &&
    ('created' in value || 'usageLedger' in value || 'v' in value),
  readDocument: readAmpThread,
  docs: 'record.md#amp',
  fixture: 'fixtures/logs/amp',
};

