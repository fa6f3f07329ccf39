/**
 * The archive (src/store/archive.ts, hooks in src/ingest/ingest.ts): records
 * of logs the index read and then lost stay counted, and never twice.
 *
 * The logs, with their totals worked out by hand:
 * - claude/a.jsonl: msg 1 (input 10, output 5, cache read 100 → 115), msg 2 (output 7 → 117); 232.
 * - claude/b.jsonl: msg 3 (output 20 → 130), msg 4 (output 30 → 140); 270.
 * - codex/rollout-c1.jsonl, session c1: running totals (input 100 incl. 40 cached, output 10)
 *   then (300 incl. 140, 30) → calls of 100 + 10 = 110 and 200 + 20 = 220; 330.
 * - codex/rollout-c2.jsonl, session c2: (50, 0 cached, 5) then (150 incl. 50, 25)
 *   → 50 + 5 = 55 and 100 + 20 = 120; 175.
 * - provider/p1.jsonl (raw provider objects, which carry no de-duplication key, so the archive
 *   matches them by identity: dialect, session, timestamp, token counts): prompt 2000 + completion
 *   300 = 2300, and 1000 + 100 = 1100; 3400.
 * - provider/p2.jsonl: 400 + 50 = 450, and 600 + 60 = 660; 1110.
 * (Codex records are keyed by session and running totals; Claude by message id and request id.)
 * All: 232 + 270 + 330 + 175 + 3400 + 1110 = 5517 tokens in 12 records.
 * Half deleted (b, c2, p2): 232 + 330 + 3400 = 3962 live in 6 records.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../src/core/record.js';
import { type IngestOptions, type IngestSummary, ingest } from '../src/ingest/ingest.js';
import { discoverFiles } from '../src/sources/discover.js';
import { ARCHIVE_FILE_NAME, archivePath, readArchive, writeArchive } from '../src/store/archive.js';

const folders: string[] = [];
function makeFolder(prefix: string): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
}
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function claudeLine(id: number, output: number): string {
  return `${JSON.stringify({
    type: 'assistant',
    sessionId: 's1',
    uuid: `u${id}`,
    requestId: `req_${id}`,
    timestamp: `2026-11-2${id}T10:00:00.000Z`,
    message: { id: `msg_${id}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: output, cache_read_input_tokens: 100 } },
  })}\n`;
}

function codexLines(session: string, totals: Array<[input: number, cached: number, output: number]>): string {
  const lines = [
    JSON.stringify({ timestamp: '2026-11-20T09:00:00Z', type: 'session_meta', payload: { id: session, cwd: '/w/app' } }),
    JSON.stringify({ timestamp: '2026-11-20T09:00:00Z', type: 'turn_context', payload: { model: 'gpt-5' } }),
    ...totals.map(([input, cached, output], minute) =>
      JSON.stringify({
        timestamp: `2026-11-20T09:0${minute + 1}:00Z`,
        type: 'event_msg',
        payload: { type: 'token_count', info: { total_token_usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output } } },
      }),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function providerLines(calls: Array<[created: number, prompt: number, completion: number]>): string {
  return calls
    .map(([created, prompt, completion], index) =>
      JSON.stringify({
        id: `chatcmpl-${created}-${index}`,
        object: 'chat.completion',
        created,
        model: 'gpt-4o',
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      }),
    )
    .map((line) => `${line}\n`)
    .join('');
}

const CONTENT = {
  'claude/a.jsonl': claudeLine(1, 5) + claudeLine(2, 7),
  'claude/b.jsonl': claudeLine(3, 20) + claudeLine(4, 30),
  'codex/rollout-c1.jsonl': codexLines('c1', [
    [100, 40, 10],
    [300, 140, 30],
  ]),
  'codex/rollout-c2.jsonl': codexLines('c2', [
    [50, 0, 5],
    [150, 50, 25],
  ]),
  'provider/p1.jsonl': providerLines([
    [1794391200, 2000, 300],
    [1794391500, 1000, 100],
  ]),
  'provider/p2.jsonl': providerLines([
    [1794392000, 400, 50],
    [1794392100, 600, 60],
  ]),
} as const;

function writeLog(logs: string, name: keyof typeof CONTENT): void {
  const path = join(logs, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, CONTENT[name]);
  const past = new Date(Date.now() - 60_000);
  utimesSync(path, past, past);
}

function makeLogs(): string {
  const logs = makeFolder('usage-archive-logs-');
  for (const name of Object.keys(CONTENT) as Array<keyof typeof CONTENT>) writeLog(logs, name);
  return logs;
}

interface Totals {
  records: number;
  tokens: number;
  warnings: string[];
}

async function run(root: string, cacheDirectory: string | null, archive: 'use' | 'ignore' = 'use', extra: IngestOptions = {}): Promise<Totals> {
  const { sources } = await discoverFiles([root]);
  const warnings: string[] = [];
  const onWarning = (message: string): void => {
    warnings.push(message);
  };
  const records: UsageRecord[] = [];
  const options: IngestOptions = { prefilter: true, ...extra };
  if (cacheDirectory) {
    options.index = { directory: cacheDirectory, tool: 'usage@test', onWarning };
    options.archive = archive === 'use' ? { directory: cacheDirectory, roots: [root], onWarning } : false;
  }
  await ingest(sources, (record) => records.push(record), options);
  return { records: records.length, tokens: records.reduce((sum, record) => sum + record.totalTokens, 0), warnings };
}

/** Every record in the order it is handed on, and the summary without the index statistics. */
async function runInOrder(root: string, cacheDirectory: string, index: boolean): Promise<{ records: UsageRecord[]; summary: Omit<IngestSummary, 'index'> }> {
  const { sources } = await discoverFiles([root]);
  const onWarning = (message: string): void => {
    throw new Error(`unexpected warning: ${message}`);
  };
  const records: UsageRecord[] = [];
  const options: IngestOptions = { prefilter: true, archive: { directory: cacheDirectory, roots: [root], onWarning } };
  if (index) options.index = { directory: cacheDirectory, tool: 'usage@test', onWarning };
  const { index: _index, ...summary } = await ingest(sources, (record) => records.push(record), options);
  return { records, summary };
}

