/**
 * The worker-thread scan (src/ingest/pool.ts, worker.ts) must give exactly
 * what one thread gives: same records, same de-duplication across files
 * scanned by different workers, same skipped-line accounting, same index.
 * Workers are only reachable through the CLI (USAGE_WORKERS forces them on
 * the small fixtures), so these tests spawn the real binary.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as Pool from '../src/ingest/pool.js';
import { createHome, fixture, runUsage } from './helpers/cli.js';

const LOGS = fixture('logs');

async function runBoth(args: string[], home?: string): Promise<{ single: string; parallel: string }> {
  const single = await runUsage(args, { env: { USAGE_WORKERS: '0' }, ...(home ? { home } : {}) });
  const parallel = await runUsage(args, { env: { USAGE_WORKERS: '2' }, ...(home ? { home } : {}) });
  expect(parallel.code).toBe(single.code);
  expect(parallel.stderr).toBe(single.stderr);
  return { single: single.stdout, parallel: parallel.stdout };
}

describe('scanning in worker threads', () => {
  it('reports the same JSON as one thread, for every dialect at once', async () => {
    for (const args of [
      ['report', LOGS, '--json', '--no-cache', '--until', '2026-11-20'],
      ['cost', LOGS, '--by', 'model,project', '--json', '--no-cache'],
      ['sessions', LOGS, '--json', '--no-cache'],
      ['validate', LOGS, '--json'],
    ]) {
      const { single, parallel } = await runBoth(args);
      expect(JSON.parse(parallel)).toEqual(JSON.parse(single));
      expect(parallel).toBe(single);
    }
  });

  it('de-duplicates Claude copies that different workers read, keeping the largest', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-pool-'));
    const line = (output: number, uuid: string): string =>
      JSON.stringify({
        type: 'assistant',
        sessionId: 's-1',
        uuid,
        requestId: 'req_1',
        timestamp: '2026-11-10T10:00:00.000Z',
        message: { id: 'msg_1', model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 10, output_tokens: output } },
      });
    // Four files so both workers get some; the largest copy sits in the third.
    for (const [name, output] of [['a', 5], ['b', 7], ['c', 9], ['d', 7]] as const) {
      writeFileSync(join(folder, `${name}.jsonl`), `${line(output, `u-${name}`)}\n`);
    }
    const { single, parallel } = await runBoth(['report', folder, '--json', '--no-cache']);
    expect(parallel).toBe(single);
    const report = JSON.parse(parallel);
    expect(report.totals.records).toBe(1);
    expect(report.totals.output_tokens).toBe(9);
    expect(report.duplicate_lines).toBe(3);
  });

  it('builds and reuses the same index as one thread, also after an append', async () => {
    const logs = mkdtempSync(join(tmpdir(), 'usage-pool-logs-'));
    cpSync(LOGS, logs, { recursive: true });
    const args = ['report', logs, '--json', '--until', '2026-11-20'];
    const reference = await runUsage([...args, '--no-cache'], { env: { USAGE_WORKERS: '0' } });
    const home = createHome();
    const cold = await runUsage(args, { home, env: { USAGE_WORKERS: '2' } });
    const warm = await runUsage(args, { home, env: { USAGE_WORKERS: '2' } });
    expect(cold.stdout).toBe(reference.stdout);
    expect(warm.stdout).toBe(reference.stdout);

    appendFileSync(
      join(logs, 'lash', 'usage.jsonl'),
      `${JSON.stringify({ timestamp: '2026-11-12T09:00:00Z', session_id: 'lash-new', source: 'turn', model: 'claude-haiku-4-5', input_tokens: 11, output_tokens: 7 })}\n`,
    );
    const grownReference = await runUsage([...args, '--no-cache'], { env: { USAGE_WORKERS: '0' } });
    const grown = await runUsage(args, { home, env: { USAGE_WORKERS: '2' } });
    expect(grown.stdout).toBe(grownReference.stdout);
    expect(JSON.parse(grown.stdout).totals.records).toBe(JSON.parse(reference.stdout).totals.records + 1);
  });

  it('stops at the first malformed line in input order under --strict, even when workers are asked for', async () => {
    const results = await Promise.all(
      [0, 1, 2].map(() => runUsage(['report', LOGS, '--strict', '--no-cache'], { env: { USAGE_WORKERS: '2' } })),
    );
    for (const result of results) {
      expect(result.code).toBe(1);
      // amp comes first in the walk; its legacy thread's first malformed entry is the 6th
      // (4 messages, then the ledger event timed "yesterday").
      expect(result.stderr).toMatch(/amp\/[^:]+T-0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d\.json:6: invalid_timestamp \(/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('backpressure between the workers and this thread', () => {
  // Workers load the built worker file: these run against dist/ (npm run build first).
  const loadPool = async (): Promise<typeof Pool> => (await import('../dist/ingest/pool.js' as string)) as typeof Pool;

  /** Files of one flat record each: every file is one batch, so the workers have many to send. */
  function writeOneRecordFiles(count: number): string[] {
    const folder = mkdtempSync(join(tmpdir(), 'usage-pool-backpressure-'));
    return Array.from({ length: count }, (_, index) => {
      const path = join(folder, `${index}.jsonl`);
      writeFileSync(path, `{"ts":1793959200,"model":"gpt-4o","prompt":${index},"completion":1,"cached":0,"total":${index + 1}}\n`);
      return path;
    });
  }

  it('never has more than MAX_BATCHES_IN_FLIGHT batches waiting while this thread is slow to take them in', async () => {
    const { MAX_BATCHES_IN_FLIGHT, runWorkerPool } = await loadPool();
    const paths = writeOneRecordFiles(MAX_BATCHES_IN_FLIGHT * 4);
    const records: number[] = [];
    const stats = await runWorkerPool(
      paths.map((path, index) => ({ path, index })),
      2,
      {},
      {
        onRecords(index, packed) {
          // A slow reducer: 20 ms per batch, time enough for both workers to scan every file.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
          for (let row = 0; row < packed.count; row++) records.push(index);
        },
        onFile() {},
      },
    );
    // Every file's record arrived, and the workers, far ahead, were held at the cap (reached, never passed):
    // unchecked, they would have sent all 32 batches before the first was taken in.
    expect(records.sort((a, b) => a - b)).toEqual(paths.map((_, index) => index));
    expect(stats.peakBatchesInFlight).toBe(MAX_BATCHES_IN_FLIGHT);
  });
});

