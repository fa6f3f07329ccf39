/**
 * Worker-thread side of the pool: asks for a file, scans it, sends its
 * records back packed (transferable buffers, in batches so memory stays flat
 * on huge files), then its counts, and asks for the next.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DataError } from '../core/errors.js';
import { packRecords } from './pack.js';
import type { WorkerReply, WorkerRequest } from './pool.js';
import { type ScannedRecord, type ScanOptions, scanSource } from './scan.js';

const BATCH = 8192;
const port = parentPort;
const options = workerData as ScanOptions;

function send(reply: WorkerReply): void {
  if (reply.type === 'records') {
    const { floats, ints, contexts } = reply.packed;
    port?.postMessage(reply, [floats.buffer as ArrayBuffer, ints.buffer as ArrayBuffer, contexts.buffer as ArrayBuffer]);
  } else {
    port?.postMessage(reply);
  }
}

if (port) {
  port.on('message', (request: WorkerRequest) => {
    if (request.type === 'stop') return;
    const { job } = request;
    let batch: ScannedRecord[] = [];
    const flush = (settled: boolean): void => {
      if (batch.length === 0) return;
      send({ type: 'records', index: job.index, packed: packRecords(batch), settled });
      batch = [];
    };
    scanSource(
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
    ).then(
      (scan) => {
        flush(true);
        send({ type: 'file', index: job.index, scan });
        send({ type: 'next' });
      },
      (error: unknown) => {
        send({ type: 'error', message: error instanceof Error ? error.message : String(error), strict: error instanceof DataError });
      },
    );
  });
  send({ type: 'next' });
}
