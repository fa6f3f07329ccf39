/**
 * Turns a line's bytes into text without losing invalid UTF-8. Node's
 * decoder replaces every invalid byte with U+FFFD, so two ids that differ
 * only in invalid bytes became one string, and de-duplication dropped one of
 * two distinct calls. Here each invalid byte becomes its own unpaired low
 * surrogate, U+DC80 + (byte − 0x80) (the "surrogateescape" mapping): distinct
 * bytes stay distinct strings. Such text is shown as `\uDCxx` by the
 * renderers (format.ts sanitizeText) and written as `\udcxx` in JSON.
 */
import { isUtf8 } from 'node:buffer';

const REPLACEMENT = '\ufffd';

/** Length of the valid UTF-8 sequence at `index` (Unicode Table 3-7), or 0 when the byte there starts none. */
function measureSequence(bytes: Buffer, index: number, end: number): number {
  const lead = bytes[index] as number;
  if (lead < 0x80) return 1;
  const continuation = (offset: number, low = 0x80, high = 0xbf): boolean => {
    const byte = index + offset < end ? (bytes[index + offset] as number) : -1;
    return byte >= low && byte <= high;
  };
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(1) ? 2 : 0;
  if (lead === 0xe0) return continuation(1, 0xa0) && continuation(2) ? 3 : 0;
  if ((lead >= 0xe1 && lead <= 0xec) || lead === 0xee || lead === 0xef) return continuation(1) && continuation(2) ? 3 : 0;
  if (lead === 0xed) return continuation(1, 0x80, 0x9f) && continuation(2) ? 3 : 0;
  if (lead === 0xf0) return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead >= 0xf1 && lead <= 0xf3) return continuation(1) && continuation(2) && continuation(3) ? 4 : 0;
  if (lead === 0xf4) return continuation(1, 0x80, 0x8f) && continuation(2) && continuation(3) ? 4 : 0;
  return 0;
}

function decodeEscapingInvalid(bytes: Buffer, start: number, end: number): string {
  let text = '';
  let run = start;
  let index = start;
  while (index < end) {
    const length = measureSequence(bytes, index, end);
    if (length > 0) {
      index += length;
      continue;
    }
    text += bytes.toString('utf8', run, index) + String.fromCharCode(0xdc00 + (bytes[index] as number));
    index++;
    run = index;
  }
  return text + bytes.toString('utf8', run, end);
}

/**
 * The text of `bytes[start, end)`. The common case costs one decode: only a
 * result holding U+FFFD (which a one-byte string never holds) is checked for
 * invalid bytes, and only an invalid line is decoded again.
 */
export function decodeLine(bytes: Buffer, start: number, end: number): string {
  const text = bytes.toString('utf8', start, end);
  if (!text.includes(REPLACEMENT) || isUtf8(bytes.subarray(start, end))) return text;
  return decodeEscapingInvalid(bytes, start, end);
}
