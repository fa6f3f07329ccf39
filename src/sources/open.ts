/**
 * Opens a source as a stream of byte chunks. Files named `*.gz` are gunzipped on the
 * fly.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Source } from './discover.js';

const CHUNK_SIZE = 1 << 20;

export function isCompressed(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/** Opens a source, from `offset` bytes in (plain files only: a gzip stream is always read whole). */
export async function openSource(source: Source, offset = 0): Promise<AsyncIterable<Buffer | string>> {
  if (source.kind === 'stream') return source.stream;
  const compressed = isCompressed(source.path);
  const stream = createReadStream(source.path, { highWaterMark: CHUNK_SIZE, start: compressed ? 0 : offset });
  // Surface open errors (EACCES, EISDIR) here rather than mid-iteration.
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return compressed ? stream.pipe(createGunzip()) : stream;
}

export function describeSource(source: Source): string {
  return source.kind === 'file' ? source.path : source.name;
}