/** Deletes b.jsonl, rollout-c2.jsonl and p2.jsonl: half of the logs. */
function deleteHalf(logs: string): void {
  rmSync(join(logs, 'claude/b.jsonl'));
  rmSync(join(logs, 'codex/rollout-c2.jsonl'));
  rmSync(join(logs, 'provider/p2.jsonl'));
}

function restoreHalf(logs: string): void {
  writeLog(logs, 'claude/b.jsonl');
  writeLog(logs, 'codex/rollout-c2.jsonl');
  writeLog(logs, 'provider/p2.jsonl');
}

describe('the archive', () => {
  it('keeps counting the records of deleted logs', async () => {
    const logs = makeLogs();
    const cache = makeFolder('usage-archive-cache-');
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
    expect(existsSync(archivePath(cache))).toBe(false);
    deleteHalf(logs);
    // The run that notices the deletion already counts the archived records…
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
    // …and so does every run after it, when the index no longer knows those files.
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
    const archive = readArchive(cache);
    expect(archive?.segments.map((segment) => [segment.path, segment.reason, segment.records])).toEqual([
      [join(logs, 'claude/b.jsonl'), 'deleted', 2],
      [join(logs, 'codex/rollout-c2.jsonl'), 'deleted', 2],
      [join(logs, 'provider/p2.jsonl'), 'deleted', 2],
    ]);
    // Without the index (--no-cache) the archive is still read.
    expect(await run(logs, null, 'use', { archive: { directory: cache, roots: [logs], onWarning: () => {} } })).toMatchObject({ records: 12, tokens: 5517 });
  });

  it('counts a deleted file that comes back once, keyed (Claude, Codex) or not (provider)', async () => {
    const logs = makeLogs();
    const cache = makeFolder('usage-archive-cache-');
    await run(logs, cache);
    deleteHalf(logs);
    await run(logs, cache);
    restoreHalf(logs);
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
    // Deleted again: the archive already holds every record and does not grow.
    const before = readFileSync(archivePath(cache));
    deleteHalf(logs);
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
    expect(readFileSync(archivePath(cache)).equals(before)).toBe(true);
  });

  it('does not count an archived copy meeting its live record as a duplicate line', async () => {
    const logs = makeLogs();
    const cache = makeFolder('usage-archive-cache-');
    await run(logs, cache);
    deleteHalf(logs);
    await run(logs, cache);
    restoreHalf(logs);
    const { sources } = await discoverFiles([logs]);
    const summary = await ingest(sources, () => {}, {
      index: { directory: cache, tool: 'usage@test', onWarning: () => {} },
      archive: { directory: cache, roots: [logs], onWarning: () => {} },
    });
    // Six archived rows meet their restored lines; none of the logs' lines repeats another.
    expect(summary.records).toBe(12);
    expect(summary.duplicateLines).toBe(0);
  });

  it('counts a Codex rollout or a provider log moved to another folder once', async () => {
    const logs = makeLogs();
    const cache = makeFolder('usage-archive-cache-');
    await run(logs, cache);
    mkdirSync(join(logs, 'archived_sessions'));
    renameSync(join(logs, 'codex/rollout-c1.jsonl'), join(logs, 'archived_sessions/rollout-c1.jsonl'));
    renameSync(join(logs, 'provider/p1.jsonl'), join(logs, 'archived_sessions/p1.jsonl'));
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
  });

  it('keeps the records a truncated file lost, and counts what is appended after', async () => {
    const logs = makeLogs();
    const cache = makeFolder('usage-archive-cache-');
    await run(logs, cache);
    // Keep only msg 1: msg 2 (117) survives in the archive.
    truncateSync(join(logs, 'claude/a.jsonl'), claudeLine(1, 5).length);
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
    expect(readArchive(cache)?.segments.map((segment) => [segment.reason, segment.records])).toEqual([['shrunk', 2]]);
    // msg 5: 10 + 1 + 100 = 111 more.
    appendFileSync(join(logs, 'claude/a.jsonl'), claudeLine(5, 1));
    expect(await run(logs, cache)).toEqual({ records: 13, tokens: 5628, warnings: [] });
    // A provider log (no keys) cut to its first call: the second (1100) survives in the archive.
    truncateSync(join(logs, 'provider/p1.jsonl'), CONTENT['provider/p1.jsonl'].indexOf('\n') + 1);
    expect(await run(logs, cache)).toEqual({ records: 13, tokens: 5628, warnings: [] });
  });

  it('counts archived records only for the folders a report reads', async () => {
    const logs = makeLogs();
    const cache = makeFolder('usage-archive-cache-');
    await run(logs, cache);
    deleteHalf(logs);
    await run(logs, cache);
    // claude/ alone: a (232) live and b (270) archived; c2 lies outside.
    expect(await run(join(logs, 'claude'), cache)).toEqual({ records: 4, tokens: 502, warnings: [] });
    // codex/ alone: c1 (330) live and c2 (175) archived.
    expect(await run(join(logs, 'codex'), cache)).toEqual({ records: 4, tokens: 505, warnings: [] });
    // provider/ alone: p1 (3400) live and p2 (1110) archived.
    expect(await run(join(logs, 'provider'), cache)).toEqual({ records: 4, tokens: 4510, warnings: [] });
  });

  it('ignores the archive with --no-archive, and then the index forgets nothing', async () => {
    const logs = makeLogs();
    const cache = makeFolder('usage-archive-cache-');
    await run(logs, cache);
    deleteHalf(logs);
    expect(await run(logs, cache, 'ignore')).toEqual({ records: 6, tokens: 3962, warnings: [] });
    expect(existsSync(archivePath(cache))).toBe(false);
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
    expect(await run(logs, cache, 'ignore')).toEqual({ records: 6, tokens: 3962, warnings: [] });
  });

  it('keeps the index as it was while the archive cannot be written, so nothing is lost', async () => {
    const logs = makeLogs();
    const cache = makeFolder('usage-archive-cache-');
    await run(logs, cache);
    // A folder where the archive should be: it can be neither read nor replaced.
    mkdirSync(archivePath(cache));
    deleteHalf(logs);
    const blocked = await run(logs, cache);
    expect(blocked).toMatchObject({ records: 6, tokens: 3962 });
    expect(blocked.warnings).toEqual([expect.stringMatching(/^not using the archive: .*archive-v1\.bin is not a regular file$/)]);
    rmSync(archivePath(cache), { recursive: true });
    // The index still remembers the deleted files, so they are archived now.
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
    expect(readArchive(cache)?.segments).toHaveLength(3);
  });

  it('keeps every total through any sequence of deletions, truncations and restorations', async () => {
    const names = Object.keys(CONTENT) as Array<keyof typeof CONTENT>;
    const step = fc.record({ name: fc.constantFrom(...names), action: fc.constantFrom('delete', 'truncate', 'restore'), runAfter: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        const logs = makeLogs();
        const cache = makeFolder('usage-archive-cache-');
        await run(logs, cache);
        for (const { name, action, runAfter } of steps) {
          const path = join(logs, name);
          if (action === 'delete') rmSync(path, { force: true });
          else if (action === 'restore') writeLog(logs, name);
          else if (existsSync(path)) truncateSync(path, CONTENT[name].indexOf('\n') + 1);
          // Every record was read by the first run, so none may be lost or counted twice.
          if (runAfter) expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
        }
        expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
      }),
      { numRuns: 25 },
    );
  });

  it('hands on the same records in the same order with the index, resolved or not, as without it (property)', async () => {
    const names = Object.keys(CONTENT) as Array<keyof typeof CONTENT>;
    // Appended: a new Claude call, a larger copy of message 1 (it beats an archived copy), a provider call the archive may hold.
    const appended = [claudeLine(5, 9), claudeLine(1, 50), providerLines([[1794391200, 2000, 300]])];
    const step = fc.record({
      name: fc.constantFrom(...names),
      action: fc.constantFrom('delete', 'truncate', 'restore', 'append'),
      line: fc.integer({ min: 0, max: appended.length - 1 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        const logs = makeLogs();
        const cache = makeFolder('usage-archive-cache-');
        await runInOrder(logs, cache, true);
        for (const { name, action, line } of steps) {
          const path = join(logs, name);
          if (action === 'delete') rmSync(path, { force: true });
          else if (action === 'restore') writeLog(logs, name);
          else if (action === 'append') appendFileSync(path, appended[line] as string);
          else if (existsSync(path)) truncateSync(path, CONTENT[name].indexOf('\n') + 1);
          // The index run archives and writes; the run without it reads the same archive; the next index run,
          // nothing having changed, is served from the index's resolved de-duplication and must match it exactly.
          const indexed = await runInOrder(logs, cache, true);
          const plain = await runInOrder(logs, cache, false);
          const again = await runInOrder(logs, cache, true);
          expect(again).toEqual(plain);
          expect(indexed).toEqual(plain);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('leaves the previous archive intact when a write stops before its rename', async () => {
    const logs = makeLogs();
    const cache = makeFolder('usage-archive-cache-');
    await run(logs, cache);
    deleteHalf(logs);
    await run(logs, cache);
    const before = readFileSync(archivePath(cache));
    const archive = readArchive(cache);
    if (!archive) throw new Error('expected an archive');
    expect(() =>
      writeArchive(cache, { keySecret: archive.keySecret, segments: [] }, {
        beforeRename: () => {
          throw new Error('crash');
        },
      }),
    ).toThrow('crash');
    expect(readFileSync(archivePath(cache)).equals(before)).toBe(true);
    expect(readdirSync(cache).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    // A temporary file left by a writer killed outright (its process is gone) changes nothing and is removed.
    const leftover = join(cache, `${ARCHIVE_FILE_NAME}.999999999.dead.tmp`);
    writeFileSync(leftover, before.subarray(0, 100));
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
    expect(existsSync(leftover)).toBe(false);
  });

  it('sets a damaged archive aside with one warning, never crashes, and keeps its bytes', async () => {
    const logs = makeLogs();
    const cache = makeFolder('usage-archive-cache-');
    await run(logs, cache);
    deleteHalf(logs);
    await run(logs, cache);
    const bytes = readFileSync(archivePath(cache));
    const damaged = Buffer.from(bytes);
    damaged[20] = (damaged[20] as number) ^ 0x01;
    writeFileSync(archivePath(cache), damaged);
    const result = await run(logs, cache);
    // Its records cannot be counted (nor rebuilt: their logs are gone): the 3962 live.
    expect(result.tokens).toBe(3962);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/archive .* is damaged \(its records are damaged \(checksum mismatch\)\): moved it to .*archive-v1\.bin\.damaged-/);
    const aside = readdirSync(cache).filter((name) => name.startsWith(`${ARCHIVE_FILE_NAME}.damaged-`));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(cache, aside[0] as string)).equals(damaged)).toBe(true);
    expect(existsSync(archivePath(cache))).toBe(false);
    // Every later run warns again (once) while the damaged copy is neither restored nor deleted.
    const later = await run(logs, cache);
    expect(later.tokens).toBe(3962);
    expect(later.warnings).toEqual([expect.stringMatching(/a damaged archive was set aside as .*; the records it held are not counted/)]);
    // Restored from a backup (here: the bytes before the damage), its records count again.
    rmSync(join(cache, aside[0] as string));
    writeFileSync(archivePath(cache), bytes);
    expect(await run(logs, cache)).toEqual({ records: 12, tokens: 5517, warnings: [] });
  });
});
