/**
 * Number formatting for people (src/renderers/format.ts). Integers are
 * grouped by hand to keep Intl (and ICU's start-up cost) out of runs that do
 * not need it; the result must match Intl's en-US grouping.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeCsvField, renderCsv } from '../src/renderers/csv.js';
import { formatCompact, formatCost, formatInteger, sanitizeText } from '../src/renderers/format.js';
import { renderJson } from '../src/renderers/json.js';
import { escapeMarkdownCell, renderMarkdown } from '../src/renderers/markdown.js';
import { renderNdjson } from '../src/renderers/ndjson.js';
import { renderTable } from '../src/renderers/table.js';

describe('formatInteger', () => {
  const intl = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

  it('groups every safe integer as Intl does', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.integer({ min: -1e7, max: 1e7 })), (value) => {
        if (Object.is(value, -0)) return;
        expect(formatInteger(value)).toBe(intl.format(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('hands fractions and huge numbers to Intl, and shows -0 as 0', () => {
    expect(formatInteger(1234.6)).toBe('1,235');
    expect(formatInteger(2 ** 60)).toBe(intl.format(2 ** 60));
    expect(formatInteger(-0)).toBe('0');
    expect(formatInteger(-1234567)).toBe('-1,234,567');
  });

  it('shows dollars with cents as Intl does, without Intl', () => {
    const cents = (value: number) => value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ min: 1, max: 1e16, noNaN: true }),
          fc.integer({ min: 100, max: 10_000_000 }).map((cent) => cent / 100 + 0.005),
          fc.integer({ min: 1, max: 99_999 }).map((milli) => milli / 1000 + 1),
        ),
        (value) => {
          expect(formatCost(value)).toBe(`$${cents(value)}`);
          expect(formatCost(-value)).toBe(`-$${cents(value)}`);
        },
      ),
      { numRuns: 3000 },
    );
    // Intl rounds the shortest decimal form, ties away from zero: 1.005 is 1.00499… in binary, yet $1.01.
    expect(formatCost(1.125)).toBe('$1.13');
    expect(formatCost(1.005)).toBe('$1.01');
    expect(formatCost(2.675)).toBe('$2.68');
    expect(formatCost(0)).toBe('$0.00');
    expect(formatCost(999_999.995)).toBe(`$${cents(999_999.995)}`);
    expect(formatCost(1e20)).toBe(`$${cents(1e20)}`);
  });

  it('keeps compact and money formats as before', () => {
    expect(formatCompact(9_999)).toBe('9,999');
    expect(formatCompact(1_234_567)).toBe('1.2M');
    expect(formatCost(1234.5)).toBe('$1,234.50');
    expect(formatCost(-0.0407)).toBe('-$0.0407');
  });
});

describe('hostile text from logs (issue 13, case 18)', () => {
  const HOSTILE = [
    'ESC\u001b]0;pwned\u0007',
    'bell\u0007 bs\b cr\rdel\u007f c1\u009b',
    'right\u202eleft',
    'zero\u200bwidth\u2060\ufeff',
    'line\u2028para\u2029',
    'isolate\u2066x\u2069',
    'lone\udcff',
  ];
  // Every unsafe character the cases above hold (C0 but tab/LF checked separately).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

  it('sanitizeText makes every unsafe character visible as \\uXXXX, keeping distinct names distinct', () => {
    expect(sanitizeText('ESC\u001b]0;pwned\u0007')).toBe('ESC\\u001B]0;pwned\\u0007');
    expect(sanitizeText('right\u202eleft')).toBe('right\\u202Eleft');
    expect(sanitizeText('lone\udcff')).toBe('lone\\uDCFF');
    expect(sanitizeText('emoji 😀 ok')).toBe('emoji 😀 ok');
    for (const text of HOSTILE) expect(sanitizeText(text)).not.toMatch(UNSAFE);
    expect(sanitizeText('ab')).not.toBe(sanitizeText('a\u200bb'));
  });

  it('JSON and NDJSON escape DEL, C1, bidi, zero-width and U+2028/9 losslessly (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom(...HOSTILE)), { maxLength: 8 }), (texts) => {
        const json = renderJson({ texts });
        expect(json.replace(/\n/g, '')).not.toMatch(UNSAFE);
        expect(JSON.parse(json)).toEqual({ texts });
        const ndjson = renderNdjson([{ name: 'n', columns: [{ key: 'model', header: 'Model', kind: 'text' }], rows: texts.map((model) => ({ model })) }]);
        expect(ndjson.replace(/\n/g, '')).not.toMatch(UNSAFE);
        expect(ndjson.split('\n').filter(Boolean).map((line) => JSON.parse(line).model)).toEqual(texts);
      }),
    );
  });

  it('CSV cells carry no control, bidi or zero-width character', () => {
    const csv = renderCsv({ name: 'n', columns: [{ key: 'model', header: 'Model', kind: 'text' }], rows: HOSTILE.map((model) => ({ model })) });
    // Only the CRLF row ends remain.
    expect(csv.replace(/\r\n/g, '')).not.toMatch(UNSAFE);
    expect(escapeCsvField('=1+1\u001b')).toBe("'=1+1\\u001B");
  });

  it('Markdown neutralises links, images, HTML, mentions, URLs and control characters', () => {
    const cell = escapeMarkdownCell('[click](https://evil.example) ![i](x) <img src=x onerror=alert(1)> @octocat www.evil.example\u001b[31m | `code` *b* ~1');
    expect(cell).toBe(
      '\\[click\\](https:&#8203;//evil.example) !\\[i\\](x) &lt;img src=x onerror=alert(1)&gt; @&#8203;octocat www&#8203;.evil.example\\\\u001B\\[31m \\| \\`code\\` \\*b\\* ~1',
    );
    const markdown = renderMarkdown([{ name: 'n', columns: [{ key: 'model', header: 'Model', kind: 'text' }], rows: HOSTILE.map((model) => ({ model })) }]);
    expect(markdown.replace(/\n/g, '')).not.toMatch(UNSAFE);
  });

  it('tables show hostile names without control characters', () => {
    const table = renderTable({ columns: [{ header: 'Model' }], rows: HOSTILE.map((text) => [text]) }, { color: false, width: 200 });
    expect(table.replace(/\n/g, '')).not.toMatch(UNSAFE);
  });
});
