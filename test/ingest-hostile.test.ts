/**
 * Hostile input at the ingest stage (issue 13): damaged and truncated gzip,
 * unreadable sources next to readable ones, CR-only files, over-long lines,
 * invalid calendar dates, crafted de-duplication key collisions, and long
 * runs of malformed lines. Totals are worked out by hand.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { UsageRecord } from '../src/core/record.js';
import { ingest, type IngestOptions, type IngestSummary } from '../src/ingest/ingest.js';
import type { Source } from '../src/sources/discover.js';

const folders: string[] = [];
function makeFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'usage-hostile-'));
  folders.push(folder);
  return folder;
}
afterEach(() => {
  for (const folder of folders.splice(0)) {
    chmodSync(folder, 0o700);
    rmSync(folder, { recursive: true, force: true });
  }
});

function temp(name: string, content: string | Buffer): string {
  const path = join(makeFolder(), name);
  writeFileSync(path, content);
  return path;
}

const file = (path: string): Source => ({ kind: 'file', path });

async function read(sources: readonly Source[], options: IngestOptions = {}): Promise<{ records: UsageRecord[]; summary: IngestSummary }> {
  const records: UsageRecord[] = [];
  const summary = await ingest(sources, (record) => records.push(record), options);
  return { records, summary };
}

const total = (records: readonly UsageRecord[]): number => records.reduce((sum, record) => sum + record.totalTokens, 0);

/** A jcode turn of `prompt` + `completion` tokens. */
function jcode(second: number, prompt: number, completion: number): string {
  return JSON.stringify({ ts: 1793959200 + second, model: 'gpt-4o', prompt, completion, cached: 0, total: prompt + completion });
}

/** `count` jcode turns of 10 + 1 = 11 tokens each. */
function jcodeLines(count: number, ending = '\n'): string {
  let text = '';
  for (let index = 0; index < count; index++) text += jcode(index, 10, 1) + ending;
  return text;
}

describe('line ends', () => {
  it('reads a CR-only file: every record counted (case 2)', async () => {
    const { records, summary } = await read([file(temp('cr.jsonl', jcodeLines(3, '\r')))]);
    // 3 turns × 11 tokens = 33.
    expect(total(records)).toBe(33);
    expect(summary).toMatchObject({ lines: 3, records: 3, partialLines: 0, skipped: { lines: 0 } });
  });

  it('does not count a whitespace-only line as invalid_json', async () => {
    const { summary } = await read([file(temp('blank.jsonl', `${jcode(0, 10, 1)}\n   \t\n${jcode(1, 10, 1)}\n`))]);
    expect(summary).toMatchObject({ records: 2, skipped: { lines: 0, reasons: {} } });
  });

  it('gives the same records for \\n, \\r\\n and \\r ends, plain or gzipped (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.constantFrom('\n', '\r\n', '\r')), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async (turns, compressed) => {
          const text = turns.map(([prompt, ending], index) => jcode(index, prompt, 1) + ending).join('');
          const path = temp(compressed ? 'log.jsonl.gz' : 'log.jsonl', compressed ? gzipSync(text) : text);
          const { records, summary } = await read([file(path)]);
          // Each turn is prompt + 1 tokens.
          expect(total(records)).toBe(turns.reduce((sum, [prompt]) => sum + prompt + 1, 0));
          expect(summary.lines).toBe(turns.length);
          expect(summary.unreadable).toEqual([]);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('over-long lines', () => {
  it('skips a line over the cap as invalid_json with its size, keeping the lines around it', async () => {
    const long = `{"pad":"${'x'.repeat(200)}"}`; // 210 bytes
    const path = temp('long.jsonl', `${jcode(0, 10, 1)}\n${long}\n${jcode(1, 20, 2)}\n`);
    const { records, summary } = await read([file(path)], { maxLineBytes: 100 });
    // 11 + 22 = 33 tokens; line 2 skipped.
    expect(total(records)).toBe(33);
    expect(summary.skipped).toEqual({ lines: 1, reasons: { invalid_json: 1 } });
    expect(summary.problems).toEqual([{ file: path, line: 2, reason: 'invalid_json', detail: 'line of 210 bytes is longer than the 100-byte limit; not read' }]);
  });

  it('reads a zero-filled gzip past the cap in linear time (fuzz over sizes)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), async (megabytes) => {
        const path = temp('zeros.jsonl.gz', gzipSync(Buffer.concat([Buffer.from(`${jcode(0, 10, 1)}\n`), Buffer.alloc(megabytes << 20)])));
        const { records, summary } = await read([file(path)], { maxLineBytes: 1 << 16 });
        expect(total(records)).toBe(11);
        expect(summary.skipped.lines).toBe(1);
        expect(summary.problems[0]?.detail).toBe(`line of ${megabytes << 20} bytes is longer than the 65536-byte limit; not read`);
      }),
      { numRuns: 5 },
    );
  });

  it('refuses a device such as /dev/zero as unreadable instead of reading forever', async () => {
    const { summary } = await read([file('/dev/zero')]);
    expect(summary.unreadable).toEqual([{ path: '/dev/zero', message: 'is a device, not a log file' }]);
  });
});

