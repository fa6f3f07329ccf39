/**
 * The index file's own format (src/store/index-file.ts): text tables kept in
 * the section bytes, not in the header JSON. Their texts come back exactly
 * (lone surrogates included, which UTF-8 cannot carry), and damage to any
 * part of a table (its count, its encoding, its lengths, its texts) is
 * caught before a record is used: one warning, and the index is rebuilt.
 */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../src/core/record.js';
import { type IngestSummary, ingest } from '../src/ingest/ingest.js';
import { INDEX_FILE_NAME, INDEX_VERSION } from '../src/store/index-file.js';

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
    const { crc32 } = await import('node:zlib');
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
