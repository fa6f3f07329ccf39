/**
 * Worker-thread side of the pool: claims files from the shared counter, scans
 * each, sends its records back packed (transferable buffers, in batches so
 * memory stays flat on huge files), then its counts, until none are left.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DataError } from '../core/errors.js';
import { PackBuilder } from './pack.js';
import { AHEAD, IN_FLIGHT, MAX_BATCHES_AHEAD, MAX_BATCHES_IN_FLIGHT, NO_ORDER, type PoolJob, type WorkerReply, type WorkerSetup } from './pool.js';
import { scanSource } from './scan.js';

const BATCH = 8192;
const port = parentPort;
const { options, jobs, nextJob, inFlight, head } = workerData as WorkerSetup;
const counter = new Int32Array(nextJob);
const batchesInFlight = new Int32Array(inFlight);
const headFile = new Int32Array(head);

function send(reply: WorkerReply): void {
  if (reply.type === 'records') {
    // Wait (this thread only) while the main thread has enough batches to take in: of the head file, or, for a
    // later file, held until the head moves on. The head is read again after each wait: it may have become this file.
    for (;;) {
      const current = Atomics.load(headFile, 0);
      const ahead = current !== NO_ORDER && current !== reply.index;
      const which = ahead ? AHEAD : IN_FLIGHT;
      const seen = Atomics.load(batchesInFlight, which);
      if (seen < (ahead ? MAX_BATCHES_AHEAD : MAX_BATCHES_IN_FLIGHT)) {
        Atomics.add(batchesInFlight, which, 1);
        reply.ahead = ahead;
        break;
      }
      Atomics.wait(batchesInFlight, which, seen, 100);
    }
    const { floats, ints, contexts } = reply.packed;
    port?.postMessage(reply, [floats.buffer as ArrayBuffer, ints.buffer as ArrayBuffer, contexts.buffer as ArrayBuffer]);
  } else {
    port?.postMessage(reply);
  }
}

async function scanJob(job: PoolJob): Promise<void> {
  // Records are packed as they come: held as objects until a batch was full, they outlived the young generation.
  const batch = new PackBuilder();
  const flush = (settled: boolean): void => {
    if (batch.count === 0) return;
    send({ type: 'records', index: job.index, packed: batch.finish(), settled, ahead: false });
  };
  const scan = await scanSource(
    { kind: 'file', path: job.path },
    options,
    (entry, settled) => {
      if (!settled) {
        // The record of an unfinished last line travels alone, marked, so the index skips it.
        flush(true);
        batch.add(entry.record, entry.line, entry.dedupKey);
        flush(false);
        return;
      }
      batch.add(entry.record, entry.line, entry.dedupKey);
      if (batch.count >= BATCH) flush(true);
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
