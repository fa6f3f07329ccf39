/**
 * The index file's own format (src/store/index-file.ts): text tables kept in
 * the section bytes, not in the header JSON. Their texts come back exactly
 * (lone surrogates included, which UTF-8 cannot carry), and damage to any
 * part of a table (its count, its encoding, its lengths, its texts) is
 * caught before a record is used: one warning, and the index is rebuilt.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../src/core/record.js';
import { clearIndex, type IngestSummary, ingest } from '../src/ingest/ingest.js';
import {
  closeIndex,
  INDEX_FILE_NAME,
  INDEX_VERSION,
  IndexCorruptError,
  type IndexEntry,
  type IndexSectionRef,
  IndexWriter,
  type LoadedIndex,
  loadIndex,
  readSection,
  readSectionInts,
  removeUnusedBases,
} from '../src/store/index-file.js';

const folders: string[] = [];
function makeFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'usage-index-file-'));
  folders.push(folder);
  return folder;
}
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function claudeLine(messageId: string, sessionId: string, output: number): string {
  return `${JSON.stringify({
    type: 'assistant',
    sessionId,
    requestId: `req_${messageId}`,
    timestamp: '2026-11-20T10:00:00.000Z',
    message: { id: messageId, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: output } },
  })}\n`;
}

interface Run {
  summary: IngestSummary;
  records: UsageRecord[];
  warnings: string[];
}

async function run(file: string, indexDirectory: string | null): Promise<Run> {
  const records: UsageRecord[] = [];
  const warnings: string[] = [];
  const summary = await ingest([{ kind: 'file', path: file }], (record) => records.push(record), {
    ...(indexDirectory ? { index: { directory: indexDirectory, tool: 'usage@test', onWarning: (message: string) => warnings.push(message) } } : {}),
  });
  return { summary, records, warnings };
}

/** A log whose times are a minute back, so the index trusts its stat. */
function writeLog(folder: string, text: string): string {
  const file = join(folder, 'a.jsonl');
  writeFileSync(file, text);
  const past = new Date(Date.now() - 60_000);
  utimesSync(file, past, past);
  return file;
}

interface StoredSection {
  offset: number;
  floats: number;
  ints: number;
  contexts: number;
  textBytes: number;
}

/** The header of an index file (its JSON sits before 12 bytes of checksums and length and the 8-byte magic). */
function readHeader(index: Buffer): { version: number; entries: Array<{ sections: StoredSection[] }> } {
  const length = index.readUInt32LE(index.length - 12);
  return JSON.parse(index.toString('utf8', index.length - 20 - length, index.length - 20));
}

/** Where the first section's text table starts, and its bytes. */
function firstTextTable(index: Buffer): { start: number; table: Buffer } {
  const section = readHeader(index).entries[0]?.sections[0] as StoredSection;
  const start = section.offset + section.floats + section.ints + section.contexts;
  return { start, table: index.subarray(start, start + section.textBytes) };
}

