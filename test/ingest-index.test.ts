/**
 * The persistent index (src/ingest/ingest.ts + src/store/*): results with the
 * index must equal results without it, whatever happened to the files since
 * the last run.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UsageRecord } from '../src/core/record.js';
import { type IngestOptions, type IngestSummary, ingest } from '../src/ingest/ingest.js';
import { discoverFiles } from '../src/sources/discover.js';
import { INDEX_FILE_NAME } from '../src/store/index-file.js';
import { createHome, fixture, runUsage } from './helpers/cli.js';

const folders: string[] = [];
function makeFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
}
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function claudeLine(id: number, output: number, day = 20): string {
  return `${JSON.stringify({
    type: 'assistant',
    sessionId: 's1',
    uuid: `u${id}`,
    requestId: `req_${id}`,
    timestamp: `2026-11-${day}T10:00:00.000Z`,
    message: { id: `msg_${id}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: output, cache_read_input_tokens: 100 } },
  })}\n`;
}

/** A bamboo record: a dialect without a de-duplication key. */
function bambooLine(session: number, output: number): string {
  return `${JSON.stringify({
    ts: '2026-11-20T11:00:00.000Z',
    session_id: `b${session}`,
    model: 'claude-sonnet-4-5-20250929',
    provider: 'anthropic',
    input_tokens: 3,
    output_tokens: output,
    thinking_tokens: 0,
    // A prompt-side snapshot: the record carries a context, stored apart in the index.
    message_count: 2,
    max_context_tokens: 200000,
    total_tokens: 3 + output,
  })}\n`;
}

/** The index's header (the JSON before its two checksums, its length and the magic). */
function readIndexHeader(directory: string): { resolved?: { files: number; duplicates: number; archive: string; archiveWinners: number[] }; entries: Array<{ path: string; sections: Array<Record<string, unknown>> }> } {
  const bytes = readFileSync(join(directory, INDEX_FILE_NAME));
  const length = bytes.readUInt32LE(bytes.length - 12);
  return JSON.parse(bytes.toString('utf8', bytes.length - 20 - length, bytes.length - 20));
}