describe('batches held for input order', () => {
  const loadPool = async (): Promise<typeof Pool> => (await import('../dist/ingest/pool.js' as string)) as typeof Pool;

  it('never has more than MAX_BATCHES_AHEAD batches of later files sent and not yet handed on', async () => {
    const { MAX_BATCHES_AHEAD, PoolOrder, runWorkerPool } = await loadPool();
    const folder = mkdtempSync(join(tmpdir(), 'usage-pool-ahead-'));
    const paths = Array.from({ length: MAX_BATCHES_AHEAD * 4 }, (_, index) => {
      const path = join(folder, `${index}.jsonl`);
      writeFileSync(path, `{"ts":1793959200,"model":"gpt-4o","prompt":${index},"completion":1,"cached":0,"total":${index + 1}}\n`);
      return path;
    });
    // As ingest does: the head file's batches are handed on as they come, later files' held until every
    // earlier file is done; each handed-on batch is slow (20 ms), time enough for a worker to run far ahead.
    const order = new PoolOrder();
    const handedOn: number[] = [];
    const held = new Map<number, Array<{ count: number; ahead: boolean }>>();
    const done = new Set<number>();
    let head = 0;
    const handOn = (index: number, count: number, ahead: boolean): void => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      for (let row = 0; row < count; row++) handedOn.push(index);
      if (ahead) order.tookAhead();
    };
    order.setHead(head);
    const stats = await runWorkerPool(
      paths.map((path, index) => ({ path, index })),
      2,
      {},
      {
        onRecords(index, packed, _settled, ahead) {
          if (index === head) handOn(index, packed.count, ahead);
          else held.set(index, [...(held.get(index) ?? []), { count: packed.count, ahead }]);
        },
        onFile(index) {
          done.add(index);
          while (done.has(head)) {
            head++;
            for (const batch of held.get(head) ?? []) handOn(head, batch.count, batch.ahead);
            held.delete(head);
          }
          order.setHead(head < paths.length ? head : -2);
        },
      },
      order,
    );
    expect(handedOn).toEqual(paths.map((_, index) => index));
    // Reached, never passed: unchecked, the worker ahead sent every later file's batch while the first waited.
    expect(stats.peakBatchesAhead).toBe(MAX_BATCHES_AHEAD);
  });
});