describe('unreadable input (case 3)', () => {
  const text = jcodeLines(2000);
  const compressed = gzipSync(text);

  it('counts the records of a truncated .gz and reports it unreadable with how far it got', async () => {
    const path = temp('cut.jsonl.gz', compressed.subarray(0, compressed.length - 200));
    const { records, summary } = await read([file(path)]);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(2000);
    // Every record read is counted, and so is every line it came from.
    expect(summary.lines).toBe(records.length);
    expect(total(records)).toBe(records.length * 11);
    expect(summary.unreadable).toEqual([
      { path, message: `the gzip data ends early (truncated file) after line ${records.length} (${summary.bytes} bytes read); the records before it are counted` },
    ]);
  });

  it('keeps every record of a .gz with trailing garbage and reports the garbage', async () => {
    const path = temp('garbage.jsonl.gz', Buffer.concat([compressed, Buffer.from('not gzip at all')]));
    const { records, summary } = await read([file(path)]);
    // 2000 turns × 11 = 22,000 tokens, all read.
    expect(total(records)).toBe(22_000);
    expect(summary.unreadable).toHaveLength(1);
    expect(summary.unreadable[0]?.message).toContain('15 bytes after the end of the gzip data are not gzip data (trailing garbage) after line 2000');
  });

  it('reads concatenated gzip members and zero padding as one file', async () => {
    const path = temp('multi.jsonl.gz', Buffer.concat([compressed, gzipSync(jcodeLines(1)), Buffer.alloc(512)]));
    const { records, summary } = await read([file(path)]);
    // 2000 + 1 turns × 11 = 22,011 tokens.
    expect(total(records)).toBe(22_011);
    expect(summary.unreadable).toEqual([]);
  });

  it('reports damaged gzip data (checksum mismatch)', async () => {
    const damaged = Buffer.from(compressed);
    damaged.writeUInt32LE((damaged.readUInt32LE(damaged.length - 8) ^ 1) >>> 0, damaged.length - 8);
    const path = temp('crc.jsonl.gz', damaged);
    const { summary } = await read([file(path)]);
    expect(summary.unreadable[0]?.message).toContain('gzip checksum mismatch');
  });

  it.skipIf(process.getuid?.() === 0)('reports a permission-denied file next to a readable one', async () => {
    const folder = makeFolder();
    const readable = join(folder, 'a.jsonl');
    const denied = join(folder, 'b.jsonl');
    writeFileSync(readable, jcodeLines(1));
    writeFileSync(denied, jcodeLines(1));
    chmodSync(denied, 0);
    const { records, summary } = await read([file(readable), file(denied)]);
    expect(total(records)).toBe(11);
    expect(summary.unreadable).toEqual([{ path: denied, message: 'permission denied' }]);
  });

  it('lists unreadable sources in input order, alike on one thread and with worker threads (case 19)', async () => {
    const folder = makeFolder();
    const paths: string[] = [];
    for (let index = 0; index < 6; index++) {
      const path = join(folder, `${index}.jsonl${index % 2 ? '' : '.gz'}`);
      // Even files: truncated gzip (unreadable); odd ones: fine. Bigger first files finish last.
      writeFileSync(path, index % 2 ? jcodeLines(1) : gzipSync(jcodeLines(4000 - index * 500)).subarray(0, 400));
      paths.push(path);
    }
    const missing = join(folder, 'missing.jsonl');
    const sources = [...paths, missing].map(file);
    const one = await read(sources);
    // Worker threads load the built worker: this case runs against dist/ (npm run build first).
    const builtPath = '../dist/ingest/ingest.js';
    const built = (await import(builtPath)) as typeof import('../src/ingest/ingest.js');
    const many = { summary: await built.ingest(sources, () => {}, { workers: 2 }) };
    expect(one.summary.unreadable.map((entry) => entry.path)).toEqual([paths[0], paths[2], paths[4], missing]);
    expect(many.summary.unreadable).toEqual(one.summary.unreadable);
  });
});

