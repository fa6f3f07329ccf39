/**
 * The WebAssembly line scanner (src/lines/compact-line.ts) against JSON.parse:
 * it must accept exactly the lines JSON.parse accepts, and the compacted copy
 * must parse to the original value with the bulk members' values replaced by
 * null. Random JSON values, random damage to valid lines, and every fixture
 * line (the real transcripts included) are checked.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLineCompactor } from '../src/lines/compact-line.js';
import { decodeLine } from '../src/lines/decode-line.js';

const BULK = ['content', 'toolUseResult', 'snapshot', 'data'];
const MARKERS = ['okens"', 'usage"', '_meta"'];
const compactor = createLineCompactor({ bulkKeys: BULK, markers: MARKERS });

/** The value JSON.parse gives for the line, or undefined when it rejects it. */
function parseWhole(bytes: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(decodeLine(bytes, 0, bytes.length)) };
  } catch {
    return undefined;
  }
}

/**
 * Whether the compacted copy's value matches the whole line's: equal, except
 * that a bulk member's value may be null (it is kept when shorter than `null`).
 */
function matchesElided(compacted: unknown, whole: unknown): boolean {
  if (Array.isArray(whole)) {
    return Array.isArray(compacted) && compacted.length === whole.length && whole.every((item, index) => matchesElided(compacted[index], item));
  }
  if (whole !== null && typeof whole === 'object') {
    if (compacted === null || typeof compacted !== 'object' || Array.isArray(compacted)) return false;
    const left = Object.entries(compacted);
    const right = Object.entries(whole);
    return (
      left.length === right.length &&
      right.every(([key, inner], index) => {
        const [otherKey, otherValue] = left[index] as [string, unknown];
        if (otherKey !== key) return false;
        return (BULK.includes(key) && otherValue === null) || matchesElided(otherValue, inner);
      })
    );
  }
  return Object.is(compacted, whole) || (compacted === 0 && whole === 0);
}

/** Checks one line both ways; returns whether JSON.parse accepted it. */
function checkLine(bytes: Buffer): boolean {
  const whole = parseWhole(bytes);
  const compacted = compactor.compact(bytes, 0, bytes.length);
  if (whole === undefined) {
    expect(compacted, `accepted what JSON.parse rejects: ${JSON.stringify(bytes.toString('latin1'))}`).toBeNull();
    return false;
  }
  expect(compacted, `rejected what JSON.parse accepts: ${JSON.stringify(bytes.toString('latin1'))}`).not.toBeNull();
  if (compacted === null) return true;
  const text = decodeLine(compacted.bytes, compacted.start, compacted.end);
  expect(matchesElided(JSON.parse(text), whole.value), text).toBe(true);
  // Never longer than the line: the copy must not run into the scanner's container stack.
  expect(compacted.end - compacted.start).toBeLessThanOrEqual(bytes.length);
  const raw = compacted.bytes.subarray(compacted.start, compacted.end);
  expect(compacted.holdsMarker, text).toBe(MARKERS.some((marker) => raw.indexOf(marker) !== -1));
  return true;
}

/** JSON text of a value, spaced three ways (no line breaks: a line holds one value). */
const jsonLine = fc
  .tuple(fc.jsonValue(), fc.constantFrom(0, 1, '\t'))
  .map(([value, space]) => Buffer.from(JSON.stringify(value, null, space).replace(/\n/g, space === '\t' ? '\t' : ' ')));

/** Objects that use the bulk and marker names as keys, nested. */
const bulkyLine = fc
  .letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.jsonValue({ maxDepth: 1 }),
      fc.dictionary(fc.constantFrom('content', 'toolUseResult', 'snapshot', 'input_tokens', 'usage', 'x', 'session_meta', 'a\\u0063'), tie('value'), { maxKeys: 4 }),
      fc.array(tie('value'), { maxLength: 3 }),
    ),
  }))
  .value.map((value) => Buffer.from(JSON.stringify(value)));

/** Bytes that break JSON in interesting ways when inserted or substituted. */
const hostileByte = fc.constantFrom(0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x00, 0x09, 0x1f, 0x7f, 0x80, 0xc3, 0xff, 0x20, 0x74, 0x65, 0x2d, 0x2e, 0x30, 0x75, 0x2b, 0x45);

/** A valid line, then one edit: delete, insert, replace or cut. */
function damage(line: Buffer, kind: number, at: number, byte: number): Buffer {
  const index = line.length === 0 ? 0 : at % line.length;
  if (kind === 0) return Buffer.concat([line.subarray(0, index), line.subarray(index + 1)]);
  if (kind === 1) return Buffer.concat([line.subarray(0, index), Buffer.from([byte]), line.subarray(index)]);
  if (kind === 2) return Buffer.concat([line.subarray(0, index), Buffer.from([byte]), line.subarray(index + 1)]);
  return line.subarray(0, index);
}

function listFiles(directory: string): string[] {
  return readdirSync(directory).flatMap((name) => {
    const path = join(directory, name);
    return statSync(path).isDirectory() ? listFiles(path) : /\.(?:jsonl|ndjson)$/.test(name) ? [path] : [];
  });
}

