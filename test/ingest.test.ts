/**
 * The ingest stage as a whole: framing (partial last lines, CRLF, BOM, gzip,
 * streams), strictness, the prefilter, unreadable sources and worker threads,
 * always against figures worked out by hand.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError } from '../src/core/errors.js';
import type { UsageRecord } from '../src/core/record.js';
import { readerForFileName } from '../src/dialects/registry.js';
import { ingest, type IngestOptions, type IngestSummary } from '../src/ingest/ingest.js';
import { discoverFiles, type Source } from '../src/sources/discover.js';
import { fixture } from './helpers/cli.js';

async function read(sources: readonly Source[], options: IngestOptions = {}): Promise<{ records: UsageRecord[]; summary: IngestSummary }> {
  const records: UsageRecord[] = [];
  const summary = await ingest(sources, (record) => records.push(record), options);
  return { records, summary };
}

const file = (path: string): Source => ({ kind: 'file', path });
const stream = (...chunks: Array<string | Buffer>): Source => ({ kind: 'stream', name: '-', stream: Readable.from(chunks) });

function temp(name: string, content: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'usage-ingest-')), name);
  writeFileSync(path, content);
  return path;
}

const total = (records: readonly UsageRecord[]): number => records.reduce((sum, record) => sum + record.totalTokens, 0);

// Two jcode turns: 100 + 10 = 110 and 200 + 20 = 220 tokens.
const JCODE_A = '{"ts":1793959200,"model":"gpt-4o","prompt":100,"completion":10,"cached":0,"total":110}';
const JCODE_B = '{"ts":1793959260,"model":"gpt-4o","prompt":200,"completion":20,"cached":0,"total":220}';

describe('line framing', () => {
  it('counts an unfinished last line as partial, not skipped, and parses a complete one', async () => {
    const cut = '{"ts":1793959320,"model":"gpt-4o","prompt":3';
    const partial = await read([file(temp('a.jsonl', `${JCODE_A}\n${cut}`))]);
    expect(total(partial.records)).toBe(110);
    expect(partial.summary).toMatchObject({ lines: 2, partialLines: 1, skipped: { lines: 0, reasons: {} } });
    // The same cut line followed by a newline is finished, and broken.
    const broken = await read([file(temp('b.jsonl', `${JCODE_A}\n${cut}\n`))]);
    expect(broken.summary).toMatchObject({ partialLines: 0, skipped: { lines: 1, reasons: { invalid_json: 1 } } });
    // A complete last line without a newline is a record like any other: 110 + 220.
    const complete = await read([file(temp('c.jsonl', `${JCODE_A}\n${JCODE_B}`))]);
    expect(total(complete.records)).toBe(330);
    expect(complete.summary.partialLines).toBe(0);
  });

  it('reads CRLF line endings and a byte-order mark like plain LF', async () => {
    const path = temp('crlf.jsonl', `\uFEFF${JCODE_A}\r\n\r\n${JCODE_B}\r\n`);
    const { records, summary } = await read([file(path)]);
    // 110 + 220; the blank CRLF line is line 2 but not counted as anything.
    expect(total(records)).toBe(330);
    expect(summary).toMatchObject({ records: 2, lines: 3, skipped: { lines: 0 }, noUsageLines: 0 });
  });

  it('strips a byte-order mark that arrives split across the first chunks of a stream', async () => {
    const bytes = Buffer.from(`\uFEFF${JCODE_A}\n`);
    const { records, summary } = await read([stream(bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2))]);
    expect(summary.skipped.lines).toBe(0);
    expect(total(records)).toBe(110);
  });

  it('reads *.jsonl.gz through gunzip with the same totals as the plain file', async () => {
    const plain = fixture('logs', 'thane', 'usage.jsonl');
    const gz = temp('usage.jsonl.gz', gzipSync(readFileSync(plain)));
    const fromPlain = await read([file(plain)]);
    const fromGz = await read([file(gz)]);
    // thane fixture total, worked out in dialects.test.ts: 6300 + 2500 + 3500 + 13850 = 26150
    expect(total(fromGz.records)).toBe(26150);
    expect(total(fromPlain.records)).toBe(26150);
    expect(fromGz.summary.skipped).toEqual(fromPlain.summary.skipped);
    // Discovery picks up .jsonl.gz inside a directory too.
    const { sources } = await discoverFiles([join(gz, '..')]);
    expect(sources.map((source) => (source.kind === 'file' ? source.path : ''))).toEqual([gz]);
  });

  it('reads a stream (stdin) the same as a file', async () => {
    const path = fixture('logs', 'lash', 'ledger.jsonl');
    const fromFile = await read([file(path)]);
    const fromStream = await read([stream(readFileSync(path))]);
    // lash fixture: 17550 + 4420 + 8600 + 1090 + 32050 = 63710
    expect(total(fromStream.records)).toBe(63710);
    expect(fromStream.summary.skipped).toEqual(fromFile.summary.skipped);
    expect(fromStream.summary.problems[0]?.file).toBe('-');
  });
});

describe('malformed lines', () => {
  it('lists each with file, line and reason, and throws the first one under strict', async () => {
    const path = fixture('logs', 'thane', 'usage.jsonl');
    const { summary } = await read([file(path)]);
    expect(summary.problems.map((problem) => [problem.file, problem.line, problem.reason])).toEqual([
      [path, 5, 'negative_or_non_integer_tokens'],
      [path, 6, 'invalid_timestamp'],
      [path, 7, 'schema'],
    ]);
    const strict = read([file(path)], { strict: true });
    await expect(strict).rejects.toBeInstanceOf(DataError);
    await expect(read([file(path)], { strict: true })).rejects.toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5: negative_or_non_integer_tokens`));
  });

  it('keeps only problemLimit problems but counts them all', async () => {
    const { summary } = await read([file(fixture('logs', 'bamboo', '7c1e9f20-4a3b-4c2d-9e1f-0a1b2c3d4e5f', 'token-usage.jsonl'))], { problemLimit: 2 });
    // bamboo fixture: 5 malformed lines (lines 4, 5, 6, 7, 8)
    expect(summary.skipped.lines).toBe(5);
    expect(summary.problems.map((problem) => problem.line)).toEqual([4, 5]);
  });

  it('with the prefilter, a line naming no usage field is no_usage instead of unknown_dialect', async () => {
    const path = temp('log.jsonl', `{"level":"info","msg":"started"}\n{"budget":"x","max_tokens":5}\n${JCODE_A}\n`);
    const checked = await read([file(path)]);
    expect(checked.summary).toMatchObject({ noUsageLines: 0, skipped: { lines: 2, reasons: { unknown_dialect: 2 } } });
    // `max_tokens"` looks like a usage field, so that line is still parsed and still unknown.
    const fast = await read([file(path)], { prefilter: true });
    expect(fast.summary).toMatchObject({ noUsageLines: 1, skipped: { lines: 1, reasons: { unknown_dialect: 1 } } });
    expect(total(fast.records)).toBe(110);
  });

  it('with the prefilter, a line that is not an object is not_an_object, and a broken line over 16 MiB is malformed', async () => {
    // The scanner only skips objects unparsed; the 16 MiB line is too long for it, so it is parsed whole.
    const path = temp('odd.jsonl', `[1]\n"text"\n{"level":"${'x'.repeat(16 * 1024 * 1024 + 10)}\n${JCODE_A}\n`);
    for (const options of [{ prefilter: true }, { prefilter: true, workers: 1 }, {}]) {
      const { records, summary } = await read([file(path)], options);
      expect(total(records)).toBe(110);
      expect(summary.skipped.reasons).toEqual({ not_an_object: 2, invalid_json: 1 });
    }
  });

  it('reads a long file of flat records (no bulk members, so parsed whole after a trial) as the scanner would', async () => {
    // 300 records (past the scanner's 256-line trial), then a broken line, a line naming no usage
    // field, a valid record, a broken line naming none, and a record at the very end.
    const lines = [...Array.from({ length: 300 }, (_, index) => (index % 2 === 0 ? JCODE_A : JCODE_B)), '{"ts":1793959200,"model":', '{"level":"info"}', JCODE_A, '{"level":', JCODE_B];
    const path = temp('flat.jsonl', `${lines.join('\n')}\n`);
    const whole = await read([file(path)], { parseWhole: true });
    const fast = await read([file(path)], { prefilter: true });
    expect(fast.records).toEqual(whole.records);
    // 150 × 110 + 150 × 220, then 110 + 220.
    expect(total(fast.records)).toBe(150 * 110 + 150 * 220 + 110 + 220);
    // Both broken lines are malformed, with or without a usage field named; the info line is no_usage.
    expect(fast.summary.skipped.reasons).toEqual({ invalid_json: 2 });
    expect(fast.summary.noUsageLines).toBe(1);
    expect(whole.summary.skipped.reasons).toEqual({ invalid_json: 2, unknown_dialect: 1 });
  });
});

describe('the prefilter and the line scanner never lose usage', () => {
  /**
   * Every fixture line, re-spaced (`"key": value`, `{ ` … ` }`) and with its
   * keys in reverse order, read with and without the prefilter: the records
   * and every malformed count must agree; only unknown_dialect lines that name
   * no usage field may move to no_usage.
   */
  const respace = (line: string): string => {
    try {
      const value = JSON.parse(line) as unknown;
      const reverse = (item: unknown): unknown =>
        Array.isArray(item)
          ? item.map(reverse)
          : item !== null && typeof item === 'object'
            ? Object.fromEntries(Object.entries(item).reverse().map(([key, inner]) => [key, reverse(inner)]))
            : item;
      return JSON.stringify(reverse(value), null, 1).replace(/\n\s*/g, ' ');
    } catch {
      return line; // a malformed line stays as it is
    }
  };

  it('finds the same records in every dialect, whatever the spacing and key order', async () => {
    // Every dialect's fixtures, and the real transcripts (fixtures/real, origins in fixtures/README.md).
    const { sources } = await discoverFiles([fixture('logs'), fixture('real')]);
    for (const source of sources) {
      // The prefilter reads JSON lines only: documents and databases are read whole.
      if (source.kind !== 'file' || readerForFileName(basename(source.path)) !== 'jsonl') continue;
      const original = readFileSync(source.path, 'utf8');
      for (const text of [original, original.split('\n').map(respace).join('\n')]) {
        // Keep the file name: Codex and Claude read identity from it.
        const path = join(mkdtempSync(join(tmpdir(), 'usage-prefilter-')), source.path.split('/').slice(-1)[0] as string);
        writeFileSync(path, text);
        // The reference parses every line whole; the fast path parses the scanner's compacted copy.
        const checked = await read([file(path)], { parseWhole: true });
        const compacted = await read([file(path)]);
        expect(compacted.records, source.path).toEqual(checked.records);
        expect(compacted.summary, source.path).toEqual(checked.summary);
        const fast = await read([file(path)], { prefilter: true });
        expect(fast.records, source.path).toEqual(checked.records);
        const { unknown_dialect: checkedUnknown = 0, ...checkedReasons } = checked.summary.skipped.reasons;
        const { unknown_dialect: fastUnknown = 0, ...fastReasons } = fast.summary.skipped.reasons;
        expect(fastReasons, source.path).toEqual(checkedReasons);
        expect(checkedUnknown - fastUnknown, source.path).toBe(fast.summary.noUsageLines - checked.summary.noUsageLines);
        expect(fast.summary.partialLines).toBe(checked.summary.partialLines);
      }
    }
  });
});

describe('sources', () => {
  it('lets an error of the record sink through instead of calling the file unreadable', async () => {
    const path = temp('a.jsonl', `${JCODE_A}\n${JCODE_B}\n`);
    const failing = ingest([file(path)], () => {
      throw new RangeError('a bug downstream');
    });
    await expect(failing).rejects.toThrow('a bug downstream');
  });

  it('reports a file that cannot be opened and reads the rest', async () => {
    const good = temp('ok.jsonl', `${JCODE_A}\n`);
    const { records, summary } = await read([file(join(tmpdir(), 'usage-no-such-file.jsonl')), file(good)]);
    expect(total(records)).toBe(110);
    expect(summary.files).toBe(1);
    expect(summary.unreadable).toEqual([{ path: join(tmpdir(), 'usage-no-such-file.jsonl'), message: 'no such file or directory' }]);
  });
});
