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
   * Two Int32s. [IN_FLIGHT]: batches of the head file (see `head`) sent and
   * not yet taken in by this thread. A worker waits while
   * MAX_BATCHES_IN_FLIGHT are: when this thread reduces more slowly than the
   * workers parse (flat records, one per line), their batches queued up here
   * and peak memory grew with the input (266 MB at 1 GB of flat records
   * against 155 MB on one thread). [AHEAD]: batches of later files sent and
   * not yet handed on (this thread holds them until every earlier file is
   * done, see PoolOrder); a worker waits while MAX_BATCHES_AHEAD are.
   */
  inFlight: SharedArrayBuffer;
  /**
   * One Int32: the index of the file whose records this thread hands on now
   * (the head); NO_ORDER when batches are taken in as they come.
   */
  head: SharedArrayBuffer;
}

export const IN_FLIGHT = 0;
export const AHEAD = 1;
export const NO_ORDER = -1;

export const MAX_BATCHES_IN_FLIGHT = 8;

/**
 * Batches of files after the head a worker may send before it waits for the
 * head to move on. Unchecked (they were counted as taken in when they
 * arrived), 40-odd batches, ~90 MB, waited here at 1 GB of flat records, and
 * 30-odd on Claude transcripts: a worker on a later file ran on while the
 * head file's worker waited for this thread to reduce.
 */
export const MAX_BATCHES_AHEAD = 8;

export type WorkerReply =
  | { type: 'records'; index: number; packed: PackedRecords; settled: boolean; ahead: boolean }
  | { type: 'file'; index: number; scan: FileScan }
  | { type: 'done' }
  | { type: 'error'; message: string; strict: boolean };

export interface PoolHandlers {
  /**
   * A batch of file `index`. `ahead`: sent while an earlier file was the head
   * (see PoolOrder); it counts against MAX_BATCHES_AHEAD until `tookAhead`.
   */
  onRecords(index: number, packed: PackedRecords, settled: boolean, ahead: boolean): void;
  onFile(index: number, scan: FileScan): void;
}

/**
 * For a caller that hands on records in file order: it names the head file
 * (whose batches it takes in as they arrive) and says when it has taken in a
 * batch that arrived `ahead`. Workers on later files then wait, rather than
 * fill this thread with batches it cannot hand on yet.
 */
export class PoolOrder {
  readonly head = new SharedArrayBuffer(4);
  readonly inFlight = new SharedArrayBuffer(8);
  private readonly counters = new Int32Array(this.inFlight);
  private readonly current = new Int32Array(this.head);

  constructor() {
    this.current[0] = NO_ORDER - 1;
  }

  /** File `index` is now the head (NO_ORDER - 1 once none is left). */
  setHead(index: number): void {
    if (Atomics.exchange(this.current, 0, index) === index) return;
    Atomics.notify(this.counters, AHEAD);
  }

  tookAhead(): void {
    Atomics.sub(this.counters, AHEAD, 1);
    Atomics.notify(this.counters, AHEAD);
  }
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
 * for no lower peak, which there is the kept de-duplication batches. After
 * the batches were no longer kept, ahead batches were capped and workers
 * packed records as scanned: a 4 MB young generation per worker, or 4
 * batches in flight and ahead instead of 8, moved the 1 GB peaks by less
 * than run-to-run noise (±5 MiB); what is left is mostly the main thread's
 * young generation (32 MB committed, V8's default) and three isolates' code.
 */
export interface PoolStats {
  /** The most batches of the head file ever sent and not yet taken in, seen as one arrived (the arriving one included). */
  peakBatchesInFlight: number;
  /** The most batches ever sent ahead of the head file and not yet taken in, seen as one arrived (likewise). */
  peakBatchesAhead: number;
}

export async function runWorkerPool(
  jobs: readonly PoolJob[],
  size: number,
  options: ScanOptions,
  handlers: PoolHandlers,
  order?: PoolOrder,
): Promise<PoolStats> {
  const nextJob = new SharedArrayBuffer(4);
  const inFlight = order?.inFlight ?? new SharedArrayBuffer(8);
  let head = order?.head;
  if (head === undefined) {
    head = new SharedArrayBuffer(4);
    new Int32Array(head)[0] = NO_ORDER;
  }
  const batchesInFlight = new Int32Array(inFlight);
  const setup: WorkerSetup = { options, jobs, nextJob, inFlight, head };
  const stats: PoolStats = { peakBatchesInFlight: 0, peakBatchesAhead: 0 };
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
                if (reply.ahead) {
                  stats.peakBatchesAhead = Math.max(stats.peakBatchesAhead, Atomics.load(batchesInFlight, AHEAD));
                  handlers.onRecords(reply.index, reply.packed, reply.settled, true);
                  return;
                }
                stats.peakBatchesInFlight = Math.max(stats.peakBatchesInFlight, Atomics.load(batchesInFlight, IN_FLIGHT));
                handlers.onRecords(reply.index, reply.packed, reply.settled, false);
                Atomics.sub(batchesInFlight, IN_FLIGHT, 1);
                Atomics.notify(batchesInFlight, IN_FLIGHT);
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