describe('the line scanner agrees with JSON.parse', () => {
  it('accepts every JSON value and elides exactly the bulk members', () => {
    fc.assert(
      fc.property(jsonLine, (line) => {
        expect(checkLine(line)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(bulkyLine, (line) => {
        expect(checkLine(line)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects exactly what JSON.parse rejects, after any one edit of a valid line', () => {
    fc.assert(
      fc.property(fc.oneof(jsonLine, bulkyLine), fc.integer({ min: 0, max: 3 }), fc.nat(), hostileByte, (line, kind, at, byte) => {
        checkLine(damage(line, kind, at, byte));
      }),
      { numRuns: 5000 },
    );
  });

  it('judges hand-picked edge cases as JSON.parse does', () => {
    const cases = [
      '', ' ', '{}', '[]', '{"a":1}', '{"a":1,}', '[1,]', '{"a" 1}', '01', '-0', '-', '1.', '.5', '1e', '1e+', '1E-2', '2.5e10',
      'tru', 'true', 'nul', 'null', 'falsy', 'false', '"\\u12"', '"\\u12G4"', '"\\x"', '"\\/"', '"a\tb"', '"a\u007fb"',
      '{"content":{"a":[1,{"b":"}"}]},"x":2}', '{"content":"\\"}","usage":{"input_tokens":1}}',
      '{"content":1,"content":2}', '{"__proto__":{"content":1}}', ' {"a":[ ]} ', '{"a":1}x', '{"a":1} {"b":2}', '\ufeff{}',
      '{"a":"\ud83d\ude00"}', '[[[[[[[[[[]]]]]]]]]]', '{"input_tokens":1}', '{"x":"tokens"}', '{"okens":1}', '{"a":"okens\\""}',
    ];
    for (const text of cases) checkLine(Buffer.from(text));
    // A key written with an escape is never elided (the scanner compares raw bytes): keeping a value is always safe.
    const escaped = compactor.compact(Buffer.from('{"con\\u0074ent":"kept"}'), 0, 23);
    expect(escaped && JSON.parse(decodeLine(escaped.bytes, escaped.start, escaped.end))).toEqual({ content: 'kept' });
    // Every byte: alone, inside a string, escaped, after a value, as a number's next byte, in \u escapes.
    for (let byte = 0; byte < 256; byte++) {
      const one = Buffer.from([byte]);
      for (const [before, after] of [['', ''], ['"', '"'], ['"\\', '"'], ['{"a":1', '}'], ['[1', ']'], ['[-', ']'], ['1', ''], ['"\\u00', '0"'], ['{"a"', ':1}'], ['[tru', ']']]) {
        checkLine(Buffer.concat([Buffer.from(before as string), one, Buffer.from(after as string)]));
      }
    }
    // Invalid UTF-8 inside a string is kept byte for byte (decodeLine's escaping); outside a string it is an error.
    checkLine(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xc3, 0x28, 0x22, 0x7d]));
    checkLine(Buffer.from([0x7b, 0xff, 0x7d]));
    // Nesting far deeper than any log: the scanner's stack is as deep as the line is long.
    checkLine(Buffer.from(`${'['.repeat(1000)}${']'.repeat(1000)}`));
    checkLine(Buffer.from(`${'{"content":'.repeat(1000)}1${'}'.repeat(1000)}`));
  });

  it('agrees on every fixture line, the real transcripts included', () => {
    let lines = 0;
    for (const path of [...listFiles(join('fixtures', 'logs')), ...listFiles(join('fixtures', 'real'))]) {
      for (const line of readFileSync(path, 'latin1').split(/\r?\n|\r/)) {
        if (line.trim() === '') continue;
        checkLine(Buffer.from(line, 'latin1'));
        lines++;
      }
    }
    expect(lines).toBeGreaterThan(100);
  });

  it('fills a fresh scanner to its capacity with short and long bulk values, objects and arrays', () => {
    // A new compactor reserves 64 KiB; lines at, just under and over that size, full of bulk
    // members whose values are shorter than `null` (kept) or longer (elided).
    for (const size of [65_536 - 1, 65_536, 65_536 + 1, 131_072, 200_000]) {
      for (const wrap of ['object', 'array']) {
        const fresh = createLineCompactor({ bulkKeys: BULK, markers: MARKERS });
        const members = ',"data":0,"content":"","snapshot":{},"toolUseResult":[],"data":1234,"content":"abcd"'.repeat(200);
        const head = wrap === 'object' ? '{"x":"' : '[[[[{"x":"';
        const tail = wrap === 'object' ? `"${members}}` : `"${members}}],[0]],1],2]`;
        const line = Buffer.from(`${head}${'p'.repeat(Math.max(0, size - head.length - tail.length))}${tail}`);
        const compacted = fresh.compact(line, 0, line.length);
        expect(compacted, `${wrap} of ${line.length} bytes`).not.toBeNull();
        checkLine(line);
      }
    }
  });

  it('leaves a line unchecked (null) without WebAssembly and over 16 MiB, so the caller parses it whole', () => {
    const plain = createLineCompactor({ bulkKeys: BULK, markers: MARKERS, webAssembly: false });
    expect(plain.compact(Buffer.from('{"a":1}'), 0, 7)).toBeNull();
    expect(plain.searchMarkers(Buffer.from('{"input_tokens":1}'), 0, 18)).toBe(true);
    const huge = Buffer.from(`{"content":"${'z'.repeat(16 * 1024 * 1024)}"}`);
    expect(compactor.compact(huge, 0, huge.length)).toBeNull();
  });

  it('refuses markers it could not find exactly (quotes, backslashes, non-ASCII, one byte)', () => {
    for (const marker of ['a"b"', 'a\\b"', 'é"', 'x"']) expect(() => createLineCompactor({ bulkKeys: [], markers: [marker] })).toThrow(RangeError);
  });

  it('keeps working across lines of very different sizes (the scanner memory grows)', () => {
    const small = Buffer.from('{"input_tokens":1,"content":"x"}');
    const large = Buffer.from(JSON.stringify({ content: 'y'.repeat(3_000_000), usage: { input_tokens: 2 } }));
    for (const line of [small, large, small, large]) checkLine(line);
  });
});
