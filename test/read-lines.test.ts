import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
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
          expect(lines.map((line) => line.text)).toEqual(texts.filter((text) => text !== ''));
        },
      ),
    );
  });
});