describe('the order records reach the reducers with worker threads', () => {
  it('is input order, file by file, whichever worker finishes first', async () => {
    // Records without a key go straight to the reducers, whose float sums of cost change in the last digit
    // with the order: a large first file and a small second one, scanned by two workers, once made the small
    // one's records arrive first. Run against dist/ (npm run build first), as the workers need the built file.
    const { ingest } = (await import('../dist/ingest/ingest.js' as string)) as typeof import('../src/ingest/ingest.js');
    const folder = mkdtempSync(join(tmpdir(), 'usage-pool-order-'));
    const line = (file: number, at: number): string => `{"ts":1793959200,"model":"gpt-4o","prompt":${file},"completion":${at},"cached":0,"total":${file + at}}\n`;
    const sizes = [20_000, 3, 2_000, 1];
    const paths = sizes.map((size, file) => {
      const path = join(folder, `${file}.jsonl`);
      writeFileSync(path, Array.from({ length: size }, (_, at) => line(file, at)).join(''));
      return path;
    });
    const seen: Array<[number, number]> = [];
    await ingest(
      paths.map((path) => ({ kind: 'file' as const, path })),
      (record) => seen.push([record.inputTokens, record.outputTokens]),
      { workers: 2 },
    );
    const expected = sizes.flatMap((size, file) => Array.from({ length: size }, (_, at): [number, number] => [file, at]));
    expect(seen.length).toBe(expected.length);
    expect(seen).toEqual(expected);
  });
});

describe('inputs that are not regular files', () => {
  it('reads a named pipe (as from `<(zcat log.gz)`), which cannot be read at a position', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-fifo-'));
    const fifo = join(folder, 'usage.jsonl');
    execFileSync('mkfifo', [fifo]);
    const line = '{"ts":1793959200,"model":"gpt-4o","prompt":100,"completion":10,"cached":0,"total":110}\n';
    const running = runUsage(['report', fifo, '--json', '--no-cache']);
    // Opening a FIFO for writing waits for the reader, so this also waits for usage to open it.
    const writer = createWriteStream(fifo);
    writer.end(line.repeat(3));
    const result = await running;
    expect(result.stderr).not.toMatch(/ESPIPE|unreadable|skipped/);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).totals.total_tokens).toBe(330);
  });

  it('treats a timestamp past the year 9999 as invalid, alike on one thread and in workers', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-pool-ts-'));
    writeFileSync(join(folder, 'a.jsonl'), '{"ts":1793959200,"model":"gpt-4o","prompt":100,"completion":10,"cached":0,"total":110}\n');
    writeFileSync(join(folder, 'b.jsonl'), '{"ts":1e17,"model":"gpt-4o","prompt":10,"completion":1,"cached":0,"total":11}\n');
    const { single, parallel } = await runBoth(['daily', folder, '--json', '--no-cache']);
    expect(parallel).toBe(single);
    const daily = JSON.parse(single);
    expect(daily.skipped.reasons).toEqual({ invalid_timestamp: 1 });
  });
});
