/**
 * Read-only access to an agent's SQLite database without ever touching the
 * live file's locks: the database and its write-ahead log are copied to a
 * private temporary folder and the copy is opened. An agent that is writing
 * (WAL mode, an open write transaction, even `locking_mode=exclusive`) is
 * never blocked or disturbed, and committed rows still in the WAL are seen,
 * because SQLite replays the copied log when it opens the copy.
 *
 * The engine is node-sqlite3-wasm: SQLite compiled to WebAssembly, shipped
 * inside the npm package (no install script, no download, any Node version),
 * reading pages through Node's fs as it goes, so memory stays flat however
 * large the database. It has no shared-memory support, so the copy is opened
 * in exclusive locking mode, which keeps SQLite's WAL index in the process's
 * own memory; that is harmless on a private copy and the reason the live file
 * is never opened directly. The module is loaded on first use only, so runs
 * without databases pay nothing for it.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SqliteReader } from '../dialects/module.js';

type SqliteValue = number | bigint | string | Uint8Array | null;

interface WasmStatement {
  iterate(values?: unknown[]): IterableIterator<Record<string, SqliteValue>>;
  finalize(): void;
}

interface WasmDatabase {
  exec(sql: string): void;
  prepare(sql: string): WasmStatement;
  close(): void;
}

type WasmDatabaseConstructor = new (path: string, options?: { fileMustExist?: boolean; readOnly?: boolean }) => WasmDatabase;

let databaseConstructor: WasmDatabaseConstructor | undefined;

/** Loads the WebAssembly engine once, synchronously (it instantiates in ~20 ms). */
function loadEngine(): WasmDatabaseConstructor {
  if (databaseConstructor === undefined) {
    const require = createRequire(import.meta.url);
    databaseConstructor = (require('node-sqlite3-wasm') as { Database: WasmDatabaseConstructor }).Database;
  }
  return databaseConstructor;
}

/** The companions SQLite keeps beside a database; `-shm` is rebuilt from the log, so it is not copied. */
const COMPANION_SUFFIXES = ['-wal', '-journal'] as const;

/** How often a copy is retried when the writer changed the files while they were copied. */
const COPY_ATTEMPTS = 3;

function fingerprint(path: string): string {
  return ['', ...COMPANION_SUFFIXES]
    .map((suffix) => {
      try {
        const status = statSync(path + suffix);
        return `${status.size}:${status.mtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join('|');
}

/**
 * Copies the database and its log. The two files are not copied atomically:
 * a checkpoint between them could pair an old database with a newer log, so
 * the copy is retried while the files' sizes or times moved during it. After
 * the last attempt the copy is used as it is; an inconsistent one then fails
 * to open or to read, which becomes the caller's one warning.
 */
function copyDatabase(path: string, folder: string): string {
  const copy = join(folder, 'copy.db');
  for (let attempt = 1; ; attempt++) {
    const before = fingerprint(path);
    copyFileSync(path, copy);
    for (const suffix of COMPANION_SUFFIXES) {
      rmSync(copy + suffix, { force: true });
      if (existsSync(path + suffix)) copyFileSync(path + suffix, copy + suffix);
    }
    if (fingerprint(path) === before || attempt === COPY_ATTEMPTS) return copy;
  }
}

function toPlainValue(value: SqliteValue): unknown {
  // Token counts never exceed 2^53; a bigint only appears for huge integers.
  return typeof value === 'bigint' ? Number(value) : value;
}

/** The code every failure of the engine carries, so readers report it like a file-system error. */
export const SQLITE_UNREADABLE = 'SQLITE_UNREADABLE';

/**
 * A file-system failure (missing file, permission, a lock that stops the
 * copy) keeps its own code; an engine failure (not a database, corrupt
 * pages, a bad query) becomes one error with SQLITE_UNREADABLE. Either way
 * it is a read error with a string `code`: the scan lists the database as
 * unreadable with this message and goes on, never a crash.
 */
function toReadError(error: unknown): Error {
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') return error;
  const reason = error instanceof Error ? error.message : String(error);
  return Object.assign(new Error(`not a readable SQLite database (${reason})`), { code: SQLITE_UNREADABLE });
}

/**
 * Opens `path` for reading through a private copy. Throws a read error (see
 * toReadError) when the file is missing, locked against copying, or not a
 * readable database, and the same when a query fails part-way.
 */
export function openSqliteReader(path: string): SqliteReader & { close(): void } {
  let folder: string | undefined;
  let database: WasmDatabase | undefined;
  const release = (): void => {
    try {
      database?.close();
    } catch {
      // Closing a copy can only fail on the copy; nothing to tell the user.
    }
    database = undefined;
    if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
    folder = undefined;
  };
  try {
    folder = mkdtempSync(join(tmpdir(), 'usage-sqlite-'));
    const copy = copyDatabase(path, folder);
    const Database = loadEngine();
    database = new Database(copy, { fileMustExist: true });
    database.exec('PRAGMA locking_mode=EXCLUSIVE');
    // Reads the schema now, so a corrupt or non-database file fails at open, not mid-report.
    database.exec('SELECT count(*) FROM sqlite_master');
  } catch (error) {
    release();
    throw toReadError(error);
  }
  const open = (): WasmDatabase => {
    if (database === undefined) throw toReadError(new Error('the database was already closed'));
    return database;
  };
  function* iterate(sql: string, ...parameters: unknown[]): Generator<Record<string, unknown>> {
    let statement: WasmStatement;
    try {
      statement = open().prepare(sql);
    } catch (error) {
      throw toReadError(error);
    }
    try {
      const rows = statement.iterate(parameters);
      for (;;) {
        let next: IteratorResult<Record<string, SqliteValue>>;
        try {
          next = rows.next();
        } catch (error) {
          throw toReadError(error);
        }
        if (next.done) return;
        const row: Record<string, unknown> = {};
        for (const [column, value] of Object.entries(next.value)) row[column] = toPlainValue(value);
        yield row;
      }
    } finally {
      statement.finalize();
    }
  }
  return {
    tables: () =>
      Array.from(iterate("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name"), (row) =>
        String(row['name']),
      ),
    columns: (table) => Array.from(iterate('SELECT name FROM pragma_table_info(?)', table), (row) => String(row['name'])),
    iterate,
    close: release,
  };
}
