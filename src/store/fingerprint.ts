/**
 * How the index recognises a file it has read before: device + inode, size,
 * modification time, and hashes of sampled windows of the bytes it consumed
 * (the first and last 4 KiB and six windows between), so that a replaced,
 * truncated or rewritten file is read again from scratch.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';

const EDGE_WINDOW = 4096;
const INNER_WINDOW = 1024;
const INNER_SAMPLES = 6;

export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

async function readWindow(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** A hash of sampled windows of the first `length` bytes of a file. */
export async function sampleFile(path: string, length: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha1');
    hash.update(String(length));
    if (length <= 2 * EDGE_WINDOW + INNER_SAMPLES * INNER_WINDOW) {
      hash.update(await readWindow(handle, 0, length));
    } else {
      hash.update(await readWindow(handle, 0, EDGE_WINDOW));
      const span = length - 2 * EDGE_WINDOW;
      for (let sample = 1; sample <= INNER_SAMPLES; sample++) {
        const position = EDGE_WINDOW + Math.floor((span * sample) / (INNER_SAMPLES + 1));
        hash.update(await readWindow(handle, position, INNER_WINDOW));
      }
      hash.update(await readWindow(handle, length - EDGE_WINDOW, EDGE_WINDOW));
    }
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}