function claudeLine(id: string, timestamp: string, output = 5): string {
  return `${JSON.stringify({
    type: 'assistant',
    sessionId: 's1',
    requestId: `req_${id}`,
    timestamp,
    message: { id: `msg_${id}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: output } },
  })}\n`;
}

describe('impossible calendar dates (case 7)', () => {
  it('skips 2026-02-30 and 2026-04-31 as invalid_timestamp instead of rolling over into the next month', async () => {
    const lines = [
      claudeLine('a', '2026-02-30T12:00:00Z'),
      claudeLine('b', '2026-04-31T00:00:00.000Z'),
      claudeLine('c', '2026-02-29T12:00:00+02:00'),
      claudeLine('d', '2026-13-01 10:00:00'),
      claudeLine('e', '2028-02-29T12:00:00Z'), // a leap day: valid
    ];
    const { records, summary } = await read([file(temp('dates.jsonl', lines.join('')))]);
    expect(records.map((record) => record.timestamp)).toEqual([Date.UTC(2028, 1, 29, 12)]);
    expect(summary.skipped).toEqual({ lines: 4, reasons: { invalid_timestamp: 4 } });
  });
});

describe('many malformed lines (case 10)', () => {
  it('lists 130,000 malformed lines without overflowing the stack', async () => {
    const path = temp('junk.jsonl', 'not json\n'.repeat(130_000));
    const { summary } = await read([file(path)], { problemLimit: Number.POSITIVE_INFINITY });
    expect(summary.skipped.lines).toBe(130_000);
    expect(summary.problems).toHaveLength(130_000);
  });
});

describe('numbers and bytes at the limits (case 9)', () => {
  it('refuses to report sums past 2^53 instead of rounding them', async () => {
    // 2^52 + 2^52 = 2^53 is still exact; one token more is not.
    const big = 2 ** 52;
    const path = temp('big.jsonl', `${jcode(0, big, 0)}\n${jcode(1, big, 0)}\n${jcode(2, 1, 0)}\n`);
    await expect(read([file(path)])).rejects.toThrow(/add up to more than 9,007,199,254,740,991 \(2\^53 - 1\)/);
    const exact = temp('exact.jsonl', `${jcode(0, big, 0)}\n${jcode(1, big - 1, 0)}\n`);
    const { records } = await read([file(exact)]);
    expect(total(records)).toBe(2 ** 53 - 1);
  });

  it('keeps ids that differ only in invalid UTF-8 bytes apart (raw-byte identity)', async () => {
    const line = (invalid: number, output: number): Buffer =>
      Buffer.concat([
        Buffer.from('{"type":"assistant","sessionId":"s1","requestId":"req_1","timestamp":"2026-11-20T10:00:00Z","message":{"id":"msg_'),
        Buffer.from([invalid]),
        Buffer.from(`","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":${output}}}}\n`),
      ]);
    const path = temp('bytes.jsonl', Buffer.concat([line(0xff, 5), line(0xfe, 7), line(0xff, 5)]));
    const { records, summary } = await read([file(path)]);
    // Two calls, (10 + 5) + (10 + 7) = 32; the third line repeats the first exactly.
    expect(total(records)).toBe(32);
    expect(summary.duplicateLines).toBe(1);
  });
});

describe('sources that are not files', () => {
  it('reports a directory given as a file in one phrase', async () => {
    const folder = makeFolder();
    const { summary } = await read([file(folder)]);
    expect(summary.unreadable).toEqual([{ path: folder, message: 'is a directory' }]);
  });
});
