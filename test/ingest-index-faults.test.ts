/**
 * The persistent index under faults (issue 13, cases 4, 5, 6, 11, 12, 13, 15):
 * flipped bits, same-size rewrites with mtime put back, crafted key
 * collisions, folders that cannot be written, a directory at the index path,
 * named pipes, and temporary files left by interrupted runs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../src/core/record.js';
import { abandonActiveIndexWrites, clearIndex, type IngestOptions, type IngestSummary, ingest } from '../src/ingest/ingest.js';
import type { Source } from '../src/sources/discover.js';
import { closeIndex, INDEX_FILE_NAME, IndexCorruptError, IndexWriter, loadIndex, readSection, removeStaleTemporaryFiles } from '../src/store/index-file.js';

const folders: string[] = [];
function makeFolder(prefix = 'usage-faults-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
}
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function claudeLine(messageId: string, output: number, requestId = 'req_1'): string {
  return `${JSON.stringify({
    type: 'assistant',
    sessionId: 's1',
    requestId,
    timestamp: '2026-11-20T10:00:00.000Z',
    message: { id: messageId, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: output } },
  })}\n`;
}

interface Run {
  summary: IngestSummary;
  records: UsageRecord[];
  warnings: string[];
}

async function run(paths: string[], indexDirectory: string | null, extra: IngestOptions = {}): Promise<Run> {
  const records: UsageRecord[] = [];
  const warnings: string[] = [];
  const options: IngestOptions = { ...extra };
  if (indexDirectory) options.index = { directory: indexDirectory, tool: 'usage@test', onWarning: (message) => warnings.push(message) };
  const sources: Source[] = paths.map((path) => ({ kind: 'file', path }));
  const summary = await ingest(sources, (record) => records.push(record), options);
  return { summary, records, warnings };
}

const total = (records: readonly UsageRecord[]): number => records.reduce((sum, record) => sum + record.totalTokens, 0);

/** Puts a file's times a minute back, so the index trusts its stat without reading it. */
function setOld(path: string): void {
  const past = new Date(Date.now() - 60_000);
  utimesSync(path, past, past);
}

