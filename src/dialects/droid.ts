/**
 * Droid, Factory's coding agent, keeps each session as a transcript
 * `<session id>.jsonl` (no usage in it) beside a sidecar
 * `<session id>.settings.json` under `~/.factory/sessions/<encoded cwd>/`.
 * The sidecar is rewritten on every save and holds the session's running
 * totals in `tokenUsage`: `inputTokens` (fresh), `cacheCreationTokens`,
 * `cacheReadTokens`, `outputTokens`, `thinkingTokens`; `model` and
 * `providerLock` name the model and its provider, `providerLockTimestamp`
 * when the session locked onto it.
 *
 * One record per sidecar, keyed on the session id, so a document read again
 * after a save replaces nothing twice. The trap: `inclusiveTokenUsage` rolls
 * the session's child (mission-worker) sessions into its own, and each child
 * has its own sidecar: only `tokenUsage` is counted, never the inclusive sum.
 */
import { basename, dirname, join } from 'node:path';
import { createRecord } from '../core/record.js';
import type { DialectModule } from './module.js';
import { nullish, object, optionalText, timestampValue, tokenCount } from './schema.js';
import { type FileContext, invalid, type JsonObject, type ParseOutcome, requireTimestamp, validate } from './types.js';

export const droidSettingsSchema = object({
  model: optionalText,
  providerLock: optionalText,
  providerLockTimestamp: timestampValue,
  tokenUsage: object({
    inputTokens: nullish(tokenCount),
    outputTokens: nullish(tokenCount),
    cacheCreationTokens: nullish(tokenCount),
    cacheReadTokens: nullish(tokenCount),
    thinkingTokens: nullish(tokenCount),
  }),
});

const SETTINGS_SUFFIX = /\.settings\.json$/;

function readLocation(path: string): { session: string | null; project: string | null } {
  if (path === '-' || path === '') return { session: null, project: null };
  const session = basename(path).replace(SETTINGS_SUFFIX, '');
  const project = basename(dirname(path));
  return { session: session === '' ? null : session, project: project === '' || project === '.' ? null : project };
}

/**
 * Droid names a bring-your-own-key model `custom:<display name>-<n>`; the
 * display name is the only model name there is, so it is kept as written.
 */
function readModel(model: string | null | undefined): string {
  return model ?? '';
}

export function* readDroidSettings(document: unknown, file: FileContext): Iterable<ParseOutcome> {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    yield invalid('not_an_object', 'a Droid settings file is one JSON object');
    return;
  }
  if (!('tokenUsage' in (document as JsonObject))) {
    yield { kind: 'no_usage' };
    return;
  }
  const checked = validate(droidSettingsSchema, document);
  if (!checked.ok) {
    yield checked.outcome;
    return;
  }
  const settings = checked.value;
  const time = requireTimestamp(settings.providerLockTimestamp, 'providerLockTimestamp');
  if (!time.ok) {
    yield time.outcome;
    return;
  }
  const usage = settings.tokenUsage;
  const inputTokens = usage.inputTokens ?? 0;
  const outputTokens = usage.outputTokens ?? 0;
  const cacheReadTokens = usage.cacheReadTokens ?? 0;
  const cacheWriteTokens = usage.cacheCreationTokens ?? 0;
  if (inputTokens + outputTokens + cacheReadTokens + cacheWriteTokens === 0) {
    yield { kind: 'no_usage' };
    return;
  }
  const { session, project } = readLocation(file.path);
  const record = createRecord(
    {
      dialect: 'droid',
      timestamp: time.value,
      model: readModel(settings.model),
      provider: settings.providerLock,
      session,
      project,
      cacheReported: usage.cacheReadTokens != null || usage.cacheCreationTokens != null,
      // The session's running totals, not one call.
      aggregate: true,
    },
    {
      inputTokens,
      outputTokens,
      // Thinking is reported beside output; providers bill it as output, so it is read as the reasoning part of it.
      reasoningTokens: usage.thinkingTokens ?? 0,
      cacheReadTokens,
      cacheWriteTokens,
    },
  );
  if (session === null) {
    yield { kind: 'record', record };
    return;
  }
  yield { kind: 'record', record, dedupKey: `droid:${session}` };
}

export const droid: DialectModule<'droid'> = {
  name: 'droid',
  agent: 'droid',
  title: 'Droid (Factory)',
  description: 'Droid session sidecars (*.settings.json): running session totals of input, cache and output tokens',
  reader: 'document',
  fileNames: SETTINGS_SUFFIX,
  // Droid keeps its transcripts (no usage) beside the sidecars: only the sidecars are read there.
  locations: (environment) => [{ path: join(environment.home, '.factory', 'sessions'), description: 'Droid (Factory)', fileNames: SETTINGS_SUFFIX }],
  markers: [],
  detect: (value) => typeof value['tokenUsage'] === 'object' && ('providerLock' in value || 'model' in value),
  readDocument: readDroidSettings,
  docs: 'record.md#droid-factory',
  fixture: 'fixtures/logs/droid',
};
