/**
 * The SQLite reader against a real writer: python3's sqlite3 module plays the
 * agent, holding its database open in WAL mode while we read it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteReader, SQLITE_UNREADABLE } from '../src/sources/sqlite.js';

// The writer: commits three rows (10 + 20 + 30 tokens) that stay in the WAL
// (automatic checkpoints off), then holds an uncommitted fourth row open in a
// write transaction until told to commit on stdin.
const WRITER = `
import sqlite3, sys
path, mode = sys.argv[1], sys.argv[2]
connection = sqlite3.connect(path, isolation_level=None)
connection.execute('PRAGMA journal_mode=WAL')
connection.execute('PRAGMA wal_autocheckpoint=0')
if mode == 'exclusive':
    connection.execute('PRAGMA locking_mode=EXCLUSIVE')
connection.execute('CREATE TABLE token_usage (id INTEGER PRIMARY KEY, model TEXT, tokens INTEGER)')
connection.execute('BEGIN')
for tokens in (10, 20, 30):
    connection.execute('INSERT INTO token_usage (model, tokens) VALUES (?, ?)', ('m', tokens))
connection.execute('COMMIT')
connection.execute('BEGIN IMMEDIATE')
connection.execute("INSERT INTO token_usage (model, tokens) VALUES ('uncommitted', 1000)")
print('ready', flush=True)
sys.stdin.readline()
connection.execute('COMMIT')
print('committed', connection.execute('SELECT sum(tokens) FROM token_usage').fetchone()[0], flush=True)
sys.stdin.readline()
`;

interface Writer {
  process: ChildProcessWithoutNullStreams;
  nextLine(): Promise<string>;
}

function startWriter(path: string, mode: 'shared' | 'exclusive'): Promise<Writer> {
  const child = spawn('python3', ['-c', WRITER, path, mode]);
  let buffered = '';
  const waiting: Array<(line: string) => void> = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      waiting.shift()?.(line);
      newline = buffered.indexOf('\n');
    }
  });
  const writer: Writer = {
    process: child,
    nextLine: () => new Promise((resolve) => waiting.push(resolve)),
  };
  return writer.nextLine().then((line) => {
    expect(line).toBe('ready');
    return writer;
  });
}

let folder: string;
let writers: Writer[] = [];
let savedTemporaryFolder: string | undefined;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'usage-sqlite-test-'));
  // The reader's private copies go here, so the test can see they are removed.
  savedTemporaryFolder = process.env['TMPDIR'];
  process.env['TMPDIR'] = join(folder, 'tmp');
  mkdirSync(process.env['TMPDIR']);
});

afterEach(() => {
  for (const writer of writers) writer.process.kill();
  writers = [];
  if (savedTemporaryFolder === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = savedTemporaryFolder;
  rmSync(folder, { recursive: true, force: true });
});

function sumTokens(path: string): { rows: number; tokens: number } {
  const reader = openSqliteReader(path);
  try {
    let rows = 0;
    let tokens = 0;
    for (const row of reader.iterate('SELECT tokens FROM token_usage WHERE model = ?', 'm')) {
      rows++;
      tokens += row['tokens'] as number;
    }
    return { rows, tokens };
  } finally {
    reader.close();
  }
}

describe('openSqliteReader', () => {
  it('reads committed rows still in the WAL while the writer holds an open write transaction, without disturbing it', async () => {
    const path = join(folder, 'sessions.db');
    const writer = await startWriter(path, 'shared');
    writers.push(writer);
    const walBefore = statSync(`${path}-wal`).size;
    // Rows 10 + 20 + 30 = 60 are committed (in the WAL only); the 1000 is not.
    expect(statSync(path).size).toBeLessThan(walBefore);
    expect(sumTokens(path)).toEqual({ rows: 3, tokens: 60 });
    const reader = openSqliteReader(path);
    expect(reader.tables()).toEqual(['token_usage']);
    expect(reader.columns('token_usage')).toEqual(['id', 'model', 'tokens']);
    reader.close();
    // The live files were not touched and the writer still commits: 60 + 1000 = 1060.
    expect(statSync(`${path}-wal`).size).toBe(walBefore);
    writer.process.stdin.write('\n');
    expect(await writer.nextLine()).toBe('committed 1060');
    // The private copies are gone.
    expect(readdirSync(process.env['TMPDIR'] as string)).toEqual([]);
  });

  it('reads a database whose writer holds it in exclusive locking mode', async () => {
    const path = join(folder, 'locked.db');
    writers.push(await startWriter(path, 'exclusive'));
    // No shared-memory file exists in exclusive mode; the log alone carries the rows.
    expect(existsSync(`${path}-shm`)).toBe(false);
    expect(sumTokens(path)).toEqual({ rows: 3, tokens: 60 });
  });

  it('turns a corrupt file into one read error (a string code, never a crash), leaving no copy behind', () => {
    const path = join(folder, 'corrupt.db');
    writeFileSync(path, 'SQLite format 3\0 but nothing after the header is a database');
    expect(() => openSqliteReader(path)).toThrow(
      expect.objectContaining({ code: SQLITE_UNREADABLE, message: expect.stringMatching(/^not a readable SQLite database \(/) }),
    );
    expect(readdirSync(process.env['TMPDIR'] as string)).toEqual([]);
  });

  it('keeps the file-system code of a missing file', () => {
    expect(() => openSqliteReader(join(folder, 'absent.db'))).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('turns a bad query into a read error, not an engine crash', () => {
    const path = join(folder, 'plain.db');
    const make = spawn('python3', [
      '-c',
      "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()",
      path,
    ]);
    return new Promise<void>((resolve) => {
      make.on('exit', () => {
        const reader = openSqliteReader(path);
        expect(() => Array.from(reader.iterate('SELECT nothing FROM t'))).toThrow(expect.objectContaining({ code: SQLITE_UNREADABLE }));
        expect(reader.columns('t')).toEqual(['x']);
        reader.close();
        resolve();
      });
    });
  });
});
