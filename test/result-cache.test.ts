/**
 * Results kept for identical runs (src/store/result-cache.ts, wired in
 * src/cli/runner.ts): an identical run prints the kept bytes, and a change to
 * anything the output depends on is recomputed.
 *
 * How a test knows the kept result was printed: it replaces the kept stdout
 * with a marker; a run that prints the marker was served from the cache, a run
 * that prints a report was computed.
 */
import { appendFileSync, closeSync, cpSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDialect } from '../src/dialects/registry.js';
import { chooseReader } from '../src/ingest/scan.js';
import { openResultCache, RACY_MARGIN_MS, RESULTS_DIRECTORY, type ResultKeyParts } from '../src/store/result-cache.js';
import { noteWrittenFile } from '../src/store/written-files.js';
import { createHome, fixture, runCli } from './helpers/cli.js';

const MARKER = 'KEPT RESULT\n';

/** A copy of the Claude fixture logs, a cache folder, and a clock far enough ahead that the copies are not racy. */
function setUp() {
  const root = mkdtempSync(join(tmpdir(), 'usage-result-cache-'));
  const logs = join(root, 'logs');
  cpSync(fixture('logs', 'claude'), logs, { recursive: true });
  const cache = join(root, 'cache');
  const home = createHome();
  const now = new Date(Date.now() + RACY_MARGIN_MS + 5000);
  const run = (args: string[], extra: { now?: Date; env?: Record<string, string | undefined>; input?: string } = {}) =>
    runCli([...args, '--cache-dir', cache], { ...extra, home, now: extra.now ?? now });
  const results = () => {
    try {
      return readdirSync(join(cache, RESULTS_DIRECTORY)).filter((name) => name.endsWith('.json'));
    } catch {
      return [];
    }
  };
  /** Replaces the stdout of every kept result with the marker. */
  const markAll = () => {
    for (const name of results()) {
      const path = join(cache, RESULTS_DIRECTORY, name);
      const kept = JSON.parse(readFileSync(path, 'utf8')) as { stdout: string };
      writeFileSync(path, JSON.stringify({ ...kept, stdout: MARKER }));
    }
  };
  /**
   * Runs until the run keeps its result: a run that wrote the index keeps nothing, and the index is
   * written by the first run and again by the next (it trusts files written just before a run only once
   * they are old). Returns the last run's output.
   */
  const runUntilKept = async (args: string[]) => {
    const before = results().length;
    for (let attempt = 0; attempt < 4; attempt++) {
      const result = await run(args);
      if (results().length > before) return result;
    }
    throw new Error(`no result kept for ${args.join(' ')}`);
  };
  const session = join(logs, 'projects', '-home-dev-api', '9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e.jsonl');
  return { root, logs, cache, home, now, run, runUntilKept, results, markAll, session };
}