function codexLines(totals: number[]): string {
  const lines = [
    JSON.stringify({ timestamp: '2026-11-20T09:00:00Z', type: 'session_meta', payload: { id: 'c1', cwd: '/w/app' } }),
    JSON.stringify({ timestamp: '2026-11-20T09:00:00Z', type: 'turn_context', payload: { model: 'gpt-5' } }),
  ];
  for (const total of totals) {
    lines.push(
      JSON.stringify({
        timestamp: '2026-11-20T09:01:00Z',
        type: 'event_msg',
        payload: { type: 'token_count', info: { total_token_usage: { input_tokens: total, cached_input_tokens: 0, output_tokens: total } } },
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

interface Run {
  summary: IngestSummary;
  records: UsageRecord[];
  warnings: string[];
}

async function run(folder: string, indexDirectory: string | null, extra: IngestOptions = {}, tool = 'usage@test'): Promise<Run> {
  const { sources } = await discoverFiles([folder]);
  const records: UsageRecord[] = [];
  const warnings: string[] = [];
  const options: IngestOptions = { prefilter: true, ...extra };
  if (indexDirectory) options.index = { directory: indexDirectory, tool, onWarning: (message) => warnings.push(message) };
  const summary = await ingest(sources, (record) => records.push(record), options);
  return { summary, records, warnings };
}

/** Everything but the index statistics, which differ by design. */
function comparable(result: Run) {
  const { index: _index, ...summary } = result.summary;
  return { summary, records: result.records };
}

async function expectSameAsWithoutIndex(folder: string, indexDirectory: string): Promise<Run> {
  const withIndex = await run(folder, indexDirectory);
  const without = await run(folder, null);
  expect(comparable(withIndex)).toEqual(comparable(without));
  return withIndex;
}

function setOld(path: string): void {
  const past = new Date(Date.now() - 60_000);
  utimesSync(path, past, past);
}

describe('the persistent index and a database read by --format', () => {
  it('counts rows still in the write-ahead log of a database whose name says nothing (--format opencode)', async () => {
    const folder = makeFolder('usage-index-forced-sqlite-');
    const database = join(folder, 'opencode-backup');
    const indexDirectory = join(folder, 'index');
    // Built from the fixture dump, then switched to WAL mode (kept in the file's header).
    execFileSync('python3', ['-c', 'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(open(sys.argv[2]).read())\nc.execute("PRAGMA journal_mode=WAL")\nc.close()', database, fixture('logs', 'opencode', 'opencode.db.sql')]);
    const read = async (withIndex: boolean) => {
      const records: UsageRecord[] = [];
      const options: IngestOptions = { format: 'opencode' };
      if (withIndex) options.index = { directory: indexDirectory, tool: 'usage@test', onWarning: () => {} };
      await ingest([{ kind: 'file', path: database }], (record) => records.push(record), options);
      return records.length;
    };
    const before = await read(true);
    expect(before).toBeGreaterThan(0);
    // A writer commits one more assistant message and dies without a checkpoint: the row lives in the -wal file only.
    execFileSync('python3', [
      '-c',
      'import sqlite3, sys, os\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute("PRAGMA wal_autocheckpoint=0")\n' +
        'c.execute("INSERT INTO message SELECT id || \'copy\', session_id, time_created + 1, time_updated, data FROM message WHERE data LIKE \'%output%\' LIMIT 1")\nos._exit(0)',
      database,
    ]);
    expect(statSync(`${database}-wal`).size).toBeGreaterThan(0);
    expect(await read(false)).toBe(before + 1);
    expect(await read(true)).toBe(before + 1);
  });
});

describe('the persistent index', () => {
  it('does not open unchanged files, and says so', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    const file = join(logs, 'a.jsonl');
    writeFileSync(file, claudeLine(1, 5) + claudeLine(2, 7));
    setOld(file);
    const first = await expectSameAsWithoutIndex(logs, index);
    expect(first.summary.index).toEqual({ reused: 0, resumed: 0, scanned: 1, pruned: 0 });
    const second = await expectSameAsWithoutIndex(logs, index);
    expect(second.summary.index).toEqual({ reused: 1, resumed: 0, scanned: 0, pruned: 0 });
    // 2 records: (10 + 5 + 100) + (10 + 7 + 100) = 232 tokens.
    expect(second.records.reduce((sum, record) => sum + record.totalTokens, 0)).toBe(232);
  });

  it('reads only the appended lines of a grown file, Codex running totals included', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    const file = join(logs, 'rollout-1.jsonl');
    writeFileSync(file, codexLines([10, 30]));
    await expectSameAsWithoutIndex(logs, index);
    // Running total 30 → 50: the resumed parser must remember 30 and count a delta of 20.
    appendFileSync(file, `${codexLines([50]).split('\n')[2]}\n`);
    const grown = await expectSameAsWithoutIndex(logs, index);
    expect(grown.summary.index?.resumed).toBe(1);
    expect(grown.records.map((record) => record.inputTokens)).toEqual([10, 20, 20]);
  });

  it('reads a truncated, a replaced (same size) and an edited file again from scratch', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    const truncated = join(logs, 'truncated.jsonl');
    const replaced = join(logs, 'replaced.jsonl');
    writeFileSync(truncated, claudeLine(1, 5) + claudeLine(2, 6));
    writeFileSync(replaced, claudeLine(3, 5));
    await expectSameAsWithoutIndex(logs, index);

    truncateSync(truncated, claudeLine(1, 5).length);
    // Same size, different content, and a new inode (written aside, then renamed over).
    const aside = join(logs, 'aside.tmp');
    writeFileSync(aside, claudeLine(3, 9));
    renameSync(aside, replaced);
    const after = await expectSameAsWithoutIndex(logs, index);
    expect(after.summary.index).toMatchObject({ reused: 0, resumed: 0, scanned: 2 });
    expect(after.records.map((record) => record.outputTokens).sort()).toEqual([5, 9]);

    // Same inode, same size, new bytes in the middle.
    const text = readFileSync(replaced, 'utf8').replace('"output_tokens":9', '"output_tokens":8');
    writeFileSync(replaced, text);
    const edited = await expectSameAsWithoutIndex(logs, index);
    expect(edited.records.map((record) => record.outputTokens).sort()).toEqual([5, 8]);
  });

  it('forgets deleted files', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    writeFileSync(join(logs, 'a.jsonl'), claudeLine(1, 5));
    writeFileSync(join(logs, 'b.jsonl'), claudeLine(2, 5));
    await run(logs, index);
    rmSync(join(logs, 'b.jsonl'));
    writeFileSync(join(logs, 'c.jsonl'), claudeLine(3, 5));
    const after = await expectSameAsWithoutIndex(logs, index);
    // b.jsonl is not in this run's sources; its entry is pruned because the file is gone.
    expect(after.summary.index?.pruned).toBe(1);
    const entries = readFileSync(join(index, INDEX_FILE_NAME)).toString('latin1');
    expect(entries).not.toContain('b.jsonl');
    expect(entries).toContain('c.jsonl');
  });

  it('does not take a partial last line until it is complete', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    const file = join(logs, 'a.jsonl');
    const line = claudeLine(2, 7);
    writeFileSync(file, claudeLine(1, 5) + line.slice(0, 40));
    const partial = await expectSameAsWithoutIndex(logs, index);
    expect(partial.summary.partialLines).toBe(1);
    expect(partial.records).toHaveLength(1);
    appendFileSync(file, line.slice(40));
    const complete = await expectSameAsWithoutIndex(logs, index);
    expect(complete.summary.partialLines).toBe(0);
    expect(complete.records).toHaveLength(2);
  });

  it('keeps de-duplication global when only one file changed', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    writeFileSync(join(logs, 'a.jsonl'), claudeLine(1, 5));
    writeFileSync(join(logs, 'b.jsonl'), claudeLine(9, 1));
    await run(logs, index);
    // A larger copy of message 1 appears in b.jsonl: it must replace a.jsonl's indexed copy.
    appendFileSync(join(logs, 'b.jsonl'), claudeLine(1, 50));
    const after = await expectSameAsWithoutIndex(logs, index);
    expect(after.records.map((record) => record.outputTokens).sort((x, y) => x - y)).toEqual([1, 50]);
    expect(after.summary.duplicateLines).toBe(1);
  });

  it('resolves the de-duplication when it writes, and a warm run hands on the same records without rewriting it', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    // Message 1 in both files: b.jsonl's copy is larger and wins; a.jsonl's is shadowed.
    // Bamboo records (no key) come last in the input, yet a full run hands them on first.
    writeFileSync(join(logs, 'a.jsonl'), claudeLine(1, 5) + claudeLine(2, 6));
    writeFileSync(join(logs, 'b.jsonl'), claudeLine(3, 7) + claudeLine(1, 50));
    writeFileSync(join(logs, 'c.jsonl'), bambooLine(1, 4) + bambooLine(2, 8));
    for (const name of ['a.jsonl', 'b.jsonl', 'c.jsonl']) setOld(join(logs, name));
    const cold = await expectSameAsWithoutIndex(logs, index);
    const header = readIndexHeader(index);
    expect(header.resolved).toEqual({ files: 3, duplicates: 1, archive: 'none', archiveWinners: [] });
    // Row 0 of a.jsonl (message 1, output 5) lost to b.jsonl's output 50.
    expect(header.entries[0]?.sections[0]?.['shadowed']).toEqual([0]);
    expect(header.entries[0]?.sections[0]?.['keyed']).toBe(2);
    const before = readFileSync(join(index, INDEX_FILE_NAME));
    const warm = await expectSameAsWithoutIndex(logs, index);
    expect(warm.summary.index).toEqual({ reused: 3, resumed: 0, scanned: 0, pruned: 0 });
    expect(readFileSync(join(index, INDEX_FILE_NAME)).equals(before)).toBe(true);
    // Bamboo outputs 4 and 8 first, then the Claude winners in input order: a.jsonl's message 2 (6), b.jsonl's 3 (7) and 1 (50).
    expect(warm.records.map((record) => record.outputTokens)).toEqual([4, 8, 6, 7, 50]);
    expect(warm.summary.duplicateLines).toBe(1);
    expect(cold.records).toEqual(warm.records);
  });

  it('extends its resolved de-duplication to appended lines, and extends the index file instead of rewriting it', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    writeFileSync(join(logs, 'a.jsonl'), claudeLine(1, 5) + claudeLine(2, 6));
    writeFileSync(join(logs, 'b.jsonl'), claudeLine(3, 7));
    writeFileSync(join(logs, 'c.jsonl'), claudeLine(4, 9));
    for (const name of ['a.jsonl', 'b.jsonl', 'c.jsonl']) setOld(join(logs, name));
    await expectSameAsWithoutIndex(logs, index);
    const before = readFileSync(join(index, INDEX_FILE_NAME));
    const recordBytes = before.length - 20 - before.readUInt32LE(before.length - 12);
    // Appended to a.jsonl: message 4 as large as c.jsonl's indexed copy (a.jsonl comes first, so the new copy wins
    // the tie and c.jsonl's is shadowed), message 3 smaller than b.jsonl's (the new copy loses), and two new copies
    // of message 5 (the larger, output 3, wins).
    appendFileSync(join(logs, 'a.jsonl'), claudeLine(4, 9) + claudeLine(3, 2) + claudeLine(5, 1) + claudeLine(5, 3));
    setOld(join(logs, 'a.jsonl'));
    const appended = await expectSameAsWithoutIndex(logs, index);
    expect(appended.summary.index).toEqual({ reused: 2, resumed: 1, scanned: 0, pruned: 0 });
    // Duplicates: message 3 (b + a), message 4 (c + a), message 5 (a + a) = 3.
    expect(appended.summary.duplicateLines).toBe(3);
    // In input order: a.jsonl's messages 1 (5), 2 (6), 4 (9) and 5 (3), then b.jsonl's 3 (7).
    expect(appended.records.map((record) => record.outputTokens)).toEqual([5, 6, 9, 3, 7]);
    const after = readFileSync(join(index, INDEX_FILE_NAME));
    expect(after.subarray(0, recordBytes).equals(before.subarray(0, recordBytes))).toBe(true);
    const header = readIndexHeader(index);
    expect(header.resolved).toEqual({ files: 3, duplicates: 3, archive: 'none', archiveWinners: [] });
    // a.jsonl's new section: rows 1 (message 3, output 2) and 2 (message 5, output 1) lost; c.jsonl's only row lost.
    expect(header.entries[0]?.sections.map((section) => section['shadowed'])).toEqual([undefined, [1, 2]]);
    expect(header.entries[2]?.sections[0]?.['shadowed']).toEqual([0]);
    // Served from the extended index as it stands.
    const warm = await expectSameAsWithoutIndex(logs, index);
    expect(warm.summary.index).toEqual({ reused: 3, resumed: 0, scanned: 0, pruned: 0 });
    expect(warm.records).toEqual(appended.records);
  });

  it('extends its resolved de-duplication over a file rewritten in place, whose old copies no longer count', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    const names = ['a.jsonl', 'b.jsonl', 'c.jsonl', 'd.jsonl', 'e.jsonl'];
    // a.jsonl's message 1 (output 50) beats b.jsonl's copy (output 5).
    const texts = [claudeLine(1, 50), claudeLine(1, 5) + claudeLine(2, 6), claudeLine(3, 7), claudeLine(4, 8), claudeLine(5, 9)];
    for (const [at, name] of names.entries()) {
      writeFileSync(join(logs, name), texts[at] as string);
      setOld(join(logs, name));
    }
    const cold = await expectSameAsWithoutIndex(logs, index);
    expect(cold.summary.duplicateLines).toBe(1);
    const before = readFileSync(join(index, INDEX_FILE_NAME));
    const recordBytes = before.length - 20 - before.readUInt32LE(before.length - 12);
    // Rewritten with as many bytes: message 3 with output 70 instead of message 1. b.jsonl's message 1 wins again,
    // c.jsonl's message 3 now loses; one duplicate (message 3), none for message 1.
    const rewritten = claudeLine(3, 70);
    expect(rewritten.length).toBe((texts[0] as string).length);
    writeFileSync(join(logs, 'a.jsonl'), rewritten);
    const after = await expectSameAsWithoutIndex(logs, index);
    expect(after.summary.index).toEqual({ reused: 4, resumed: 0, scanned: 1, pruned: 0 });
    expect(after.summary.duplicateLines).toBe(1);
    expect(after.records.map((record) => record.outputTokens)).toEqual([70, 5, 6, 8, 9]);
    const extended = readFileSync(join(index, INDEX_FILE_NAME));
    expect(extended.subarray(0, recordBytes).equals(before.subarray(0, recordBytes))).toBe(true);
    expect(readIndexHeader(index).entries[2]?.sections[0]?.['shadowed']).toEqual([0]);
    expect(readIndexHeader(index).entries[1]?.sections[0]?.['shadowed']).toBeUndefined();
    setOld(join(logs, 'a.jsonl'));
    const warm = await expectSameAsWithoutIndex(logs, index);
    expect(warm.records).toEqual(after.records);
  });

  it('writes no resolution while a keyed record of an unfinished last line is counted', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    writeFileSync(join(logs, 'a.jsonl'), claudeLine(1, 5));
    // Valid JSON without its newline: counted now, read again once complete.
    writeFileSync(join(logs, 'b.jsonl'), claudeLine(1, 3).trimEnd());
    await expectSameAsWithoutIndex(logs, index);
    expect(readIndexHeader(index).resolved).toBeUndefined();
    appendFileSync(join(logs, 'b.jsonl'), '\n');
    const complete = await expectSameAsWithoutIndex(logs, index);
    expect(complete.summary.duplicateLines).toBe(1);
    expect(readIndexHeader(index).resolved?.duplicates).toBe(1);
  });

  it('samples a file written just before it was indexed until its times are old enough, then trusts its stat', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    writeFileSync(join(logs, 'a.jsonl'), claudeLine(1, 5));
    // Indexed at once: the file's times are within the 2 s in which a same-size rewrite would not show.
    await run(logs, index);
    const first = readIndexHeader(index).entries[0] as unknown as { scannedAt: number };
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 5000);
      // Sampled, found equal, and written with this run's time…
      expect((await expectSameAsWithoutIndex(logs, index)).summary.index).toMatchObject({ reused: 1 });
      const refreshed = readIndexHeader(index).entries[0] as unknown as { scannedAt: number };
      expect(refreshed.scannedAt).toBeGreaterThan(first.scannedAt + 4000);
      // …so the next run trusts the stat and leaves the index as it is.
      const before = readFileSync(join(index, INDEX_FILE_NAME));
      vi.setSystemTime(Date.now() + 5000);
      await expectSameAsWithoutIndex(logs, index);
      expect(readFileSync(join(index, INDEX_FILE_NAME)).equals(before)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('resolves the de-duplication again for another set of files, and back', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    writeFileSync(join(logs, 'a.jsonl'), claudeLine(1, 50));
    writeFileSync(join(logs, 'b.jsonl'), claudeLine(1, 5) + claudeLine(2, 6));
    for (const name of ['a.jsonl', 'b.jsonl']) setOld(join(logs, name));
    const runOn = async (files: string[]): Promise<Run> => {
      const records: UsageRecord[] = [];
      const sources = files.map((name) => ({ kind: 'file' as const, path: join(logs, name) }));
      const summary = await ingest(sources, (record) => records.push(record), { prefilter: true, index: { directory: index, tool: 'usage@test', onWarning: () => {} } });
      const plain: UsageRecord[] = [];
      const without = await ingest(sources, (record) => plain.push(record), { prefilter: true });
      expect({ ...summary, index: undefined }).toEqual({ ...without, index: undefined });
      expect(records).toEqual(plain);
      return { summary, records, warnings: [] };
    };
    await runOn(['a.jsonl', 'b.jsonl']);
    // b.jsonl alone: its message 1 (5) now wins; then in the other order, a.jsonl's 50 still wins.
    expect((await runOn(['b.jsonl'])).records.map((record) => record.outputTokens)).toEqual([5, 6]);
    expect(readIndexHeader(index).resolved).toEqual({ files: 1, duplicates: 0, archive: 'none', archiveWinners: [] });
    expect((await runOn(['b.jsonl', 'a.jsonl'])).records.map((record) => record.outputTokens)).toEqual([6, 50]);
    expect((await runOn(['b.jsonl', 'a.jsonl'])).summary.duplicateLines).toBe(1);
    expect((await runOn(['a.jsonl', 'b.jsonl'])).records.map((record) => record.outputTokens)).toEqual([50, 6]);
  });

  it('discards a corrupt or foreign index with a warning and rebuilds it', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    writeFileSync(join(logs, 'a.jsonl'), claudeLine(1, 5));
    await run(logs, index);
    const path = join(index, INDEX_FILE_NAME);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 5));
    const damaged = await expectSameAsWithoutIndex(logs, index);
    expect(damaged.warnings).toHaveLength(1);
    expect(damaged.warnings[0]).toMatch(/discarding the index/);
    const rebuilt = await run(logs, index);
    expect(rebuilt.warnings).toEqual([]);
    const foreign = await run(logs, index, {}, 'usage@9.9.9');
    expect(foreign.warnings[0]).toMatch(/another version/);
    writeFileSync(path, 'this is not an index at all, just text');
    expect((await run(logs, index)).warnings[0]).toMatch(/not a usage index/);
  });

  it('discards an index whose header is well-formed JSON with impossible values', async () => {
    const logs = makeFolder('usage-logs-');
    const index = makeFolder('usage-index-');
    writeFileSync(join(logs, 'a.jsonl'), claudeLine(1, 5) + claudeLine(2, 6));
    setOld(join(logs, 'a.jsonl'));
    const path = join(index, INDEX_FILE_NAME);
    /**
     * Rewrites the header (JSON between the sections and the trailing data
     * checksum, header checksum, length and magic), with a matching header
     * checksum: a plausible forgery, which the checks behind the checksum must catch.
     */
    const damageHeader = (change: (header: { entries: Array<Record<string, unknown>> }) => void): void => {
      const bytes = readFileSync(path);
      const length = bytes.readUInt32LE(bytes.length - 12);
      const start = bytes.length - 20 - length;
      const header = JSON.parse(bytes.toString('utf8', start, start + length));
      change(header);
      const json = Buffer.from(JSON.stringify(header));
      const tail = Buffer.alloc(12);
      tail.writeUInt32LE(bytes.readUInt32LE(bytes.length - 20), 0);
      tail.writeUInt32LE(crc32(json), 4);
      tail.writeUInt32LE(json.length, 8);
      writeFileSync(path, Buffer.concat([bytes.subarray(0, start), json, tail, bytes.subarray(bytes.length - 8)]));
    };
    const sectionOf = (header: { entries: Array<Record<string, unknown>> }) =>
      ((header.entries[0] as Record<string, unknown>)['sections'] as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    for (const change of [
      (header: { entries: Array<Record<string, unknown>> }) => {
        sectionOf(header)['count'] = 2000;
      },
      (header: { entries: Array<Record<string, unknown>> }) => {
        sectionOf(header)['floats'] = -8;
      },
      (header: { entries: Array<Record<string, unknown>> }) => {
        (header.entries[0] as Record<string, unknown>)['tally'] = { files: 1 };
      },
      // A short text table: rows name texts the section does not hold (issue 13, case 12).
      (header: { entries: Array<Record<string, unknown>> }) => {
        sectionOf(header)['texts'] = [];
      },
      // A keyed-row count the rows do not bear out: a warm run would skip the section.
      (header: { entries: Array<Record<string, unknown>> }) => {
        sectionOf(header)['keyed'] = 1;
      },
      // Shadowed rows out of order or past the section.
      (header: { entries: Array<Record<string, unknown>> }) => {
        sectionOf(header)['shadowed'] = [1, 0];
      },
      (header: { entries: Array<Record<string, unknown>> }) => {
        sectionOf(header)['shadowed'] = [2];
      },
      // A resolution for more files than the index holds.
      (header: { entries: Array<Record<string, unknown>> }) => {
        (header as Record<string, unknown>)['resolved'] = { files: 2, duplicates: 0, archive: 'none', archiveWinners: [] };
      },
    ]) {
      await run(logs, index);
      damageHeader(change);
      const damaged = await expectSameAsWithoutIndex(logs, index);
      expect(damaged.warnings).toEqual([expect.stringMatching(/discarding the index .*header is damaged/)]);
    }
  });

  it('equals a run without the index after any sequence of appends and truncations (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            file: fc.integer({ min: 0, max: 3 }),
            lines: fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 90 })), { maxLength: 3 }),
            // Mostly whole lines: a warm run serves the index's resolved records only when no file ends mid-line.
            cut: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 1, max: 60 }), weight: 1 }),
            // Cut the file to this many bytes first (rotation, a crash, an editor), mid-line or not.
            truncateTo: fc.option(fc.integer({ min: 0, max: 500 }), { nil: undefined, freq: 3 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (steps) => {
          const logs = makeFolder('usage-logs-');
          const index = makeFolder('usage-index-');
          const pending = ['', '', '', ''];
          const nameOf = (file: number): string => (file === 2 ? 'rollout-f2.jsonl' : `f${file}.jsonl`);
          // File 2 is a Codex rollout: its parser carries state (model, running totals) across resumes.
          let codexStarted = false;
          let codexTotal = 0;
          const codexText = (lines: Array<[number, number]>): string => {
            const header = codexStarted ? '' : codexLines([]);
            codexStarted = true;
            return (
              header +
              lines
                .map(([, output]) => {
                  codexTotal += output;
                  return codexLines([codexTotal]).split('\n')[2];
                })
                .map((line) => `${line}\n`)
                .join('')
            );
          };
          for (const step of steps) {
            const path = join(logs, nameOf(step.file));
            if (step.truncateTo !== undefined && existsSync(path)) truncateSync(path, Math.min(step.truncateTo, statSync(path).size));
            // Lines of the same message id may repeat across files with other outputs: dedup must still hold.
            // File 3 holds bamboo records, which have no key: a warm run hands them on before the keyed ones.
            const added =
              step.file === 2
                ? codexText(step.lines)
                : step.file === 3
                  ? step.lines.map(([id, output]) => bambooLine(id, output)).join('')
                  : step.lines.map(([id, output]) => claudeLine(id, output)).join('');
            const text = pending[step.file] + added;
            const cut = Math.min(step.cut, text.length);
            const written = step.lines.length > 0 ? text.slice(0, text.length - cut) : text;
            pending[step.file] = text.slice(written.length);
            appendFileSync(path, written);
            await expectSameAsWithoutIndex(logs, index);
            // A second run over unchanged files must hold too (a resume over an unfinished line rewrites its entry).
            await expectSameAsWithoutIndex(logs, index);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('the index through the CLI', () => {
  it('survives two concurrent runs and `usage cache clear` removes it', async () => {
    const home = createHome();
    const logs = join(home, 'logs');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(logs);
    for (let file = 0; file < 20; file++) {
      writeFileSync(join(logs, `f${file}.jsonl`), Array.from({ length: 50 }, (_, line) => claudeLine(file * 100 + line, 1)).join(''));
    }
    const [first, second] = await Promise.all([
      runUsage(['report', logs, '--json'], { home }),
      runUsage(['report', logs, '--json'], { home }),
    ]);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    const warm = await runUsage(['report', logs, '--json'], { home });
    expect(warm.stderr).not.toMatch(/discarding/);
    expect(warm.stdout).toBe(first.stdout);
    const cold = await runUsage(['report', logs, '--json', '--no-cache'], { home });
    expect(cold.stdout).toBe(first.stdout);
    // 1,000 records of 10 + 1 + 100 tokens.
    expect(JSON.parse(warm.stdout).totals.total_tokens).toBe(111_000);
    const cleared = await runUsage(['cache', 'clear'], { home });
    expect(cleared.code).toBe(0);
    expect(cleared.stderr).toMatch(/Cleared the index/);
  });
});
