/**
 * How the index recognises a file it has read before: device + inode, size,
 * modification time, and hashes of sampled windows of the bytes it consumed
 * (the first and last 4 KiB and six windows between), so that a replaced,
 * truncated or rewritten file is read again from scratch.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

const EDGE_WINDOW = 4096;
const INNER_WINDOW = 1024;
const INNER_SAMPLES = 6;

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

function readWindow(descriptor: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const bytesRead = readSync(descriptor, buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/**
 * A hash of sampled windows of the first `length` bytes of a file; null when
 * the file cannot be read. Synchronous, like the scan it follows: eight small
 * reads each awaited cost more in thread-pool round trips than in reading.
 */
export function sampleFile(path: string, length: number): string | null {
  let descriptor: number;
  try {
    descriptor = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const hash = createHash('sha1');
    hash.update(String(length));
    if (length <= 2 * EDGE_WINDOW + INNER_SAMPLES * INNER_WINDOW) {
      hash.update(readWindow(descriptor, 0, length));
    } else {
      hash.update(readWindow(descriptor, 0, EDGE_WINDOW));
      const span = length - 2 * EDGE_WINDOW;
      for (let sample = 1; sample <= INNER_SAMPLES; sample++) {
        const position = EDGE_WINDOW + Math.floor((span * sample) / (INNER_SAMPLES + 1));
        hash.update(readWindow(descriptor, position, INNER_WINDOW));
      }
      hash.update(readWindow(descriptor, length - EDGE_WINDOW, EDGE_WINDOW));
    }
    return hash.digest('hex');
  } catch {
    return null;
  } finally {
    closeSync(descriptor);
  }
}
