/**
 * A small run of the benchmark's correctness check: the generator writes 1 MB
 * of each data set with its exact expected totals, and `usage report --json`
 * must reproduce every figure. The naive loop (an independent tally written
 * separately from the generator's bookkeeping) must agree too, so a slip in
 * the generator cannot pass as a bug in `usage` or hide one. The same holds
 * for the chunk the benchmark appends to a file to time the index.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { APPEND_BYTES, type AppendChunk, addExpected, generateAppend } from '../bench/generate.mjs';
import { compareReport, type Expected } from '../bench/verify.mjs';
import { ROOT, runUsage } from './helpers/cli.js';

interface Manifest {
  seed: number;
  expected: Expected;
  files: string[];
}

const GENERATE = join(ROOT, 'bench', 'generate.mjs');
const NAIVE = join(ROOT, 'bench', 'naive.mjs');

function generate(set: string, sizeMB: number, directory: string, seed?: number): Manifest {
  const args = [GENERATE, '--set', set, '--size', String(sizeMB), '--out', directory];
  if (seed !== undefined) args.push('--seed', String(seed));
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`generate.mjs failed: ${result.stderr}`);
  return JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8')) as Manifest;
}

function readAll(directory: string, manifest: Manifest): string {
  return manifest.files.map((file) => readFileSync(join(directory, file), 'utf8')).join('');
}

const root = mkdtempSync(join(tmpdir(), 'usage-bench-smoke-'));

describe.each(['claude', 'flat'])('the %s benchmark set (1 MB)', (set) => {
  const directory = join(root, set);
  let manifest: Manifest;

  beforeAll(() => {
    manifest = generate(set, 1, directory);
  });

  it('is about the requested size and holds malformed lines of every reason', () => {
    const { sources, skipped } = manifest.expected;
    // Files are filled until the set reaches 1 MB, so it ends within one line of it.
    expect(sources.bytes).toBeGreaterThanOrEqual(1_000_000);
    expect(sources.bytes).toBeLessThan(1_200_000);
    expect(skipped.reasons['invalid_json']).toBeGreaterThan(0);
    expect(skipped.reasons['negative_or_non_integer_tokens']).toBeGreaterThan(0);
  });

  it('reports exactly the totals the generator wrote down', async () => {
    const result = await runUsage(['report', '--json', '-q', directory]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(compareReport(JSON.parse(result.stdout), manifest.expected)).toEqual([]);
  });

  it('agrees with an independent naive tally of the same files', () => {
    const result = spawnSync(process.execPath, [NAIVE, directory], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(compareReport(JSON.parse(result.stdout), manifest.expected)).toEqual([]);
  });
});

describe('the Claude benchmark set', () => {
  it('contains the prefilter traps: spaced keys, usage before other keys, repeats across files', () => {
    const directory = join(root, 'claude');
    const manifest = JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8')) as Manifest;
    const text = readAll(directory, manifest);
    expect(text).toContain('"usage": {');
    expect(text).toContain('"message":{"usage":{');
    // A sub-agent result in a user line carries a usage object that is not a record.
    expect(text).toMatch(/"toolUseResult":\{"status":"completed"[^\n]*"usage":\{[^\n]*"type":"user"\}/);
    expect(manifest.expected.duplicate_lines).toBeGreaterThan(0);
    const ids = new Map<string, Set<string>>();
    for (const file of manifest.files) {
      for (const match of readFileSync(join(directory, file), 'utf8').matchAll(/"requestId": ?"(req_\w+)"/g)) {
        const files = ids.get(match[1]!) ?? new Set<string>();
        files.add(file);
        ids.set(match[1]!, files);
      }
    }
    expect([...ids.values()].some((files) => files.size > 1)).toBe(true);
  });

  it('has an appended chunk whose responses repeat only among themselves, never one of the set', () => {
    const directory = join(root, 'claude');
    const manifest = JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8')) as Manifest;
    const chunk = generateAppend({ set: 'claude', seed: manifest.seed });
    const messageIds = (text: string) => new Set([...text.matchAll(/"id": ?"(msg_\w+)"/g)].map((match) => match[1]!));
    const inSet = messageIds(readAll(directory, manifest));
    const inChunk = messageIds(chunk.text);
    expect(inChunk.size).toBeGreaterThan(0);
    expect([...inChunk].filter((id) => inSet.has(id))).toEqual([]);
    expect(chunk.expected.duplicate_lines).toBeGreaterThan(0);
  });

  it('is the same bytes for the same seed, and different bytes for another seed', () => {
    const first = join(root, 'seed-a');
    const second = join(root, 'seed-b');
    const third = join(root, 'seed-c');
    const a = generate('claude', 0.2, first, 7);
    const b = generate('claude', 0.2, second, 7);
    const c = generate('claude', 0.2, third, 8);
    expect(readAll(second, b)).toBe(readAll(first, a));
    expect(b.expected).toEqual(a.expected);
    expect(readAll(third, c)).not.toBe(readAll(first, a));
    expect(readdirSync(first)).toContain('manifest.json');
  });
});

describe.each(['claude', 'flat'])('the chunk appended to a %s set', (set) => {
  const directory = join(root, `append-${set}`);
  let manifest: Manifest;
  let chunk: AppendChunk;
  let target: string;
  let originalSize: number;

  beforeAll(() => {
    manifest = generate(set, 0.2, directory);
    chunk = generateAppend({ set, seed: manifest.seed });
    target = join(directory, manifest.files.at(-1)!);
    originalSize = statSync(target).size;
  });

  /** Appends the chunk to the set's newest file for the length of `body`, as the benchmark does. */
  async function withChunkAppended(body: () => Promise<void>): Promise<void> {
    appendFileSync(target, chunk.text);
    try {
      await body();
    } finally {
      truncateSync(target, originalSize);
    }
  }

  it('is the same complete lines for the same seed, different lines for another seed, and about the requested size', () => {
    const again = generateAppend({ set, seed: manifest.seed });
    expect(again.text).toBe(chunk.text);
    expect(again.expected).toEqual(chunk.expected);
    expect(generateAppend({ set, seed: manifest.seed + 1 }).text).not.toBe(chunk.text);
    const { sources } = chunk.expected;
    expect(chunk.text.endsWith('\n')).toBe(true);
    expect(sources.lines).toBe(chunk.text.split('\n').length - 1);
    expect(sources.bytes).toBe(Buffer.byteLength(chunk.text));
    expect(sources.files).toBe(0);
    expect(sources.bytes).toBeGreaterThanOrEqual(APPEND_BYTES);
    expect(sources.bytes).toBeLessThan(APPEND_BYTES * 1.1);
    expect(chunk.expected.totals.records).toBeGreaterThan(0);
    expect(chunk.expected.skipped.lines).toBeGreaterThan(0);
  });

  it('adds exactly what usage report --json --no-cache and the naive tally find in the grown set', async () => {
    const expected = addExpected(manifest.expected, chunk.expected);
    await withChunkAppended(async () => {
      const result = await runUsage(['report', '--json', '-q', '--no-cache', directory]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report: unknown = JSON.parse(result.stdout);
      expect(compareReport(report, expected)).toEqual([]);
      // The chunk was read: the set's own figures no longer match.
      expect(compareReport(report, manifest.expected)).not.toEqual([]);
      const naive = spawnSync(process.execPath, [NAIVE, directory], { encoding: 'utf8' });
      expect(naive.status).toBe(0);
      expect(compareReport(JSON.parse(naive.stdout), expected)).toEqual([]);
    });
    expect(statSync(target).size).toBe(originalSize);
  });

  it('is read on top of an up-to-date index, and cutting it off again is noticed', async () => {
    const cacheDirectory = join(root, `append-${set}-index`);
    const report = async (...flags: string[]) => {
      const result = await runUsage(['report', '--json', '-q', '--cache-dir', cacheDirectory, ...flags, directory]);
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout) as unknown;
    };
    expect(compareReport(await report(), manifest.expected)).toEqual([]);
    await withChunkAppended(async () => {
      expect(compareReport(await report(), addExpected(manifest.expected, chunk.expected))).toEqual([]);
    });
    // The file is back to its old size: read without the archive, only what it holds now counts…
    expect(compareReport(await report('--no-archive'), manifest.expected)).toEqual([]);
    // …while the archive keeps the records cut off, each once (docs/index.md, the archive);
    // the line counts describe the file as it is now.
    const describesLines = (difference: string): boolean => /^(sources|skipped)\.|^(no_usage_lines|duplicate_lines):/.test(difference);
    const differences = compareReport(await report(), addExpected(manifest.expected, chunk.expected));
    expect(differences.filter((difference) => !describesLines(difference))).toEqual([]);
  });
});

