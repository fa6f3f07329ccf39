/**
 * OpenCode messages. Since 1.2 they are rows of the SQLite database
 * `~/.local/share/opencode/opencode.db` (`$XDG_DATA_HOME/opencode/…`): table
 * `message` (id, session_id, time_created, time_updated, data), where `data`
 * is the message as JSON; the session's folder is `session.directory`. Before
 * that, each message was a file `storage/message/<session>/msg_<id>.json`
 * holding the same JSON with its `id` and `sessionID`.
 *
 * Only `role: "assistant"` messages carry usage: `modelID`, `providerID`,
 * `cost` (USD, computed by OpenCode from its own prices; 0 when it had none),
 * `time.created` (epoch ms) and `tokens {input, output, reasoning, cache:
 * {read, write}}`. OpenCode's getUsage already takes the cache out of `input`
 * and keeps `reasoning` beside `output` (it bills both at the output rate).
 *
 * Duplicate traps: a fork clones every message under a new id and session but
 * keeps its time and counts; the migration to the database leaves the old
 * files behind. A message therefore counts once per fingerprint: creation
 * time, provider, model and the five counts.
 */
import { basename, join } from 'node:path';
import { createRecord } from '../core/record.js';
import type { DefaultLocation, DialectModule, Environment, SqliteReader } from './module.js';
import { costValue, literal, nullish, number, object, optionalCount, optionalText, tokenCount } from './schema.js';
import { type FileContext, invalid, type JsonObject, type ParseOutcome, validate } from './types.js';

export const openCodeAssistantSchema = object({
  id: optionalText,
  sessionID: optionalText,
  role: literal('assistant'),
  modelID: optionalText,
  providerID: optionalText,
  // Some versions nest the model instead: {providerID, modelID} or {providerID, id}.
  model: nullish(object({ id: optionalText, modelID: optionalText, providerID: optionalText })),
  cost: costValue,
  time: object({ created: number, completed: nullish(number) }),
  tokens: object({
    input: tokenCount,
    output: tokenCount,
    reasoning: optionalCount,
    cache: nullish(object({ read: optionalCount, write: optionalCount })),
  }),
  path: nullish(object({ cwd: optionalText, root: optionalText })),
});

/** What the row around a message tells (database), or nothing (files). */
interface RowContext {
  id: string | null;
  session: string | null;
  directory: string | null;
}

function readText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function lastSegment(path: string | null | undefined): string | null {
  if (!path) return null;
  const segment = basename(path.replace(/[\\/]+$/, ''));
  return segment === '' ? null : segment;
}

export function readOpenCodeMessage(value: unknown, row: RowContext): ParseOutcome {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('not_an_object', 'a message must be a JSON object');
  }
  const message = value as JsonObject;
  if (message['role'] !== 'assistant') return { kind: 'no_usage' };
  const checked = validate(openCodeAssistantSchema, message);
  if (!checked.ok) return checked.outcome;
  const line = checked.value;
  const tokens = line.tokens;
  const reasoning = tokens.reasoning ?? 0;
  const cacheRead = tokens.cache?.read ?? 0;
  const cacheWrite = tokens.cache?.write ?? 0;
  // OpenCode writes the message when the request starts, all counts 0, and
  // fills them in when it finishes; one that never finished used nothing.
  if (tokens.input + tokens.output + reasoning + cacheRead + cacheWrite === 0) return { kind: 'no_usage' };
  const created = line.time.created;
  if (!Number.isFinite(created) || created < 0) {
    return invalid('invalid_timestamp', `time.created: cannot read ${JSON.stringify(created)} as a time`);
  }
  const folder = line.path?.root ?? line.path?.cwd ?? row.directory;
  const provider = line.providerID ?? line.model?.providerID ?? '';
  const model = line.modelID ?? line.model?.modelID ?? line.model?.id ?? '';
  const record = createRecord(
    {
      dialect: 'opencode',
      timestamp: Math.trunc(created),
      model,
      provider: provider === '' ? null : provider,
      session: row.session ?? line.sessionID,
      project: lastSegment(folder),
      projectPath: folder,
      requestId: row.id ?? line.id,
      // OpenCode writes 0 for a model it has no price for: that is "no
      // recorded cost", not "free".
      recordedCostUsd: line.cost != null && line.cost > 0 ? line.cost : null,
      cacheReported: tokens.cache != null,
    },
    {
      inputTokens: tokens.input,
      outputTokens: tokens.output + reasoning,
      reasoningTokens: reasoning,
      cacheReadTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
    },
  );
  const fingerprint = [created, provider, model, tokens.input, tokens.output, reasoning, cacheRead, cacheWrite].join(':');
  return { kind: 'record', record, dedupKey: `opencode:${fingerprint}` };
}

