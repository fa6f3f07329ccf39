/**
 * Finding the files to read (src/sources/discover.ts) and what becomes of a
 * database that no agent's module knows.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readerForFileName } from '../src/dialects/registry.js';
import { ingest } from '../src/ingest/ingest.js';
import { chooseReader } from '../src/ingest/scan.js';
import { discoverFiles } from '../src/sources/discover.js';

describe('discoverFiles', () => {
  it('reads only the named files under a location that names them, and every log-like file elsewhere', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-discover-'));
    mkdirSync(join(folder, 'sessions', 'p'), { recursive: true });
    writeFileSync(join(folder, 'sessions', 'p', 'a.settings.json'), '{}');
    writeFileSync(join(folder, 'sessions', 'p', 'a.jsonl'), '{}\n');
    const restricted = await discoverFiles([{ path: join(folder, 'sessions'), fileNames: /\.settings\.json$/ }]);
    expect(restricted.sources.map((source) => (source.kind === 'file' ? source.path : ''))).toEqual([join(folder, 'sessions', 'p', 'a.settings.json')]);
    const open = await discoverFiles([join(folder, 'sessions')]);
    expect(open.sources).toHaveLength(2);
  });

  it("says once how each file's name has it read, as readerForFileName does (JSON lines when no name claims it)", async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-discover-readers-'));
    const names = ['a.jsonl', 'b.ndjson.gz', 'opencode.db', 'session-1.json', 'T-9.json', 'sessions.db', 'notes.txt', 'x.parquet'];
    for (const name of names) writeFileSync(join(folder, name), '{}\n');
    const named = join(folder, 'notes.txt');
    const { sources } = await discoverFiles([folder, named]);
    const readers = Object.fromEntries(sources.map((source) => (source.kind === 'file' ? [basename(source.path), source.nameReader] : ['', undefined])));
    const expected = Object.fromEntries(
      names.filter((name) => name !== 'notes.txt' && readerForFileName(name) !== undefined).map((name) => [name, readerForFileName(name)]),
    );
    // A file named on the command line is read whatever its name: as JSON lines.
    expect(readers).toEqual({ ...expected, 'notes.txt': 'jsonl' });
    expect(new Set(Object.values(readers))).toEqual(new Set(['jsonl', 'sqlite', 'document', 'parquet']));
    for (const source of sources) expect(chooseReader(source, undefined)).toBe(source.kind === 'file' ? source.nameReader : undefined);
  });
});

describe('discoverFiles paths', () => {
  it('names files as path.join would, however the folder is spelt, and carries the identity it saw', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-discover-spelling-'));
    mkdirSync(join(folder, 'p', 'q'), { recursive: true });
    writeFileSync(join(folder, 'p', 'a.jsonl'), '{}\n');
    writeFileSync(join(folder, 'p', 'q', 'b.jsonl'), '{}\n');
    const expected = [join(folder, 'p', 'a.jsonl'), join(folder, 'p', 'q', 'b.jsonl')];
    for (const spelling of [folder, `${folder}/`, `${folder}//`, `${folder}/p/..`, `${folder}/./p/q/../..`]) {
      const { sources } = await discoverFiles([spelling]);
      expect(sources.map((source) => (source.kind === 'file' ? source.path : '')), spelling).toEqual(expected);
    }
    // Relative spellings, from inside the folder, against a walk that names every file with path.join.
    const listWithJoin = (directory: string): string[] =>
      readdirSync(directory, { withFileTypes: true })
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .flatMap((entry) => (entry.isDirectory() ? listWithJoin(join(directory, entry.name)) : [join(directory, entry.name)]));
    const cwd = process.cwd();
    try {
      process.chdir(folder);
      for (const spelling of ['.', './', './/', 'p/..', 'p/../', './p/q/../..', 'p', 'p/', './p//q']) {
        const { sources } = await discoverFiles([spelling]);
        expect(sources.map((source) => (source.kind === 'file' ? source.path : '')), spelling).toEqual(listWithJoin(spelling));
      }
      expect(listWithJoin('./')).toEqual(['p/a.jsonl', 'p/q/b.jsonl']);
    } finally {
      process.chdir(cwd);
    }
    // A named pipe has no identity: its bytes are read once, as a stream.
    execFileSync('mkfifo', [join(folder, 'pipe.jsonl')]);
    const piped = (await discoverFiles([join(folder, 'pipe.jsonl')])).sources[0];
    expect(piped?.kind === 'file' && piped.identity).toBe(undefined);
    const { sources } = await discoverFiles([folder]);
    const first = sources[0];
    const info = statSync(expected[0] as string);
    expect(first?.kind === 'file' ? first.identity : undefined).toEqual({ dev: info.dev, ino: info.ino, size: 3, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs });
  });
});

describe('a database no module knows', () => {
  it('is one unknown_dialect entry, not an unreadable input', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-db-'));
    const path = join(folder, 'notes.db');
    const { Database } = createRequire(import.meta.url)('node-sqlite3-wasm') as {
      Database: new (path: string) => { exec(sql: string): void; close(): void };
    };
    const database = new Database(path);
    database.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (\'hello\');');
    database.close();
    const { sources } = await discoverFiles([folder]);
    const records: unknown[] = [];
    const summary = await ingest(sources, (record) => records.push(record));
    expect(records).toEqual([]);
    expect(summary.unreadable).toEqual([]);
    expect(summary.skipped).toEqual({ lines: 1, reasons: { unknown_dialect: 1 } });
  });
});
