/**
 * Opens a source as a sequence of byte chunks. Files named `*.gz` are
 * gunzipped on the fly, member by member (see gunzipFile).
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { crc32, createGunzip, createInflateRaw } from 'node:zlib';
import type { Source } from './discover.js';
import { readWindow } from '../store/fingerprint.js';

const CHUNK_SIZE = 1 << 20;
// Compressed bytes fed to the inflater at a time: deflate expands at most
// ~1032:1, so one step holds at most ~16 MB of output even for a zero-filled file.
const GZIP_INPUT_STEP = 16 * 1024;

/** An input error with a code, like the file system's, so the scan reports the source as unreadable. */
function inputError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

const GZIP_TEXT = 0x01;
const GZIP_HEADER_CRC = 0x02;
const GZIP_EXTRA = 0x04;
const GZIP_NAME = 0x08;
const GZIP_COMMENT = 0x10;

/** Length of the gzip member header at the start of `bytes`; -1 when it is not one. */
function measureGzipHeader(bytes: Buffer): number {
  if (bytes.length < 10 || bytes[0] !== 0x1f || bytes[1] !== 0x8b || bytes[2] !== 8) return -1;
  const flags = bytes[3] as number;
  if (flags & ~(GZIP_TEXT | GZIP_HEADER_CRC | GZIP_EXTRA | GZIP_NAME | GZIP_COMMENT)) return -1;
  let position = 10;
  if (flags & GZIP_EXTRA) {
    if (bytes.length < position + 2) return -1;
    position += 2 + bytes.readUInt16LE(position);
  }
  for (const flag of [GZIP_NAME, GZIP_COMMENT]) {
    if (!(flags & flag)) continue;
    const end = bytes.indexOf(0, position);
    if (end === -1) return -1;
    position = end + 1;
  }
  if (flags & GZIP_HEADER_CRC) position += 2;
  return position <= bytes.length ? position : -1;
}

/**
 * Gunzips a regular file member by member. Node's gunzip stream, meeting
 * bytes after a member that do not start another, failed the whole stream
 * and dropped the output still buffered, so a file with trailing garbage
 * lost records it had read correctly. Here each member is inflated raw, its
 * end found from the bytes the inflater consumed, its trailer (CRC-32 and
 * length) checked, and whatever follows is: another member, zero padding
 * (ignored, as gzip does), or garbage (an error after all output is handed
 * out). A truncated member ends in an error too, after its readable output.
 */
async function* gunzipFile(descriptor: number): AsyncGenerator<Buffer> {
  try {
    const size = fstatSync(descriptor).size;
    let memberStart = 0;
    for (let member = 0; memberStart < size; member++) {
      const head = readWindow(descriptor, memberStart, Math.min(65_536, size - memberStart));
      if (member > 0 && head.every((byte) => byte === 0) && memberStart + head.length === size) return;
      const headerLength = measureGzipHeader(head);
      if (headerLength === -1) {
        if (member === 0) throw inputError('Z_DATA_ERROR', 'not in gzip format');
        throw inputError('Z_TRAILING_GARBAGE', `${size - memberStart} bytes after the end of the gzip data are not gzip data (trailing garbage)`);
      }
      const dataStart = memberStart + headerLength;
      const inflater = createInflateRaw();
      const output: Buffer[] = [];
      let failure: Error | undefined;
      let ended = false;
      let checksum = 0;
      let length = 0;
      inflater.on('data', (bytes: Buffer) => output.push(bytes));
      // Settles when the member's deflate data ends or the inflater fails.
      const settled = new Promise<void>((resolve) => {
        inflater.once('end', () => {
          ended = true;
          resolve();
        });
        inflater.on('error', (error: Error) => {
          failure ??= error;
          resolve();
        });
      });
      const handOut = function* (): Generator<Buffer> {
        for (const bytes of output) {
          checksum = crc32(bytes, checksum);
          length += bytes.length;
          yield bytes;
        }
        output.length = 0;
      };
      let fed = 0;
      for (;;) {
        const input = readWindow(descriptor, dataStart + fed, GZIP_INPUT_STEP);
        if (input.length === 0) {
          inflater.end();
          await settled;
          yield* handOut();
          if (failure) throw failure;
          if (!ended) throw inputError('Z_BUF_ERROR', 'unexpected end of file');
          break;
        }
        fed += input.length;
        await Promise.race([new Promise<void>((resolve) => inflater.write(input, () => resolve())), settled]);
        // Fewer bytes consumed than fed: the member's data ended inside this step.
        if (inflater.bytesWritten < fed) await settled;
        yield* handOut();
        if (failure) throw failure;
        if (ended) break;
      }
      inflater.destroy();
      const trailerStart = dataStart + inflater.bytesWritten;
      const trailer = readWindow(descriptor, trailerStart, 8);
      if (trailer.length < 8) throw inputError('Z_BUF_ERROR', 'unexpected end of file');
      if (trailer.readUInt32LE(0) !== checksum >>> 0 || trailer.readUInt32LE(4) !== length % 2 ** 32) {
        throw inputError('Z_DATA_ERROR', 'gzip checksum mismatch: the data is damaged');
      }
      memberStart = trailerStart + 8;
    }
  } finally {
    closeSync(descriptor);
  }
}