describe('results kept for identical runs', () => {
  it('prints the kept stdout, stderr and exit code of an identical run, byte for byte', async () => {
    const { logs, run, results, markAll } = setUp();
    const first = await run(['report', '--json', logs]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).totals.total_tokens).toBeGreaterThan(0);
    // Kept under the index the run wrote, which the next run reads.
    expect(results()).toHaveLength(1);
    expect(await run(['report', '--json', logs])).toEqual(first);
    markAll();
    expect((await run(['report', '--json', logs])).stdout).toBe(MARKER);
  });

  it('replays a failing budget with its exit code and its stderr lines', async () => {
    const { logs, runUntilKept, run, markAll } = setUp();
    const first = await runUntilKept(['budget', '--max-tokens', '1', logs]);
    expect(first.code).not.toBe(0);
    expect(first.stderr).not.toBe('');
    markAll();
    const second = await run(['budget', '--max-tokens', '1', logs]);
    expect(second).toEqual({ ...first, stdout: MARKER });
  });

  it('computes again when anything the output depends on changes', async () => {
    const { root, logs, cache, now, run, markAll, session } = setUp();
    const fresh = await run(['report', '--json', logs]);
    const computed = async (args: string[], extra: Parameters<typeof run>[1] = {}) => {
      markAll();
      const result = await run(args, extra);
      expect(result.stdout, `${args.join(' ')} ${JSON.stringify(extra.env ?? {})}`).not.toBe(MARKER);
      return result;
    };
    // Flags, the zone, the day, the environment, the terminal width.
    await computed(['report', '--json', '--since', '2020-01-01', logs]);
    await computed(['report', '--json', '--tz', 'Asia/Tokyo', logs]);
    await computed(['report', '--json', logs], { now: new Date(now.getTime() + 24 * 60 * 60 * 1000) });
    await computed(['report', '--json', logs], { env: { USAGE_SOMETHING: '1' } });
    await computed(['report', logs], { env: { COLUMNS: '200' } });
    await computed(['cost', '--json', logs]);
    // A price override file, then the same file edited.
    const prices = join(root, 'prices.json');
    cpSync(fixture('cases', 'pricing', 'overrides.json'), prices);
    utimesSync(prices, new Date(0), new Date(0));
    expect((await computed(['report', '--json', '--pricing', prices, logs])).code).toBe(0);
    appendFileSync(prices, '\n');
    await computed(['report', '--json', '--pricing', prices, logs], { now: new Date(Date.now() + RACY_MARGIN_MS + 5000) });
    // The inputs: a log with a line appended; a same-size rewrite with mtime put back; a new file; a deleted file.
    appendFileSync(session, '\n');
    await computed(['report', '--json', logs]);
    const info = statSync(session);
    writeFileSync(session, readFileSync(session));
    utimesSync(session, info.atime, info.mtime);
    await computed(['report', '--json', logs]);
    cpSync(session, join(logs, 'projects', '-home-dev-api', 'copy.jsonl'));
    await computed(['report', '--json', logs]);
    rmSync(join(logs, 'projects', '-home-dev-api', 'copy.jsonl'));
    await computed(['report', '--json', logs]);
    // The index gone (the archive and the index are inputs of a run too).
    rmSync(join(cache, 'index-v1.bin'));
    const again = await computed(['report', '--json', logs]);
    expect(JSON.parse(again.stdout).totals).toEqual(JSON.parse(fresh.stdout).totals);
  });

  it('computes again when a default log location appears, though no file was added', async () => {
    const { logs, home, run, runUntilKept, markAll } = setUp();
    cpSync(logs, join(home, '.claude-config'), { recursive: true });
    const first = await runUntilKept(['report', '--json']);
    expect(first.stderr).toMatch(/Reading Claude Code .*logs from/);
    markAll();
    expect((await run(['report', '--json'])).stdout).toBe(MARKER);
    mkdirSync(join(home, '.codex-home', 'sessions'), { recursive: true });
    const after = await run(['report', '--json']);
    expect(after.stdout).toBe(first.stdout);
    expect(after.stderr).not.toBe(first.stderr);
  });

  it('keeps nothing when the inputs cannot be trusted or the run is not repeatable', async () => {
    const { logs, run, results, session } = setUp();
    // Written within the margin before the run started: a write in the same timestamp tick would go unseen.
    expect((await run(['report', '--json', logs], { now: new Date() })).code).toBe(0);
    expect(results()).toEqual([]);
    // Standard input has no identity.
    expect((await run(['report', '--json', '-'], { input: readFileSync(session, 'utf8') })).code).toBe(0);
    expect(results()).toEqual([]);
    // --no-cache reads the logs and leaves the folder alone; a missing path makes the run fail and keeps nothing.
    expect((await run(['report', '--json', '--no-cache', logs])).code).toBe(0);
    expect((await run(['report', '--json', logs, join(logs, 'missing.jsonl')])).code).toBe(1);
    // Commands that show the time now are not repeatable.
    await run(['blocks', '--json', logs]);
    expect(results()).toEqual([]);
  });

  it('`usage cache clear` deletes the kept results with the index', async () => {
    const { logs, run, runUntilKept, results, markAll } = setUp();
    await runUntilKept(['report', '--json', logs]);
    expect(results()).toHaveLength(1);
    markAll();
    expect((await run(['cache', 'clear'])).stderr).toMatch(/^Cleared the index in .*\nDeleted 1 kept result of identical runs in /);
    expect(results()).toEqual([]);
    expect((await run(['report', '--json', logs])).stdout).not.toBe(MARKER);
  });

  it('never keeps a run the index or archive warned about, and never fails because of the folder', async () => {
    const { logs, cache, run, results } = setUp();
    const computed = await run(['report', '--json', '--no-cache', logs]);
    // A damaged archive is set aside with a warning, and every later run says its records are not counted.
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'archive-v1.bin'), 'not an archive');
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await run(['report', '--json', logs]);
      expect(result.stdout).toBe(computed.stdout);
      expect(result.stderr).toMatch(/warning: .*archive/);
    }
    expect(results()).toEqual([]);
    // A folder whose files cannot even be looked at (a symbolic link loop where the archive should be).
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(cache);
    symlinkSync('archive-v1.bin', join(cache, 'archive-v1.bin'));
    for (let attempt = 0; attempt < 2; attempt++) expect((await run(['report', '--json', logs])).stdout).toBe(computed.stdout);
  });

  it('recomputes a damaged result and writes it again', async () => {
    const { logs, cache, run, runUntilKept, results } = setUp();
    const first = await runUntilKept(['report', '--json', logs]);
    // The second run may rewrite the index (it trusts files written just before the first run only once
    // they are old), so the results are damaged until one is served intact.
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const name of results()) writeFileSync(join(cache, RESULTS_DIRECTORY, name), '{"version":1,"stdout":');
      expect(await run(['report', '--json', logs])).toEqual(first);
    }
    const kept = results().map((name) => readFileSync(join(cache, RESULTS_DIRECTORY, name), 'utf8'));
    expect(kept).toContain(JSON.stringify({ version: 1, stdout: first.stdout, stderr: first.stderr.split('\n').slice(0, -1), exitCode: 0 }));
  });
});