describe('compareReport', () => {
  const expected: Expected = {
    totals: {
      records: 2,
      input_tokens: 10,
      output_tokens: 5,
      reasoning_tokens: 0,
      cache_read_tokens: 100,
      cache_write_tokens: 20,
      cache_write_5m_tokens: 20,
      cache_write_1h_tokens: 0,
      // 10 + 5 + 100 + 20
      total_tokens: 135,
    },
    skipped: { lines: 1, reasons: { invalid_json: 1 } },
    no_usage_lines: 3,
    duplicate_lines: 1,
    models: { m: { records: 2, total_tokens: 135 } },
    sources: { files: 1, lines: 7, bytes: 700 },
  };
  const exact = {
    totals: { ...expected.totals, calls: 2, cost_usd: null },
    skipped: { lines: 1, reasons: { invalid_json: 1 } },
    no_usage_lines: 3,
    duplicate_lines: 1,
    models: [{ model: 'm', records: 2, total_tokens: 135 }],
    sources: { files: 1, lines: 7, bytes: 700, unreadable: [] },
  };

  it('accepts a report that matches every figure', () => {
    expect(compareReport(exact, expected)).toEqual([]);
  });

  it('names every figure that is off, including a skip reason and a model the generator never wrote', () => {
    const wrong = {
      ...exact,
      totals: { ...exact.totals, output_tokens: 6 },
      skipped: { lines: 1, reasons: { schema: 1 } },
      models: [...exact.models, { model: 'other', records: 1, total_tokens: 1 }],
    };
    expect(compareReport(wrong, expected)).toEqual([
      'totals.output_tokens: got 6, expected 5',
      'skipped.reasons.invalid_json: got 0, expected 1',
      'skipped.reasons.schema: got 1, expected 0',
      'models[other].records: got 1, expected 0',
      'models[other].total_tokens: got 1, expected 0',
    ]);
  });
});
