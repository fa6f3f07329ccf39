/**
 * thane's own store: the `usage_records` table of its SQLite usage database
 * (nugget/thane-ai-agent internal/usage/store.go: one row per LLM call,
 * append-only, `timestamp` as RFC 3339 text). The columns carry the snake_case
 * names of the JSONL records the `thane` dialect reads, so each row is handed
 * to that dialect's parser: one mapping, two readers. Older schemas lack the
 * upstream model, resource and cache columns, which read as NULL.
 *
 * thane keeps its databases in its `data_dir` (default `./db`, relative to
 * where it runs), so there is no default location: name the file.
 */
import type { DialectModule, SqliteReader } from './module.js';
import { thane } from './thane.js';
import type { FileContext, ParseOutcome } from './types.js';

const TABLE = 'usage_records';
const COLUMNS = [
  'id',
  'timestamp',
  'request_id',
  'session_id',
  'conversation_id',
  'model',
  'upstream_model',
  'resource',
  'provider',
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_creation_5m_input_tokens',
  'cache_creation_1h_input_tokens',
  'cache_read_input_tokens',
  'cost_usd',
  'role',
  'task_name',
] as const;

export function* readThaneDatabase(database: SqliteReader, file: FileContext): Iterable<ParseOutcome> {
  if (!database.tables().includes(TABLE)) return;
  const present = new Set(database.columns(TABLE));
  if (!present.has('input_tokens') || !present.has('role')) return;
  const selected = COLUMNS.map((column) => (present.has(column) ? `"${column}"` : `NULL AS "${column}"`));
  const parse = thane.createParser?.(file);
  if (parse === undefined) return;
  for (const row of database.iterate(`SELECT ${selected.join(', ')} FROM "${TABLE}" ORDER BY "timestamp", rowid`)) {
    const outcome = parse(row);
    if (outcome.kind !== 'record') {
      yield outcome;
      continue;
    }
    const record = { ...outcome.record, dialect: 'thane-db' as const };
    const id = row['id'];
    if (typeof id !== 'string' || id === '') {
      yield { kind: 'record', record };
      continue;
    }
    // The record id is a UUIDv7 thane generates once: the same call read from two copies of the store counts once.
    yield { kind: 'record', record, dedupKey: `thane-db:${id}` };
  }
}

export const thaneDb: DialectModule<'thane-db'> = {
  name: 'thane-db',
  agent: 'thane',
  title: 'thane (database)',
  description: "thane's SQLite usage_records table, mapped like its JSONL records",
  reader: 'sqlite',
  fileNames: /\.(?:db|sqlite|sqlite3)$/i,
  locations: () => [],
  markers: [],
  // Several modules claim *.db names: the scanner asks with { tables: [...] } which one the database is.
  detect: (value) => Array.isArray(value['tables']) && value['tables'].includes('usage_records'),
  readDatabase: readThaneDatabase,
  docs: 'record.md#thane-database',
  fixture: 'fixtures/logs/thane-db',
};