export function isCompressed(path: string): boolean {
  return path.toLowerCase().endsWith('.gz');
}

/**
 * Plain files are read with synchronous reads into one reused buffer. A read
 * stream costs a thread-pool round trip and a fresh buffer per chunk, which
 * measured as a third of the wall time of a scan of warm-cache transcripts;
 * the scan runs on its own (worker) thread or in a batch CLI, so blocking for
 * one page-cache read at a time costs nothing. The chunk handed out is only
 * valid until the next one is asked for: readLines copies what it keeps.
 */
function* readFileChunks(descriptor: number, offset: number): Generator<Buffer> {
  const buffer = takeChunkBuffer();
  // From the start, read sequentially (position null): a named pipe such as
  // `<(zcat log.gz)` cannot be read at a position. Resuming needs one.
  let position: number | null = offset === 0 ? null : offset;
  try {
    for (;;) {
      const bytesRead = readSync(descriptor, buffer, 0, CHUNK_SIZE, position);
      if (bytesRead === 0) return;
      if (position !== null) position += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    closeSync(descriptor);
    returnChunkBuffer(buffer);
  }
}

/**
 * Read buffers, reused from file to file. A fresh 1 MiB buffer per file is
 * freed only when the garbage collector next runs, and reading thousands of
 * small files between two collections held hundreds of MiB of them (peak
 * memory at 1 GB of transcripts). A file being read keeps its buffer until it
 * is closed, so files read at the same time never share one.
 */
const spareChunkBuffers: Buffer[] = [];

function takeChunkBuffer(): Buffer {
  return spareChunkBuffers.pop() ?? Buffer.allocUnsafeSlow(CHUNK_SIZE);
}

function returnChunkBuffer(buffer: Buffer): void {
  if (spareChunkBuffers.length < 4) spareChunkBuffers.push(buffer);
}

/** Opens a source, from `offset` bytes in (plain files only: a gzip stream is always read whole). */
export async function openSource(source: Source, offset = 0): Promise<Iterable<Buffer> | AsyncIterable<Buffer | string>> {
  if (source.kind === 'stream') return source.stream;
  // Open errors (ENOENT, EACCES) surface here rather than mid-iteration.
  const descriptor = openSync(source.path, 'r');
  let info: ReturnType<typeof fstatSync>;
  try {
    info = fstatSync(descriptor);
    // A device never ends (`/dev/zero`, `/dev/urandom`) or is a terminal: not a log.
    if (info.isCharacterDevice() || info.isBlockDevice()) throw inputError('EDEVICE', 'is a device, not a log file');
    if (info.isDirectory()) throw inputError('EISDIR', 'is a directory');
  } catch (error) {
    closeSync(descriptor);
    throw error;
  }
  if (!isCompressed(source.path)) return readFileChunks(descriptor, offset);
  if (info.isFile()) return gunzipFile(descriptor);
  // A named pipe called *.gz: read as a stream (cannot seek to find members).
  closeSync(descriptor);
  const stream = createReadStream(source.path, { highWaterMark: CHUNK_SIZE });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  return stream.pipe(createGunzip());
}

export function describeSource(source: Source): string {
  return source.kind === 'file' ? source.path : source.name;
}