describe('openResultCache', () => {
  const parts = (directory: string, since: string): ResultKeyParts => ({
    tool: 'usage@test',
    command: 'report',
    cwd: directory,
    args: [],
    options: { since },
    config: {},
    env: {},
    terminals: { stdout: { isTTY: false, columns: Number.POSITIVE_INFINITY }, stderr: { isTTY: false, columns: 80 } },
    zone: 'UTC',
    today: '2026-11-30',
    notes: [],
    prices: { builtIn: 'test', overrideFile: null },
    inputs: [],
    streams: 0,
    startedAt: Date.now(),
  });

  it('keeps the 32 most recent results and serves each by its own key', () => {
    const directory = mkdtempSync(join(tmpdir(), 'usage-result-prune-'));
    for (let day = 1; day <= 40; day++) {
      openResultCache(directory, parts(directory, `2026-01-${String(day).padStart(2, '0')}`))?.keep({ stdout: `day ${day}\n`, stderr: [], exitCode: 0 });
    }
    expect(readdirSync(join(directory, RESULTS_DIRECTORY))).toHaveLength(32);
    expect(openResultCache(directory, parts(directory, '2026-01-40'))?.lookup()).toEqual({ stdout: 'day 40\n', stderr: [], exitCode: 0 });
    expect(openResultCache(directory, parts(directory, '2026-01-41'))?.lookup()).toBeUndefined();
  });

  it('keeps a result under the index the run leaves only when the run read it or wrote it', () => {
    const directory = mkdtempSync(join(tmpdir(), 'usage-result-store-'));
    const slot = (since: string) => openResultCache(directory, parts(directory, since));
    // Another process renames an index into place while this run reads: the run may have read the old one.
    const replaced = slot('a');
    writeFileSync(join(directory, 'index-v1.bin'), 'another run');
    replaced?.keep({ stdout: 'a\n', stderr: [], exitCode: 0 });
    expect(slot('a')?.lookup()).toBeUndefined();
    // This run writes the index (a writer notes the file before renaming it into place).
    const own = slot('b');
    const temporary = join(directory, 'index.tmp');
    const descriptor = openSync(temporary, 'w');
    noteWrittenFile(descriptor);
    closeSync(descriptor);
    renameSync(temporary, join(directory, 'index-v1.bin'));
    own?.keep({ stdout: 'b\n', stderr: [], exitCode: 0 });
    expect(slot('b')?.lookup()).toEqual({ stdout: 'b\n', stderr: [], exitCode: 0 });
    // Nothing written meanwhile: kept under the index it read.
    const unchanged = slot('c');
    unchanged?.keep({ stdout: 'c\n', stderr: [], exitCode: 0 });
    expect(slot('c')?.lookup()).toEqual({ stdout: 'c\n', stderr: [], exitCode: 0 });
  });

  it('knows a database read as such by --format, whatever its name', () => {
    expect(chooseReader({ kind: 'file', path: '/backups/opencode-copy' }, findDialect('opencode'))).toBe('sqlite');
    expect(chooseReader({ kind: 'file', path: '/backups/opencode-copy' }, undefined)).toBe('jsonl');
  });

  it('refuses inputs with a write-ahead log beside them, streams, and files without an identity', () => {
    const directory = mkdtempSync(join(tmpdir(), 'usage-result-refuse-'));
    const identity = { dev: 1, ino: 2, size: 3, mtimeMs: 0, ctimeMs: 0 };
    expect(openResultCache(directory, { ...parts(directory, 'x'), inputs: [{ path: '/a.db', identity, singleFile: false }] })).toBeUndefined();
    expect(openResultCache(directory, { ...parts(directory, 'x'), streams: 1 })).toBeUndefined();
    expect(openResultCache(directory, { ...parts(directory, 'x'), inputs: [{ path: '/a.jsonl', identity: undefined, singleFile: true }] })).toBeUndefined();
    expect(openResultCache(directory, { ...parts(directory, 'x'), inputs: [{ path: '/a.jsonl', identity, singleFile: true }] })).toBeDefined();
  });
});
