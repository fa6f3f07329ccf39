/**
 * How the index recognises a file it has read before: device + inode, size,
 * modification time, status-change time (ctime), and a hash of sampled
 * windows of the bytes it consumed (the first and last 16 KiB and sixteen
 * 4 KiB windows between), so that a replaced, truncated or rewritten file is
 * read again from scratch. What this cannot see is listed in docs/index.md.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

const EDGE_WINDOW = 16 * 1024;
const INNER_WINDOW = 4096;
const INNER_SAMPLES = 16;

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  /** Set by the kernel on every write, chmod or rename; `touch -r`, `cp -p` and `rsync -t` cannot put it back. */
  ctimeMs: number;
}

function readWindow(descriptor: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const count = readSync(descriptor, buffer, read, length - read, position + read);
    if (count === 0) break;
    read += count;
  }
  return buffer.subarray(0, read);
}

/**
 * A hash of sampled windows of the first `length` bytes of a file; null when
 * the file cannot be read or is not a regular file. Synchronous, like the
 * scan it follows: small reads each awaited cost more in thread-pool round
 * trips than in reading. Opened non-blocking and checked with fstat: opening
 * a named pipe for reading otherwise waits forever for a writer.
 */
export function sampleFile(path: string, length: number): string | null {
  let descriptor: number;
  try {
    descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    if (!fstatSync(descriptor).isFile()) return null;
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