describe('index text tables', () => {
  it('keeps the text tables out of the header and gives every text back exactly, lone surrogates included', async () => {
    const logs = makeFolder();
    const index = makeFolder();
    // Plain ASCII, accents and CJK, a surrogate pair (an emoji), an empty-looking name, and a lone surrogate.
    const sessions = ['plain', 'café 漢字', 'emoji 😀 here', ' ', 'lone \ud800 surrogate'];
    const file = writeLog(logs, sessions.map((session, at) => claudeLine(`msg_${at}`, session, at + 1)).join(''));
    const cold = await run(file, null);
    expect(cold.records.map((record) => record.session)).toEqual(sessions);
    const built = await run(file, index);
    const warm = await run(file, index);
    expect(warm.summary.index?.reused).toBe(1);
    for (const result of [built, warm]) {
      expect(result.warnings).toEqual([]);
      expect(result.records).toEqual(cold.records);
    }
    const bytes = readFileSync(join(index, INDEX_FILE_NAME));
    const header = readHeader(bytes);
    expect(header.version).toBe(INDEX_VERSION);
    const headerText = JSON.stringify(header);
    expect(headerText).not.toContain('café');
    expect(headerText).not.toContain('"texts"');
    // A lone surrogate cannot be UTF-8: this table is stored as UTF-16LE (encoding 1).
    const { table } = firstTextTable(bytes);
    expect(table.readUInt32LE(4)).toBe(1);
  });

  it('stores a table of well-formed texts as UTF-8 (encoding 0), one length per text', async () => {
    const logs = makeFolder();
    const index = makeFolder();
    const file = writeLog(logs, claudeLine('msg_a', 'café', 1));
    await run(file, index);
    const { table } = firstTextTable(readFileSync(join(index, INDEX_FILE_NAME)));
    const count = table.readUInt32LE(0);
    expect(table.readUInt32LE(4)).toBe(0);
    // count | encoding | a length per text | the texts: the byte length adds up.
    let characters = 0;
    for (let at = 0; at < count; at++) characters += table.readUInt32LE(8 + 4 * at);
    const payload = table.subarray(8 + 4 * count).toString('utf8');
    expect(payload.length).toBe(characters);
    expect(payload).toContain('café');
  });

  it('catches a changed byte in each part of a text table, warns once, rebuilds, and answers as without the index', async () => {
    const logs = makeFolder();
    const index = makeFolder();
    const file = writeLog(logs, claudeLine('msg_a', 'café', 5) + claudeLine('msg_b', 'plain', 7));
    const cold = await run(file, null);
    // (10 + 5) + (10 + 7) = 32 tokens.
    expect(cold.records.reduce((sum, record) => sum + record.totalTokens, 0)).toBe(32);
    await run(file, index);
    const pristine = readFileSync(join(index, INDEX_FILE_NAME));
    const { start, table } = firstTextTable(pristine);
    const count = table.readUInt32LE(0);
    const parts = { count: start, encoding: start + 4, lengths: start + 8, texts: start + 8 + 4 * count, lastText: start + table.length - 1 };
    for (const [part, position] of Object.entries(parts)) {
      const damaged = Buffer.from(pristine);
      damaged[position] = (damaged[position] as number) ^ 0x01;
      writeFileSync(join(index, INDEX_FILE_NAME), damaged);
      const result = await run(file, index);
      expect(result.warnings, part).toHaveLength(1);
      expect(result.warnings[0], part).toMatch(/^discarding the index in .*checksum mismatch.*; it will be rebuilt$/);
      expect(result.summary.index?.reused, part).toBe(0);
      expect(result.records, part).toEqual(cold.records);
      // Rebuilt: the next run is served by the index again, without a warning.
      const next = await run(file, index);
      expect(next.warnings, part).toEqual([]);
      expect(next.summary.index?.reused, part).toBe(1);
      expect(next.records, part).toEqual(cold.records);
    }
  });

  it('discards an index of an older version with one warning, and rebuilds it', async () => {
    const logs = makeFolder();
    const index = makeFolder();
    const file = writeLog(logs, claudeLine('msg_a', 'plain', 5));
    const cold = await run(file, null);
    await run(file, index);
    const bytes = readFileSync(join(index, INDEX_FILE_NAME));
    const length = bytes.readUInt32LE(bytes.length - 12);
    const header = readHeader(bytes);
    // Same length, so the file's layout holds: only the version differs (5, the format with texts in the header).
    const json = Buffer.from(JSON.stringify({ ...header, version: 5 }));
    expect(json.length).toBe(length);
    const old = Buffer.from(bytes);
    json.copy(old, bytes.length - 20 - length);
    old.writeUInt32LE(crc32(json), bytes.length - 16);
    writeFileSync(join(index, INDEX_FILE_NAME), old);
    const result = await run(file, index);
    expect(result.warnings).toEqual([expect.stringMatching(/^discarding the index in .*written by another version of usage.*rebuilt$/)]);
    expect(result.records).toEqual(cold.records);
    const next = await run(file, index);
    expect(next.warnings).toEqual([]);
    expect(next.summary.index?.reused).toBe(1);
  });
});

