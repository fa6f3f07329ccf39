import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isUtf8 } from 'node:buffer';
import { decodeLine } from '../src/lines/decode-line.js';
import { readLines } from '../src/lines/read-lines.js';

async function collect(chunks: Array<Buffer | string>) {
  const lines: Array<{ text: string; line: number; terminated: boolean }> = [];
  async function* source() {
    yield* chunks;
  }
  await readLines(source(), (buffer, start, end, line, terminated) => {
    lines.push({ text: buffer.toString('utf8', start, end), line, terminated });
  });
  return lines;
}

describe('readLines', () => {
  it('splits on LF and CRLF, drops a BOM and blank lines, keeps line numbers', async () => {
    const lines = await collect(['\uFEFF{"a":1}\r\n\n{"b":2}\n{"c"', ':3}']);
    expect(lines).toEqual([
      { text: '{"a":1}', line: 1, terminated: true },
      { text: '{"b":2}', line: 3, terminated: true },
      { text: '{"c":3}', line: 4, terminated: false },
    ]);
  });

  it('joins a line split across many chunks, including inside a multi-byte character', async () => {
    const text = '{"model":"ünïcødé"}\n';
    const bytes = Buffer.from(text);
    const chunks = [...bytes].map((byte) => Buffer.from([byte]));
    expect(await collect(chunks)).toEqual([{ text: '{"model":"ünïcødé"}', line: 1, terminated: true }]);
  });

  it('yields the same lines however the input is chunked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '')), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        async (texts, cuts) => {
          const joined = Buffer.from(texts.map((text) => `${text}\n`).join(''));
          const chunks: Buffer[] = [];
          let position = 0;
          let index = 0;
          while (position < joined.length) {
            const size = cuts[index++ % cuts.length]!;
            chunks.push(joined.subarray(position, position + size));
            position += size;
          }
          const lines = await collect(chunks);
          // Blank lines, spaces and tabs only, are not handed out (docs/record.md).
          expect(lines.map((line) => line.text)).toEqual(texts.filter((text) => !/^[ \t]*$/.test(text)));
        },
      ),
    );
  });
});

type Ending = '\n' | '\r\n' | '\r';

async function collectWith(chunks: Array<Buffer | string>, maxLineBytes?: number) {
  const lines: Array<{ text: string; line: number; terminated: boolean }> = [];
  const overlong: Array<{ line: number; bytes: number; terminated: boolean }> = [];
  async function* source() {
    yield* chunks;
  }
  const stats = await readLines(
    source(),
    (buffer, start, end, line, terminated) => {
      lines.push({ text: buffer.toString('utf8', start, end), line, terminated });
    },
    { maxLineBytes, onOverlongLine: (line, bytes, terminated) => overlong.push({ line, bytes, terminated }) },
  );
  return { lines, overlong, stats };
}

/** Cuts `bytes` into chunks of the given sizes, cycling. */
function cut(bytes: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let position = 0;
  let index = 0;
  while (position < bytes.length) {
    const size = sizes[index++ % sizes.length] as number;
    chunks.push(bytes.subarray(position, position + size));
    position += size;
  }
  return chunks;
}

describe('readLines line ends', () => {
  it('splits CR-only files into lines (issue 13, case 2)', async () => {
    const { lines, stats } = await collectWith(['{"a":1}\r{"b":2}\r{"c":3}\r']);
    expect(lines).toEqual([
      { text: '{"a":1}', line: 1, terminated: true },
      { text: '{"b":2}', line: 2, terminated: true },
      { text: '{"c":3}', line: 3, terminated: true },
    ]);
    // 3 lines of 7 bytes + 1 CR each = 24 bytes, all consumed.
    expect(stats).toEqual({ bytes: 24, lines: 3, consumed: 24, completeLines: 3 });
  });

  it('reads mixed LF, CRLF and CR ends, a CRLF split across chunks counting as one end', async () => {
    const { lines } = await collectWith(['{"a":1}\r', '\n{"b":2}\r{"c":3}\n{"d":4}\r', '\r\n{"e":5}']);
    expect(lines.map((line) => [line.text, line.line])).toEqual([
      ['{"a":1}', 1],
      ['{"b":2}', 2],
      ['{"c":3}', 3],
      ['{"d":4}', 4],
      // line 5 is the blank line between the CR and the CRLF
      ['{"e":5}', 6],
    ]);
  });

  it('does not hand out whitespace-only lines (blank lines are not counted)', async () => {
    const { lines } = await collectWith(['  \t \n{"a":1}\n \r\n\t\n']);
    expect(lines).toEqual([{ text: '{"a":1}', line: 2, terminated: true }]);
  });

  it('yields the same lines for any mix of \\n, \\r\\n and \\r ends, however chunked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            // Non-empty: an empty line ending in LF after a CR would be a CRLF, one end, by design.
            fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '').trim() || '{}'),
            fc.constantFrom<Ending>('\n', '\r\n', '\r'),
          ),
          { maxLength: 20 },
        ),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        async (pairs, sizes) => {
          const joined = Buffer.from(pairs.map(([text, ending]) => text + ending).join(''));
          const { lines, stats } = await collectWith(cut(joined, sizes));
          expect(lines.map((line) => line.text)).toEqual(pairs.map(([text]) => text).filter((text) => text !== ''));
          expect(lines.every((line) => line.terminated)).toBe(true);
          expect(stats.completeLines).toBe(pairs.length);
          expect(stats.consumed).toBe(joined.length);
        },
      ),
    );
  });
});