/** The database: sessions' folders first (a small table), then every message in creation order. */
function* readOpenCodeDatabase(database: SqliteReader): Iterable<ParseOutcome> {
  const tables = database.tables();
  if (!tables.includes('message')) return;
  const messageColumns = database.columns('message');
  if (!messageColumns.includes('data')) return;
  const directories = new Map<string, string>();
  if (tables.includes('session')) {
    const sessionColumns = database.columns('session');
    if (sessionColumns.includes('id') && sessionColumns.includes('directory')) {
      for (const row of database.iterate('SELECT id, directory FROM session')) {
        const id = readText(row['id']);
        const directory = readText(row['directory']);
        if (id && directory) directories.set(id, directory);
      }
    }
  }
  const hasId = messageColumns.includes('id');
  const hasSession = messageColumns.includes('session_id');
  const select = ['data', hasId ? 'id' : null, hasSession ? 'session_id' : null].filter((column) => column !== null);
  const order = messageColumns.includes('time_created') ? (hasId ? 'time_created, id' : 'time_created') : 'rowid';
  for (const row of database.iterate(`SELECT ${select.join(', ')} FROM message ORDER BY ${order}`)) {
    const session = hasSession ? readText(row['session_id']) : null;
    const context: RowContext = {
      id: hasId ? readText(row['id']) : null,
      session,
      directory: session ? (directories.get(session) ?? null) : null,
    };
    const data = row['data'];
    if (typeof data !== 'string') {
      yield readOpenCodeMessage(data, context);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      yield invalid('invalid_json', 'message.data is not valid JSON');
      continue;
    }
    yield readOpenCodeMessage(value, context);
  }
}

/** A pre-1.2 message file: one message, its own ids inside. */
function* readOpenCodeFile(document: unknown, _file: FileContext): Iterable<ParseOutcome> {
  yield readOpenCodeMessage(document, { id: null, session: null, directory: null });
}

function locateOpenCode(environment: Environment): DefaultLocation[] {
  const custom = environment.variables['XDG_DATA_HOME'];
  const data = custom ? join(custom, 'opencode') : join(environment.home, '.local', 'share', 'opencode');
  const suffix = custom ? ' ($XDG_DATA_HOME)' : '';
  return [
    { path: join(data, 'opencode.db'), description: `OpenCode${suffix}` },
    { path: join(data, 'storage', 'message'), description: `OpenCode before 1.2${suffix}` },
  ];
}

export const openCode: DialectModule<'opencode'> = {
  name: 'opencode',
  agent: 'opencode',
  title: 'OpenCode',
  description:
    'OpenCode assistant messages from opencode.db (and pre-1.2 storage/message files): tokens as OpenCode bills them, forks and migrated copies counted once',
  // The database since 1.2; the older per-message files are whole documents
  // read through readDocument (see docs/record.md#opencode).
  reader: 'sqlite',
  fileNames: /^(?:opencode\.db|msg_[^/\\]+\.json)$/,
  locations: locateOpenCode,
  markers: [],
  // A message file; or, for a database file name another module also claims,
  // the list of its tables.
  detect: (value) => {
    const tables = value['tables'];
    if (Array.isArray(tables)) return tables.includes('message') && tables.includes('session');
    return typeof value['role'] === 'string' && typeof value['time'] === 'object' && ('modelID' in value || 'sessionID' in value || 'model' in value);
  },
  readDatabase: readOpenCodeDatabase,
  readDocument: readOpenCodeFile,
  docs: 'record.md#opencode',
  fixture: 'fixtures/logs/opencode',
};
