/**
 * A small pool of worker threads that scan files in parallel. Workers claim
 * files one at a time from a shared counter, so a slow file never leaves a
 * core idle for long, and a worker never waits for a busy main thread to hand
 * it the next file (asking the main thread cost each worker ~15% of its time
 * idle while the main thread was unpacking records). Records come back
 * packed, per file, in batches.
 */
import { Worker } from 'node:worker_threads';
import { DataError } from '../core/errors.js';
import type { PackedRecords } from './pack.js';
import type { FileScan, ScanOptions, ScanStart } from './scan.js';

export interface PoolJob {
  path: string;
  index: number;
  start?: ScanStart | undefined;
}

export interface WorkerSetup {
  options: ScanOptions;
  jobs: readonly PoolJob[];
  /** One Int32: the next job to claim, advanced with Atomics.add. */
  nextJob: SharedArrayBuffer;
  /**
   * One Int32: batches of records sent and not yet taken in by this thread.
   * A worker waits while MAX_BATCHES_IN_FLIGHT are: when this thread reduces
   * more slowly than the workers parse (flat records, one per line), their
   * batches queued up here and peak memory grew with the input (266 MB at
   * 1 GB of flat records against 155 MB on one thread).
   */
  inFlight: SharedArrayBuffer;
}

export const MAX_BATCHES_IN_FLIGHT = 8;

export type WorkerReply =
  | { type: 'records'; index: number; packed: PackedRecords; settled: boolean }
  | { type: 'file'; index: number; scan: FileScan }
  | { type: 'done' }
  | { type: 'error'; message: string; strict: boolean };

export interface PoolHandlers {
  onRecords(index: number, packed: PackedRecords, settled: boolean): void;
  onFile(index: number, scan: FileScan): void;
}

/**
 * Young-generation cap per worker: a scan makes short-lived garbage at a high
 * rate, and with V8's default semi-spaces each worker's heap grew by tens of
 * MB for no gain in speed (measured: smaller semi-spaces were as fast).
 */
const WORKER_YOUNG_GENERATION_MB = 12;

/**
 * What a run of the pool measured. Tried and left out (issue 12, helper
 * measurements at 1 GB): V8 flags --semi-space-growth-factor=1 and
 * --heap-growing-percent=60 set when workers start took flat logs' peak from
 * ~240 to ~195 MiB at the same CPU, but Claude logs' CPU up 9% (7.7 → 8.5 s)
 * for no lower peak, which there is the kept de-duplication batches.
 */
export interface PoolStats {
  /** The most batches ever sent and not yet taken in, seen as one arrived (the arriving one included). */
  peakBatchesInFlight: number;
}

export async function runWorkerPool(jobs: readonly PoolJob[], size: number, options: ScanOptions, handlers: PoolHandlers): Promise<PoolStats> {
  const nextJob = new SharedArrayBuffer(4);
  const inFlight = new SharedArrayBuffer(4);
  const batchesInFlight = new Int32Array(inFlight);
  const setup: WorkerSetup = { options, jobs, nextJob, inFlight };
  const stats: PoolStats = { peakBatchesInFlight: 0 };
  const workers: Worker[] = [];
  const finished = Array.from(
    { length: size },
    (_, slot) =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(new URL('./worker.js', import.meta.url), {
          workerData: setup,
          resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
        });
        workers[slot] = worker;
        worker.on('message', (reply: WorkerReply) => {
          try {
            switch (reply.type) {
              case 'records':
                stats.peakBatchesInFlight = Math.max(stats.peakBatchesInFlight, Atomics.load(batchesInFlight, 0));
                handlers.onRecords(reply.index, reply.packed, reply.settled);
                Atomics.sub(batchesInFlight, 0, 1);
                Atomics.notify(batchesInFlight, 0);
                return;
              case 'file':
                handlers.onFile(reply.index, reply.scan);
                return;
              case 'done':
                resolve();
                return;
              case 'error':
                reject(reply.strict ? new DataError(reply.message) : new Error(reply.message));
            }
          } catch (error) {
            reject(error);
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => reject(new Error(`a scanning thread stopped unexpectedly (exit code ${code})`)));
      }),
  );
  try {
    await Promise.all(finished);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return stats;
}
