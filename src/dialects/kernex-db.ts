/**
 * kernex's own store: the `token_usage` table of its SQLite memory database
 * (kernex-memory migrations 014_token_usage.sql and
 * 016_cache_token_breakdown.sql; rows written by store/usage.rs). A row's
 * columns are exactly the fields of the JSONL export the `kernex` dialect
 * reads (`timestamp` is INTEGER unix seconds here), so each row is handed to
 * that dialect's parser: one mapping, two readers. Rows are only ever
 * inserted, so there is no duplicate inside the table; a JSONL export of the
 * same rows read beside it would count them again.
 *
 * kernex has no fixed place for the database (its config names it), so there
 * is no default location: name the file.
 */
import type { DialectModule, SqliteReader } from './module.js';
import { kernex } from './kernex.js';
import type { FileContext, ParseOutcome } from './types.js';

const TABLE = 'token_usage';
/** Columns the JSONL mapping reads; a version of kernex without the breakdown reads it as NULL. */
const COLUMNS = [
  'sender_id',
  'session_id',
  'model',
  'tokens',
  'cost_usd',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'timestamp',
] as const;

/** The row order kernex inserted them in; the row id also keys each row against a second read. */
export function* readKernexDatabase(database: SqliteReader, file: FileContext): Iterable<ParseOutcome> {
  if (!database.tables().includes(TABLE)) return;
  const present = new Set(database.columns(TABLE));
  if (!present.has('tokens') || !present.has('model')) return;
  const selected = COLUMNS.map((column) => (present.has(column) ? `"${column}"` : `NULL AS "${column}"`));
  const parse = kernex.createParser?.(file);
  if (parse === undefined) return;
  for (const row of database.iterate(`SELECT rowid AS "row id", ${selected.join(', ')} FROM "${TABLE}" ORDER BY rowid`)) {
    const outcome = parse(row);
    if (outcome.kind !== 'record') {
      yield outcome;
      continue;
    }
    yield { kind: 'record', record: { ...outcome.record, dialect: 'kernex-db' }, dedupKey: `kernex-db:${file.path}:${String(row['row id'])}` };
  }
}

export const kernexDb: DialectModule<'kernex-db'> = {
  name: 'kernex-db',
  agent: 'kernex',
  title: 'kernex (database)',
  description: "kernex's SQLite token_usage table, mapped like its JSONL export",
  reader: 'sqlite',
  fileNames: /\.(?:db|sqlite|sqlite3)$/i,
  locations: () => [],
  markers: [],
  // Several modules claim *.db names: the scanner asks with { tables: [...] } which one the database is.
  detect: (value) => Array.isArray(value['tables']) && value['tables'].includes('token_usage'),
  readDatabase: readKernexDatabase,
  docs: 'record.md#kernex-database',
  fixture: 'fixtures/logs/kernex-db',
};