describe('readLines over-long lines', () => {
  it('reports a line over the cap with its full size and goes on with the next line', async () => {
    const long = 'x'.repeat(100);
    const { lines, overlong } = await collectWith(cut(Buffer.from(`{"a":1}\n${long}\n{"b":2}\n${long}`), [7]), 64);
    expect(lines.map((line) => [line.text, line.line])).toEqual([
      ['{"a":1}', 1],
      ['{"b":2}', 3],
    ]);
    expect(overlong).toEqual([
      { line: 2, bytes: 100, terminated: true },
      { line: 4, bytes: 100, terminated: false },
    ]);
  });

  it('hands out lines up to the cap and reports longer ones with their size, however chunked (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 80 }), fc.constantFrom<Ending>('\n', '\r\n', '\r')), { minLength: 1, maxLength: 15 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 6 }),
        async (lines, sizes) => {
          const cap = 40;
          const joined = Buffer.from(lines.map(([length, ending]) => 'y'.repeat(length) + ending).join(''));
          const { lines: seen, overlong } = await collectWith(cut(joined, sizes), cap);
          expect(seen.map((line) => [line.line, line.text.length])).toEqual(
            lines.flatMap(([length], index) => (length <= cap ? [[index + 1, length]] : [])),
          );
          expect(overlong.map((line) => [line.line, line.bytes])).toEqual(
            lines.flatMap(([length], index) => (length > cap ? [[index + 1, length]] : [])),
          );
        },
      ),
    );
  });

  it('keeps reading linear: a long line in many small chunks is not re-joined per chunk', async () => {
    // 8 MiB in 64-byte chunks = 131,072 chunks. Re-joining the carry per chunk
    // copies ~n²/2 chunk sizes (~550 GB) and cannot finish; linear joining copies 8 MiB once.
    const chunk = Buffer.alloc(64, 0x61);
    async function* source() {
      for (let index = 0; index < 131_072; index++) yield chunk;
      yield Buffer.from('\n{"z":1}\n');
    }
    const seen: number[] = [];
    const started = Date.now();
    await readLines(source(), (_buffer, start, end) => {
      seen.push(end - start);
    });
    expect(seen).toEqual([8 * 1024 * 1024, 7]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('skips zero-filled input past the cap in flat memory and linear time', async () => {
    const zeros = Buffer.alloc(1 << 16);
    async function* source() {
      for (let index = 0; index < 512; index++) yield zeros; // 32 MiB of NULs, no line end
    }
    const overlong: number[] = [];
    await readLines(source(), () => {}, { maxLineBytes: 1 << 20, onOverlongLine: (_line, bytes) => overlong.push(bytes) });
    expect(overlong).toEqual([512 * (1 << 16)]);
  });
});

describe('readLines input failures', () => {
  it('stops at a failing input, counting complete lines and dropping the cut-off one', async () => {
    async function* source() {
      yield Buffer.from('{"a":1}\n{"b":2}\n{"c"');
      throw Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
    }
    const seen: string[] = [];
    const stats = await readLines(source(), (buffer, start, end) => {
      seen.push(buffer.toString('utf8', start, end));
    });
    expect(seen).toEqual(['{"a":1}', '{"b":2}']);
    expect(stats.completeLines).toBe(2);
    expect(stats.lines).toBe(2);
    expect((stats.failure as NodeJS.ErrnoException).code).toBe('Z_BUF_ERROR');
  });

  it('lets the handler’s own errors propagate', async () => {
    await expect(
      readLines([Buffer.from('{"a":1}\n')], () => {
        throw new Error('from the handler');
      }),
    ).rejects.toThrow('from the handler');
  });
});

describe('decodeLine', () => {
  it('equals Node’s decoder on valid UTF-8, and keeps distinct invalid byte strings distinct (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.uint8Array({ maxLength: 24 }), (first, second) => {
        const a = Buffer.from(first);
        const b = Buffer.from(second);
        const textA = decodeLine(a, 0, a.length);
        if (isUtf8(a)) expect(textA).toBe(a.toString('utf8'));
        if (!a.equals(b)) expect(textA).not.toBe(decodeLine(b, 0, b.length));
      }),
      { numRuns: 2000 },
    );
    expect(decodeLine(Buffer.from([0x61, 0xff, 0x62]), 0, 3)).toBe('a\udcffb');
  });
});
