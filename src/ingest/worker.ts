/**
 * Worker-thread side of the pool: claims files from the shared counter, scans
 * each, sends its records back packed (transferable buffers, in batches so
 * memory stays flat on huge files), then its counts, until none are left.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DataError } from '../core/errors.js';
import { packRecords } from './pack.js';
import { MAX_BATCHES_IN_FLIGHT, type PoolJob, type WorkerReply, type WorkerSetup } from './pool.js';
import { type ScannedRecord, scanSource } from './scan.js';

const BATCH = 8192;
const port = parentPort;
const { options, jobs, nextJob, inFlight } = workerData as WorkerSetup;
const counter = new Int32Array(nextJob);
const batchesInFlight = new Int32Array(inFlight);

function send(reply: WorkerReply): void {
  if (reply.type === 'records') {
    // Wait (this thread only) while the main thread has enough batches to take in.
    for (let seen = Atomics.load(batchesInFlight, 0); seen >= MAX_BATCHES_IN_FLIGHT; seen = Atomics.load(batchesInFlight, 0)) {
      Atomics.wait(batchesInFlight, 0, seen, 100);
    }
    Atomics.add(batchesInFlight, 0, 1);
    const { floats, ints, contexts } = reply.packed;
    port?.postMessage(reply, [floats.buffer as ArrayBuffer, ints.buffer as ArrayBuffer, contexts.buffer as ArrayBuffer]);
  } else {
    port?.postMessage(reply);
  }
}

async function scanJob(job: PoolJob): Promise<void> {
  let batch: ScannedRecord[] = [];
  const flush = (settled: boolean): void => {
    if (batch.length === 0) return;
    send({ type: 'records', index: job.index, packed: packRecords(batch), settled });
    batch = [];
  };
  const scan = await scanSource(
    { kind: 'file', path: job.path },
    options,
    (entry, settled) => {
      if (!settled) {
        // The record of an unfinished last line travels alone, marked, so the index skips it.
        flush(true);
        batch.push(entry);
        flush(false);
        return;
      }
      batch.push(entry);
      if (batch.length >= BATCH) flush(true);
    },
    job.start,
  );
  flush(true);
  send({ type: 'file', index: job.index, scan });
}

async function scanClaimedJobs(): Promise<void> {
  for (;;) {
    const job = jobs[Atomics.add(counter, 0, 1)];
    if (job === undefined) return;
    await scanJob(job);
  }
}

if (port) {
  scanClaimedJobs().then(
    () => send({ type: 'done' }),
    (error: unknown) => {
      send({ type: 'error', message: error instanceof Error ? error.message : String(error), strict: error instanceof DataError });
    },
  );
}