describe('index damage (case 4)', () => {
  it('detects one flipped bit anywhere in the index, warns once, and answers as without it (property)', async () => {
    const logs = makeFolder();
    const index = makeFolder();
    const file = join(logs, 'a.jsonl');
    writeFileSync(file, claudeLine('msg_a', 5) + claudeLine('msg_b', 7, 'req_2'));
    setOld(file);
    await run([file], index);
    const pristine = readFileSync(join(index, INDEX_FILE_NAME));
    // (10 + 5) + (10 + 7) = 32 tokens.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: pristine.length * 8 - 1 }), async (bit) => {
        const damaged = Buffer.from(pristine);
        damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
        writeFileSync(join(index, INDEX_FILE_NAME), damaged);
        const result = await run([file], index);
        expect(total(result.records)).toBe(32);
        expect(result.warnings).toHaveLength(1);
        expect(result.warnings[0]).toMatch(/^discarding the index in .*; it will be rebuilt$/);
        expect(result.summary.index?.reused).toBe(0);
        // A large index is checked a section at a time (here: as if every index were large); the damage is caught the same.
        writeFileSync(join(index, INDEX_FILE_NAME), damaged);
        expect(() => loadIndex(index, toolOf(pristine), 0)).toThrow(IndexCorruptError);
      }),
      { numRuns: 60 },
    );
  });

  it('reads a large index a section at a time, keeping the sections that fit, with the same records as a small one', async () => {
    const logs = makeFolder();
    const index = makeFolder();
    const files = ['a', 'b', 'c'].map((name, position) => {
      const file = join(logs, `${name}.jsonl`);
      writeFileSync(file, claudeLine(`msg_${name}1`, position + 1) + claudeLine(`msg_${name}2`, position + 2, `req_${name}`));
      setOld(file);
      return file;
    });
    await run(files, index);
    const tool = toolOf(readFileSync(join(index, INDEX_FILE_NAME)));
    const readAll = (limit: number) => {
      const loaded = loadIndex(index, tool, limit);
      if (!loaded) throw new Error('no index');
      const sections = [...loaded.entries.values()].flatMap((entry) => entry.sections);
      const read = sections.map((section) => readSection(loaded, section));
      const kept = loaded.kept.size;
      const resident = loaded.resident !== undefined;
      closeIndex(loaded);
      return { read, kept, resident, sections: sections.length };
    };
    const small = readAll(Number.POSITIVE_INFINITY);
    expect(small.resident).toBe(true);
    expect(small.sections).toBe(3);
    // Record bytes per section: 2 rows × (13 floats × 8 + 22 ints × 4) = 384; a limit of 800 keeps the first two.
    for (const [limit, kept] of [
      [0, 0],
      [800, 2],
    ] as const) {
      const large = readAll(limit);
      expect(large.resident).toBe(false);
      expect(large.kept).toBe(kept);
      expect(large.read).toEqual(small.read);
    }
  });

  it('extends an index, large (copied by the kernel) or small, into one that checks out with its old sections in place', async () => {
    const logs = makeFolder();
    const index = makeFolder();
    const files = ['a', 'b'].map((name, position) => {
      const file = join(logs, `${name}.jsonl`);
      writeFileSync(file, claudeLine(`msg_${name}1`, position + 1));
      setOld(file);
      return file;
    });
    await run(files, index);
    const tool = toolOf(readFileSync(join(index, INDEX_FILE_NAME)));
    for (const limit of [0, Number.POSITIVE_INFINITY]) {
      const before = readFileSync(join(index, INDEX_FILE_NAME));
      const loaded = loadIndex(index, tool, limit);
      if (!loaded) throw new Error('no index');
      const entries = [...loaded.entries.values()];
      const first = entries[0] as (typeof entries)[number];
      const added = readSection(loaded, first.sections[0] as (typeof first.sections)[number]);
      const writer = new IndexWriter(index, loaded.keySecret, loaded);
      const ref = writer.appendSection(added);
      expect(ref.offset).toBeGreaterThanOrEqual(loaded.headerStart);
      expect(writer.finish(tool, [{ ...first, sections: [...first.sections, ref] }, ...entries.slice(1)])).toBe(true);
      closeIndex(loaded);
      const after = readFileSync(join(index, INDEX_FILE_NAME));
      expect(after.subarray(0, loaded.headerStart).equals(before.subarray(0, loaded.headerStart))).toBe(true);
      const reloaded = loadIndex(index, tool, 0);
      if (!reloaded) throw new Error('no index');
      const sections = [...reloaded.entries.values()].flatMap((entry) => entry.sections);
      expect(sections).toHaveLength(entries.length + 1 + (limit === 0 ? 0 : 1));
      expect(readSection(reloaded, sections.at(-1 - (entries.length - 1)) as (typeof sections)[number])).toEqual(added);
      closeIndex(reloaded);
    }
  });
});

/** The tool string an index was written under (the run adds its record layout to the version). */
function toolOf(index: Buffer): string {
  const length = index.readUInt32LE(index.length - 12);
  return JSON.parse(index.toString('utf8', index.length - 20 - length, index.length - 20)).tool;
}

describe('file identity (case 5)', () => {
  it('reads again a same-size rewrite whose mtime was put back (touch -r, cp -p, rsync --inplace -t)', async () => {
    const logs = makeFolder();
    const index = makeFolder();
    const file = join(logs, 'a.jsonl');
    writeFileSync(file, claudeLine('msg_a', 5));
    setOld(file);
    const before = statSync(file);
    const first = await run([file], index);
    // 10 + 5 = 15.
    expect(total(first.records)).toBe(15);
    // Same length, new content (output 5 → 9), then mtime put back as `touch -r` does.
    writeFileSync(file, claudeLine('msg_a', 9));
    utimesSync(file, before.atime, before.mtime);
    expect(statSync(file).size).toBe(before.size);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    const second = await run([file], index);
    // 10 + 9 = 19: the rewrite was seen.
    expect(total(second.records)).toBe(19);
    expect(second.summary.index).toMatchObject({ reused: 0, scanned: 1 });
  });
});