describe('index bases (an extended index links the file it extends instead of copying it)', () => {
  /** The tool string a run writes its index under (it adds its record layout to the version). */
  const toolOf = (index: Buffer): string => (readHeader(index) as unknown as { tool: string }).tool;

  /** An index over three logs, built by a run, then extended by a writer that links it as a base (as a large one would be). */
  async function buildLinked(): Promise<{ logs: string; index: string; files: string[]; cold: UsageRecord[] }> {
    const logs = makeFolder();
    const index = makeFolder();
    const files = ['a', 'b', 'c'].map((name, position) => {
      const file = join(logs, `${name}.jsonl`);
      writeFileSync(file, claudeLine(`msg_${name}1`, `s_${name}`, position + 1) + claudeLine(`msg_${name}2`, `s_${name}`, position + 2));
      const past = new Date(Date.now() - 60_000);
      utimesSync(file, past, past);
      return file;
    });
    const cold = (await runAll(files, null)).records;
    await runAll(files, index);
    const tool = toolOf(readFileSync(join(index, INDEX_FILE_NAME)));
    const loaded = loadIndex(index, tool) as LoadedIndex;
    const writer = new IndexWriter(index, loaded.keySecret, loaded, 0);
    expect(writer.finish(tool, [...loaded.entries.values()], loaded.resolved)).toBe(true);
    closeIndex(loaded);
    return { logs, index, files, cold };
  }

  async function runAll(files: string[], indexDirectory: string | null): Promise<Run> {
    const records: UsageRecord[] = [];
    const warnings: string[] = [];
    const summary = await ingest(
      files.map((path) => ({ kind: 'file', path })),
      (record) => records.push(record),
      indexDirectory ? { index: { directory: indexDirectory, tool: 'usage@test', onWarning: (message: string) => warnings.push(message) } } : {},
    );
    return { summary, records, warnings };
  }

  const baseNames = (index: string): string[] => readdirSync(index).filter((name) => name.endsWith('.base'));

  it('writes only the new sections, keeps the old ones in a linked base, and reads both back', async () => {
    const logs = makeFolder();
    const index = makeFolder();
    const files = ['a', 'b'].map((name, position) => {
      const file = join(logs, `${name}.jsonl`);
      writeFileSync(file, claudeLine(`msg_${name}`, `s_${name}`, position + 1));
      return file;
    });
    await runAll(files, index);
    const before = readFileSync(join(index, INDEX_FILE_NAME));
    const tool = toolOf(before);
    const loaded = loadIndex(index, tool) as LoadedIndex;
    const entries = [...loaded.entries.values()];
    const first = entries[0] as IndexEntry;
    const old = entries.flatMap((entry) => entry.sections.map((section) => readSection(loaded, section)));
    const added = readSection(loaded, first.sections[0] as IndexSectionRef);
    const writer = new IndexWriter(index, loaded.keySecret, loaded, 0);
    const ref = writer.appendSection(added);
    // The new file holds the magic, then the new section: nothing of the old one is copied.
    expect(ref.offset).toBe(8);
    expect(writer.finish(tool, [{ ...first, sections: [...first.sections, ref] }, ...entries.slice(1)])).toBe(true);
    closeIndex(loaded);
    const [base] = baseNames(index);
    expect(base).toMatch(/^index-v1\.bin\.[0-9a-f-]{36}\.base$/);
    // The base is the old index itself, untouched.
    expect(readFileSync(join(index, base as string)).equals(before)).toBe(true);
    const after = readFileSync(join(index, INDEX_FILE_NAME));
    expect(readHeader(after) as unknown as { bases: Array<{ name: string }> }).toMatchObject({ bases: [{ name: base }] });
    const reloaded = loadIndex(index, tool, 0) as LoadedIndex;
    const sections = [...reloaded.entries.values()].flatMap((entry) => entry.sections);
    // Old sections now lie in part 1 (the base), the new one in this file (part 0).
    expect(sections.map((section) => section.part ?? 0)).toEqual([1, 0, 1]);
    const read = sections.map((section) => readSection(reloaded, section));
    expect(read).toEqual([old[0], added, old[1]]);
    closeIndex(reloaded);
  });

  it('serves a run from an index with a base, and carries the base on when the index is extended again', async () => {
    const { index, files, cold } = await buildLinked();
    expect(baseNames(index)).toHaveLength(1);
    const warm = await runAll(files, index);
    expect(warm.warnings).toEqual([]);
    expect(warm.summary.index?.reused).toBe(3);
    expect(warm.records).toEqual(cold);
    // A line appended to the last log: the index is extended (its own small file copied), the base kept.
    const grown = files[2] as string;
    writeFileSync(grown, readFileSync(grown, 'utf8') + claudeLine('msg_c3', 's_c', 9));
    const appended = await runAll(files, index);
    expect(appended.warnings).toEqual([]);
    expect(appended.summary.index?.resumed).toBe(1);
    expect(appended.records).toEqual((await runAll(files, null)).records);
    expect(baseNames(index)).toHaveLength(1);
    expect(readHeader(readFileSync(join(index, INDEX_FILE_NAME))) as unknown as { bases: unknown[] }).toMatchObject({ bases: [{}] });
  });

  it('reads sections transiently (into one reused buffer) with the same contents as into fresh memory, from a base and from the file', async () => {
    const { index } = await buildLinked();
    const tool = toolOf(readFileSync(join(index, INDEX_FILE_NAME)));
    // Nothing kept: every read goes to the files.
    const loaded = loadIndex(index, tool, 0) as LoadedIndex;
    const sections = [...loaded.entries.values()].flatMap((entry) => entry.sections);
    expect(sections.every((section) => section.part === 1)).toBe(true);
    const copy = (packed: ReturnType<typeof readSection>) => ({ ...packed, floats: [...packed.floats], ints: [...packed.ints], contexts: [...packed.contexts] });
    const fresh = sections.map((section) => copy(readSection(loaded, section)));
    const transient = sections.map((section) => copy(readSection(loaded, section, true)));
    expect(transient).toEqual(fresh);
    const ints = sections.map((section) => [...readSectionInts(loaded, section, true)]);
    expect(ints).toEqual(fresh.map((packed) => packed.ints));
    closeIndex(loaded);
  });

  it('catches a changed byte in a base, warns once, rebuilds without it, and answers as without the index', async () => {
    const { index, files, cold } = await buildLinked();
    const [base] = baseNames(index) as [string];
    const pristine = readFileSync(join(index, base));
    const tool = toolOf(pristine);
    // Every 37th byte of its record bytes (the magic and its own header are not read from a base).
    for (let position = 8; position < pristine.length - 20 - pristine.readUInt32LE(pristine.length - 12); position += 37) {
      const damaged = Buffer.from(pristine);
      damaged[position] = (damaged[position] as number) ^ 0x10;
      writeFileSync(join(index, base), damaged);
      expect(() => loadIndex(index, tool, 0), `byte ${position}`).toThrow(IndexCorruptError);
      expect(() => loadIndex(index, tool), `byte ${position}`).toThrow(IndexCorruptError);
    }
    const damaged = Buffer.from(pristine);
    damaged[8] = (damaged[8] as number) ^ 0x01;
    writeFileSync(join(index, base), damaged);
    const result = await runAll(files, index);
    expect(result.warnings).toEqual([expect.stringMatching(/^discarding the index in .*checksum mismatch.*; it will be rebuilt$/)]);
    expect(result.records).toEqual(cold);
    // Rebuilt whole: no base needed any more (the unused one is removed once a minute old).
    expect(readHeader(readFileSync(join(index, INDEX_FILE_NAME))) as unknown as { bases?: unknown }).not.toHaveProperty('bases');
    expect(removeUnusedBases(index, new Set(), Date.now() + 120_000)).toBe(1);
    expect(baseNames(index)).toEqual([]);
    const next = await runAll(files, index);
    expect(next.warnings).toEqual([]);
    expect(next.summary.index?.reused).toBe(3);
  });

  it('treats a missing base as an incomplete index: one warning, rebuilt', async () => {
    const { index, files, cold } = await buildLinked();
    for (const name of baseNames(index)) rmSync(join(index, name));
    const result = await runAll(files, index);
    expect(result.warnings).toEqual([expect.stringMatching(/^discarding the index in .*incomplete.*is missing.*rebuilt$/)]);
    expect(result.records).toEqual(cold);
    const next = await runAll(files, index);
    expect(next.warnings).toEqual([]);
    expect(next.summary.index?.reused).toBe(3);
  });

  it('keeps an unused base for a minute (another writer may be about to use it), and clearIndex removes bases', async () => {
    const { index } = await buildLinked();
    const [base] = baseNames(index) as [string];
    const spare = join(index, base.replace(/^index-v1\.bin\.[0-9a-f]/, 'index-v1.bin.0'));
    writeFileSync(spare, 'not used');
    expect(removeUnusedBases(index, new Set([base]))).toBe(0);
    expect(removeUnusedBases(index, new Set([base]), Date.now() + 120_000)).toBe(1);
    expect(baseNames(index)).toEqual([base]);
    expect(clearIndex(index)).toBe(2);
    expect(readdirSync(index).filter((name) => name.startsWith('index-'))).toEqual([]);
  });

  it('discards a header naming a base outside the index folder', async () => {
    const { index, files, cold } = await buildLinked();
    const path = join(index, INDEX_FILE_NAME);
    const bytes = readFileSync(path);
    const length = bytes.readUInt32LE(bytes.length - 12);
    const header = readHeader(bytes) as unknown as { bases: Array<{ name: string }> };
    (header.bases[0] as { name: string }).name = '../../etc/passwd';
    const json = Buffer.from(JSON.stringify(header));
    const tail = Buffer.alloc(12);
    tail.writeUInt32LE(bytes.readUInt32LE(bytes.length - 20), 0);
    tail.writeUInt32LE(crc32(json), 4);
    tail.writeUInt32LE(json.length, 8);
    writeFileSync(path, Buffer.concat([bytes.subarray(0, bytes.length - 20 - length), json, tail, bytes.subarray(bytes.length - 8)]));
    const result = await runAll(files, index);
    expect(result.warnings).toEqual([expect.stringMatching(/^discarding the index in .*header is damaged.*rebuilt$/)]);
    expect(result.records).toEqual(cold);
  });
});
