/**
 * A small pool of worker threads that scan files in parallel. Files are
 * handed out one at a time, so a slow file never leaves a core idle for long.
 * Records come back packed, per file, in batches.
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

export type WorkerRequest = { type: 'scan'; job: PoolJob } | { type: 'stop' };

export type WorkerReply =
  | { type: 'next' }
  | { type: 'records'; index: number; packed: PackedRecords; settled: boolean }
  | { type: 'file'; index: number; scan: FileScan }
  | { type: 'error'; message: string; strict: boolean };

export interface PoolHandlers {
  onRecords(index: number, packed: PackedRecords, settled: boolean): void;
  onFile(index: number, scan: FileScan): void;
}

export async function runWorkerPool(jobs: readonly PoolJob[], size: number, options: ScanOptions, handlers: PoolHandlers): Promise<void> {
  let next = 0;
  const workers: Worker[] = [];
  const finished = Array.from(
    { length: size },
    (_, slot) =>
      new Promise<void>((resolve, reject) => {
        const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: options });
        workers[slot] = worker;
        worker.on('message', (reply: WorkerReply) => {
          try {
            switch (reply.type) {
              case 'next': {
                const job = jobs[next++];
                const request: WorkerRequest = job ? { type: 'scan', job } : { type: 'stop' };
                worker.postMessage(request);
                if (!job) resolve();
                return;
              }
              case 'records':
                handlers.onRecords(reply.index, reply.packed, reply.settled);
                return;
              case 'file':
                handlers.onFile(reply.index, reply.scan);
                return;
              case 'error':
                reject(reply.strict ? new DataError(reply.message) : new Error(reply.message));
            }
          } catch (error) {
            reject(error);
          }
        });
        worker.on('error', reject);
      }),
  );
  try {
    await Promise.all(finished);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