describe('de-duplication keys (case 6)', () => {
  /** The unkeyed 64-bit hash used before (two FNV-1a style lanes), to craft a collision against. */
  function oldHash(key: string): string {
    let first = 0x811c9dc5;
    let second = 0x01000193 ^ key.length;
    for (let index = 0; index < key.length; index++) {
      const code = key.charCodeAt(index);
      first = Math.imul(first ^ code, 0x01000193);
      second = Math.imul(second ^ code, 0x5bd1e995);
      second ^= second >>> 15;
    }
    return `${(first >>> 0).toString(16)}:${(second >>> 0).toString(16)}`;
  }

  /**
   * Two distinct message ids with one old hash. The first lane is FNV-1a, so
   * two-unit blocks that collide in it are cheap to find (equal high halves
   * after the first unit, the second unit absorbs the low difference); 24
   * such blocks in a row give 2^24 ids with one first lane (a multicollision),
   * among which the second lane collides by the birthday bound.
   */
  function craftCollision(): [string, string] {
    const prefix = 'msg_';
    const suffix = ':req_1';
    let state = 0x811c9dc5;
    for (const unit of prefix) state = Math.imul(state ^ unit.charCodeAt(0), 0x01000193);
    const blocks: Array<[string, string]> = [];
    for (let block = 0; block < 24; block++) {
      const byHigh = new Map<number, number>();
      for (let unit = 0x4e00; ; unit++) {
        const after = Math.imul(state ^ unit, 0x01000193) >>> 0;
        const other = byHigh.get(after >>> 16);
        if (other !== undefined) {
          const otherAfter = Math.imul(state ^ other, 0x01000193) >>> 0;
          const second = 0x4e00;
          const otherSecond = second ^ ((after ^ otherAfter) & 0xffff);
          blocks.push([String.fromCharCode(unit, second), String.fromCharCode(other, otherSecond)]);
          state = Math.imul(after ^ second, 0x01000193);
          break;
        }
        byHigh.set(after >>> 16, unit);
      }
    }
    const seen = new Map<string, number>();
    for (let choice = 0; choice < 1 << 24; choice++) {
      let id = prefix;
      for (let block = 0; block < 24; block++) id += (blocks[block] as [string, string])[(choice >> block) & 1];
      const hash = oldHash(id + suffix);
      const earlier = seen.get(hash);
      if (earlier !== undefined) {
        let other = prefix;
        for (let block = 0; block < 24; block++) other += (blocks[block] as [string, string])[(earlier >> block) & 1];
        return [id, other];
      }
      seen.set(hash, choice);
    }
    throw new Error('no collision found');
  }

  it('keeps two distinct calls whose ids collide under the old unkeyed hash', { timeout: 60_000 }, async () => {
    const [first, second] = craftCollision();
    expect(first).not.toBe(second);
    expect(oldHash(`${first}:req_1`)).toBe(oldHash(`${second}:req_1`));
    const logs = makeFolder();
    const file = join(logs, 'a.jsonl');
    writeFileSync(file, claudeLine(first, 5) + claudeLine(second, 7));
    const result = await run([file], null);
    // Two calls: (10 + 5) + (10 + 7) = 32 tokens, none dropped as a duplicate.
    expect(total(result.records)).toBe(32);
    expect(result.summary.duplicateLines).toBe(0);
    // A real duplicate (same ids) still collapses, with the index too.
    writeFileSync(file, claudeLine(first, 5) + claudeLine(first, 5));
    const index = makeFolder();
    for (let pass = 0; pass < 2; pass++) {
      const again = await run([file], index);
      expect(total(again.records)).toBe(15);
      expect(again.summary.duplicateLines).toBe(1);
    }
  });
});

