/**
 * Goose (block/goose) keeps its sessions in SQLite:
 * `~/.local/share/goose/sessions/sessions.db`, table `sessions`, one row per
 * session (crates/goose/src/session/, migrations.rs and the sqlx queries).
 * The row is rewritten after every turn: `input_tokens`, `output_tokens`,
 * `total_tokens` hold the LAST turn only, the `accumulated_*` columns the
 * running totals of the whole session; newer schemas add
 * `accumulated_cache_read_tokens`, `accumulated_cache_write_tokens` and
 * `accumulated_cost`. So each session is one record from its accumulated
 * columns; adding the last-turn columns as well would count that turn twice.
 *
 * Goose's input count includes the cache: `Usage::from_cache_exclusive_input`
 * folds Anthropic's cache reads and writes into `input_tokens`, and OpenAI's
 * prompt tokens include cached ones. Fresh input is input minus both cache
 * counts. A total above input + output is thinking that Gemini reports
 * outside its output count; it is billed as output, so it is added to output
 * and marked as reasoning.
 *
 * Where goose writes: `$GOOSE_PATH_ROOT/data` when that is an absolute path,
 * else etcetera's app strategy: `$XDG_DATA_HOME/goose` or
 * `~/.local/share/goose` (Linux and macOS), `%APPDATA%\Block\goose\data`
 * (Windows); older macOS builds used `~/Library/Application Support/Block/goose`.
 */
import { basename, isAbsolute, join } from 'node:path';
import { createRecord } from '../core/record.js';
import type { DialectModule, SqliteReader } from './module.js';
import { costValue, nullish, object, optionalText, timestampValue, tokenCount } from './schema.js';
import { type FileContext, type ParseOutcome, requireTimestamp, validate } from './types.js';

const count = nullish(tokenCount);

export const gooseSessionSchema = object({
  id: optionalText,
  working_dir: optionalText,
  provider_name: optionalText,
  model_config_json: optionalText,
  created_at: timestampValue,
  updated_at: timestampValue,
  input_tokens: count,
  output_tokens: count,
  total_tokens: count,
  accumulated_input_tokens: count,
  accumulated_output_tokens: count,
  accumulated_total_tokens: count,
  accumulated_cache_read_tokens: count,
  accumulated_cache_write_tokens: count,
  accumulated_cost: costValue,
});

const GOOSE_COLUMNS = Object.keys(gooseSessionSchema.kind === 'object' ? gooseSessionSchema.shape : {});

function readModelName(json: string | null | undefined): string {
  if (json == null || json === '') return '';
  try {
    const config = JSON.parse(json) as { model_name?: unknown };
    return typeof config.model_name === 'string' ? config.model_name : '';
  } catch {
    // A model config goose could not write as JSON leaves the model unknown; the tokens still count.
    return '';
  }
}

function readSessionRow(row: Record<string, unknown>): ParseOutcome {
  const checked = validate(gooseSessionSchema, row);
  if (!checked.ok) return checked.outcome;
  const session = checked.value;
  const accumulated =
    session.accumulated_input_tokens != null ||
    session.accumulated_output_tokens != null ||
    session.accumulated_total_tokens != null;
  // Sessions from before the running totals existed only have the last-turn columns.
  const input = (accumulated ? session.accumulated_input_tokens : session.input_tokens) ?? 0;
  const output = (accumulated ? session.accumulated_output_tokens : session.output_tokens) ?? 0;
  const total = (accumulated ? session.accumulated_total_tokens : session.total_tokens) ?? 0;
  const cacheReadTokens = session.accumulated_cache_read_tokens ?? 0;
  const cacheWriteTokens = session.accumulated_cache_write_tokens ?? 0;
  if (input + output + total === 0) return { kind: 'no_usage' };
  const field = session.updated_at != null ? 'updated_at' : 'created_at';
  const time = requireTimestamp(session.updated_at ?? session.created_at, field);
  if (!time.ok) return time.outcome;
  const unreportedThinking = Math.max(0, total - input - output);
  const record = createRecord(
    {
      dialect: 'goose',
      timestamp: time.value,
      model: readModelName(session.model_config_json),
      provider: session.provider_name,
      session: session.id,
      project: session.working_dir ? basename(session.working_dir) : null,
      projectPath: session.working_dir,
      recordedCostUsd: session.accumulated_cost != null && session.accumulated_cost > 0 ? session.accumulated_cost : null,
      cacheReported: session.accumulated_cache_read_tokens != null || session.accumulated_cache_write_tokens != null,
      // The session's accumulated totals, not one call.
      aggregate: true,
    },
    {
      inputTokens: Math.max(0, input - cacheReadTokens - cacheWriteTokens),
      outputTokens: output + unreportedThinking,
      reasoningTokens: unreportedThinking,
      cacheReadTokens,
      cacheWriteTokens,
    },
  );
  if (session.id == null || session.id === '') return { kind: 'record', record };
  return { kind: 'record', record, dedupKey: `goose:${session.id}` };
}

/** Every session row, oldest first; columns a version of goose lacks read as NULL. */
export function* readGooseDatabase(database: SqliteReader, _file: FileContext): Iterable<ParseOutcome> {
  if (!database.tables().includes('sessions')) return;
  const present = new Set(database.columns('sessions'));
  if (!present.has('accumulated_input_tokens') && !present.has('input_tokens')) return;
  const selected = GOOSE_COLUMNS.map((column) => (present.has(column) ? `"${column}"` : `NULL AS "${column}"`));
  const order = present.has('created_at') ? '"created_at", rowid' : 'rowid';
  for (const row of database.iterate(`SELECT ${selected.join(', ')} FROM "sessions" ORDER BY ${order}`)) {
    yield readSessionRow(row);
  }
}

export const goose: DialectModule<'goose'> = {
  name: 'goose',
  agent: 'goose',
  title: 'Goose',
  description: "Goose's sessions.db: one row per session with running input, output, cache and cost totals",
  reader: 'sqlite',
  fileNames: /^sessions\.db$/,
  locations: (environment) => {
    const root = environment.variables['GOOSE_PATH_ROOT'];
    if (root && isAbsolute(root)) {
      return [{ path: join(root, 'data', 'sessions', 'sessions.db'), description: 'Goose ($GOOSE_PATH_ROOT)' }];
    }
    if (environment.platform === 'win32') {
      const roaming = environment.variables['APPDATA'] || join(environment.home, 'AppData', 'Roaming');
      return [{ path: join(roaming, 'Block', 'goose', 'data', 'sessions', 'sessions.db'), description: 'Goose' }];
    }
    const xdg = environment.variables['XDG_DATA_HOME'];
    const data = xdg && isAbsolute(xdg) ? xdg : join(environment.home, '.local', 'share');
    const locations = [{ path: join(data, 'goose', 'sessions', 'sessions.db'), description: 'Goose' }];
    if (environment.platform === 'darwin') {
      locations.push({
        path: join(environment.home, 'Library', 'Application Support', 'Block', 'goose', 'sessions', 'sessions.db'),
        description: 'Goose (older macOS builds)',
      });
    }
    return locations;
  },
  markers: [],
  // Several modules claim *.db names: the scanner asks with { tables: [...] } which one the database is.
  detect: (value) => Array.isArray(value['tables']) && value['tables'].includes('sessions'),
  readDatabase: readGooseDatabase,
  docs: 'record.md#goose',
  fixture: 'fixtures/logs/goose',
};