describe('an index that cannot be used (cases 11, 12)', () => {
  it('answers without the index when its path is a directory, warning once; clearIndex removes it', async () => {
    const logs = makeFolder();
    const index = makeFolder();
    const file = join(logs, 'a.jsonl');
    writeFileSync(file, claudeLine('msg_a', 5));
    mkdirSync(join(index, INDEX_FILE_NAME));
    writeFileSync(join(index, INDEX_FILE_NAME, 'inside'), 'x');
    for (let pass = 0; pass < 2; pass++) {
      const result = await run([file], index);
      expect(total(result.records)).toBe(15);
      expect(result.warnings).toEqual([`not using the index: ${join(index, INDEX_FILE_NAME)} is not a regular file`]);
    }
    expect(clearIndex(index)).toBe(1);
    expect(existsSync(join(index, INDEX_FILE_NAME))).toBe(false);
    const rebuilt = await run([file], index);
    expect(rebuilt.warnings).toEqual([]);
  });

  it('answers without the index when its folder cannot be written, warning once', async () => {
    const logs = makeFolder();
    const file = join(logs, 'a.jsonl');
    writeFileSync(file, claudeLine('msg_a', 5));
    // A folder that vanished: creating the temporary file fails (ENOENT) as it
    // does (EROFS, EACCES, ENOSPC) on a read-only mount, another user's folder or a full disk.
    const gone = join(makeFolder(), 'gone');
    const result = await run([file], gone);
    expect(total(result.records)).toBe(15);
    expect(result.warnings).toEqual([`not updating the index in ${gone} (no such file or directory); this run's answer is complete without it`]);
    // A file where the folder should be: the index cannot even be read; still one warning.
    const notAFolder = join(makeFolder(), 'cache');
    writeFileSync(notAFolder, '');
    const blocked = await run([file], notAFolder);
    expect(total(blocked.records)).toBe(15);
    expect(blocked.warnings).toEqual([`not using the index: cannot read ${notAFolder}/${INDEX_FILE_NAME}: not a directory`]);
  });
});

describe('named pipes (case 13)', () => {
  it('reads a named pipe with the index on, without re-opening it to fingerprint it', { timeout: 20_000 }, async () => {
    const folder = makeFolder();
    const index = makeFolder();
    const pipe = join(folder, 'pipe.jsonl');
    execFileSync('mkfifo', [pipe]);
    // A writer that writes once and exits: re-opening the pipe would wait forever.
    const writer = spawn('sh', ['-c', `printf '%s' '${claudeLine('msg_a', 5).trim()}' > '${pipe}'`]);
    const result = await run([pipe], index);
    writer.kill();
    expect(total(result.records)).toBe(15);
    expect(result.warnings).toEqual([]);
  });
});

describe('temporary files (case 15)', () => {
  it('removes a temporary file whose writer is gone, keeps a live one, and abandons active writes on demand', () => {
    const index = makeFolder();
    const dead = join(index, `${INDEX_FILE_NAME}.999999999.abc.tmp`);
    const live = join(index, `${INDEX_FILE_NAME}.${process.pid}.def.tmp`);
    const ancient = join(index, `${INDEX_FILE_NAME}.1f2e.tmp`);
    for (const path of [dead, live, ancient]) writeFileSync(path, 'partial');
    const longAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    utimesSync(ancient, longAgo, longAgo);
    expect(removeStaleTemporaryFiles(index)).toBe(2);
    expect(readdirSync(index)).toEqual([`${INDEX_FILE_NAME}.${process.pid}.def.tmp`]);
    rmSync(live);
    const writer = new IndexWriter(index, '0123456789abcdef');
    expect(readdirSync(index)).toHaveLength(1);
    // What the CLI's SIGINT/SIGTERM handler calls.
    abandonActiveIndexWrites();
    expect(readdirSync(index)).toEqual([]);
    expect(writer.finish('usage@test', [])).toBe(false);
  });
});
