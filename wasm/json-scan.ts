/**
 * The JSON-lines fast path, in AssemblyScript (compiled to WebAssembly by
 * scripts/build-wasm.mjs; loaded by src/lines/compact-line.ts).
 *
 * Why: decoding a 2 KB transcript line to a JavaScript string and parsing it
 * whole costs ~20 µs, while the usage it carries sits in a few hundred bytes;
 * the rest is message text. Here one pass over the bytes checks that the line
 * is JSON exactly as JSON.parse would judge it (RFC 8259), and writes a
 * compacted copy in which the value of every member named by one of the
 * "bulk" keys (message content and the like, which no dialect reads) is
 * replaced by `null` (unless the value is shorter than that). The caller parses the compacted copy; a line judged
 * invalid (or too deep to judge here) is parsed in full by JSON.parse, which
 * then gives the verdict and its message.
 *
 * Memory layout, set up by `reserve`: [keys][input line + 16 spare bytes]
 * [output][container stack]. The spare bytes let the 16-byte loads in the
 * string scan read past the end of the line without leaving memory; what they
 * read there is ignored.
 */

// Results of `compactLine` besides an output length (>= 0).
/** The line is not JSON (or not one value): JSON.parse must judge it. */
const INVALID: i32 = -1;
/** Nothing was elided: parse the input bytes as they are. */
const UNCHANGED: i32 = -2;

const QUOTE: u8 = 0x22;
const BACKSLASH: u8 = 0x5c;

let keysStart: usize = 0;
let keysCount: i32 = 0;
// The usage markers (src/dialects/registry.ts USAGE_MARKERS without their closing quote), after the bulk keys.
let markersStart: usize = 0;
let markersCount: i32 = 0;
// One bit per pair of bytes that ends some marker (65,536 bits, 8 KiB at `markerEndsStart`): most
// strings end in a pair no marker ends in. Kept in the reserved region: the stub runtime's heap also
// starts at __heap_base. Markers shorter than two bytes are not supported (none is).
const MARKER_TABLE_BYTES: usize = 8192;
let markerEndsStart: usize = 0;
// Likewise one bit per (first byte, last byte) of a bulk key, right after it: most keys are told apart
// from every bulk key without comparing bytes.
let keyEndsStart: usize = 0;
let holdsMarker: bool = false;
let inputStart: usize = 0;
let outputStart: usize = 0;
let stackStart: usize = 0;
let capacity: i32 = 0;

// Where the compacted copy has been written up to, and from where the input still has to be copied.
let outputEnd: usize = 0;
let copiedUpTo: usize = 0;
let elided: bool = false;

/**
 * Makes room for a line of `length` bytes and `keyBytes` bytes of keys;
 * returns where the keys go (the line goes at `inputPointer()`).
 */
export function reserve(length: i32, keyBytes: i32): usize {
  const base = (__heap_base + 15) & ~(15 as usize);
  const needed = base + 2 * MARKER_TABLE_BYTES + <usize>keyBytes + 16 + <usize>length * 3 + 64;
  const have = <usize>memory.size() << 16;
  if (needed > have) {
    const pages = <i32>((needed - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  markerEndsStart = base;
  keyEndsStart = base + MARKER_TABLE_BYTES;
  keysStart = base + 2 * MARKER_TABLE_BYTES;
  inputStart = (keysStart + <usize>keyBytes + 15) & ~(15 as usize);
  outputStart = inputStart + <usize>length + 16;
  stackStart = outputStart + <usize>length + 16;
  capacity = length;
  return keysStart;
}

export function inputPointer(): usize {
  return inputStart;
}

export function outputPointer(): usize {
  return outputStart;
}

/**
 * The bulk keys are written as [length byte][bytes], `keyCount` of them, from
 * the pointer `reserve` returned, and the markers the same way right after them.
 */
export function setKeys(keyCount: i32, markerCount: i32): void {
  keysCount = keyCount;
  let at = keysStart;
  memory.fill(keyEndsStart, 0, MARKER_TABLE_BYTES);
  for (let index = 0; index < keyCount; index++) {
    const length = <usize>load<u8>(at);
    if (length > 0) markPair(keyEndsStart, <u32>load<u8>(at + 1) | (<u32>load<u8>(at + length) << 8));
    at += 1 + length;
  }
  markersStart = at;
  markersCount = markerCount;
  memory.fill(markerEndsStart, 0, MARKER_TABLE_BYTES);
  for (let index = 0; index < markerCount; index++) {
    const length = <usize>load<u8>(at);
    if (length >= 2) markPair(markerEndsStart, <u32>load<u16>(at + length - 1));
    at += 1 + length;
  }
}

function markPair(table: usize, pair: u32): void {
  const word = table + ((<usize>pair >> 5) << 2);
  store<u32>(word, load<u32>(word) | ((<u32>1) << (pair & 31)));
}

@inline function hasPair(table: usize, pair: u32): bool {
  return (load<u32>(table + ((<usize>pair >> 5) << 2)) & ((<u32>1) << (pair & 31))) != 0;
}

/** Whether a string of the last line accepted, outside its elided members, ends with a usage marker. */
export function lineHoldsMarker(): bool {
  return holdsMarker;
}

/**
 * Notes whether the string token `[start, end)` (without quotes), a key or a
 * value, ends with a marker: the same test as searching the compacted line
 * for `marker"`, because in valid JSON an unescaped quote after any byte but
 * a backslash closes a string. Strings inside elided members are not looked at.
 */
function checkMarker(start: usize, end: usize): void {
  if (holdsMarker || end - start < 2) return;
  const pair = <u32>load<u16>(end - 2);
  if (!hasPair(markerEndsStart, pair)) return;
  let marker = markersStart;
  for (let index = 0; index < markersCount; index++) {
    const length = <usize>load<u8>(marker);
    if (length <= end - start && memory.compare(marker + 1, end - length, length) == 0) {
      holdsMarker = true;
      return;
    }
    marker += 1 + length;
  }
}

@inline function isWhitespace(byte: u32): bool {
  return byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d;
}

@inline function isDigit(byte: u32): bool {
  return byte - 0x30 < 10;
}

@inline function isHex(byte: u32): bool {
  return byte - 0x30 < 10 || (byte | 0x20) - 0x61 < 6;
}

function skipWhitespace(position: usize, end: usize): usize {
  while (position < end && isWhitespace(<u32>load<u8>(position))) position++;
  return position;
}

/**
 * From just after an opening quote, the position just after the closing
 * quote, or 0 when the string is broken (a raw control character, a bad
 * escape, no closing quote). Sets `stringHasEscape`.
 */
let stringHasEscape: bool = false;
function scanString(position: usize, end: usize): usize {
  stringHasEscape = false;
  const quote = i8x16.splat(<i8>QUOTE);
  const backslash = i8x16.splat(<i8>BACKSLASH);
  const space = i8x16.splat(0x20);
  while (position < end) {
    // 16 bytes at a time: stop at a quote, a backslash or a control byte (< 0x20).
    const block = v128.load(position);
    const hits = v128.or(v128.or(i8x16.eq(block, quote), i8x16.eq(block, backslash)), i8x16.lt_u(block, space));
    const mask = i8x16.bitmask(hits);
    if (mask == 0) {
      position += 16;
      continue;
    }
    position += <usize>ctz(mask);
    if (position >= end) return 0;
    const byte = <u32>load<u8>(position);
    if (byte == QUOTE) return position + 1;
    if (byte < 0x20) return 0;
    // A backslash: one of the escapes JSON allows.
    stringHasEscape = true;
    if (position + 1 >= end) return 0;
    const escaped = <u32>load<u8>(position + 1);
    if (escaped == 0x75) {
      if (position + 6 > end) return 0;
      if (!isHex(<u32>load<u8>(position + 2)) || !isHex(<u32>load<u8>(position + 3)) || !isHex(<u32>load<u8>(position + 4)) || !isHex(<u32>load<u8>(position + 5))) return 0;
      position += 6;
    } else if (escaped == QUOTE || escaped == BACKSLASH || escaped == 0x2f || escaped == 0x62 || escaped == 0x66 || escaped == 0x6e || escaped == 0x72 || escaped == 0x74) {
      position += 2;
    } else {
      return 0;
    }
  }
  return 0;
}

/** From the first byte of a number, the position after it, or 0 when it is not a JSON number. */
function scanNumber(position: usize, end: usize): usize {
  if (load<u8>(position) == 0x2d) position++;
  if (position >= end) return 0;
  let byte = <u32>load<u8>(position);
  if (byte == 0x30) {
    position++;
  } else if (byte - 0x31 < 9) {
    position++;
    while (position < end && isDigit(<u32>load<u8>(position))) position++;
  } else {
    return 0;
  }
  if (position < end && load<u8>(position) == 0x2e) {
    position++;
    if (position >= end || !isDigit(<u32>load<u8>(position))) return 0;
    while (position < end && isDigit(<u32>load<u8>(position))) position++;
  }
  if (position < end && (<u32>load<u8>(position) | 0x20) == 0x65) {
    position++;
    if (position < end && (load<u8>(position) == 0x2b || load<u8>(position) == 0x2d)) position++;
    if (position >= end || !isDigit(<u32>load<u8>(position))) return 0;
    while (position < end && isDigit(<u32>load<u8>(position))) position++;
  }
  return position;
}

/** Whether `[start, end)` (a key without its quotes, no escapes) is one of the bulk keys. */
function isBulkKey(start: usize, end: usize): bool {
  const length = <i32>(end - start);
  if (length == 0 || !hasPair(keyEndsStart, <u32>load<u8>(start) | (<u32>load<u8>(end - 1) << 8))) return false;
  let key = keysStart;
  for (let index = 0; index < keysCount; index++) {
    const keyLength = <i32>load<u8>(key);
    if (keyLength == length && memory.compare(key + 1, start, <usize>length) == 0) return true;
    key += 1 + <usize>keyLength;
  }
  return false;
}

/** Copies the input up to `upTo` to the output, then `null`, and skips the input to `resume`. */
function elide(upTo: usize, resume: usize): void {
  const length = upTo - copiedUpTo;
  memory.copy(outputEnd, copiedUpTo, length);
  outputEnd += length;
  store<u32>(outputEnd, 0x6c6c756e); // "null", little-endian
  outputEnd += 4;
  copiedUpTo = resume;
  elided = true;
}

// The start of the value of a bulk member being elided, and the depth of its object (-1: none).
let elideFrom: usize = 0;
let elideDepth: i32 = -1;

/**
 * A member's `"key" :` from `start` (its opening quote): notes a usage
 * marker at the key's end, and starts eliding the value when the key is a
 * bulk key. Returns where the value starts, or 0 when no member starts here.
 */
function readMemberKey(start: usize, end: usize, depth: i32): usize {
  if (start >= end || load<u8>(start) != QUOTE) return 0;
  const keyEnd = scanString(start + 1, end);
  if (keyEnd == 0) return 0;
  const outsideElided = elideDepth < 0;
  if (outsideElided) checkMarker(start + 1, keyEnd - 1);
  const bulk = outsideElided && !stringHasEscape && isBulkKey(start + 1, keyEnd - 1);
  let position = skipWhitespace(keyEnd, end);
  if (position >= end || load<u8>(position) != 0x3a) return 0;
  position = skipWhitespace(position + 1, end);
  if (bulk) {
    elideFrom = position;
    elideDepth = depth;
  }
  return position;
}

const IN_ARRAY: u8 = 1;
const IN_OBJECT: u8 = 2;

/**
 * Checks the line of `length` bytes at `inputPointer()` and compacts it.
 * Returns INVALID, UNCHANGED, or the length of the compacted copy at `outputPointer()`.
 */
export function compactLine(length: i32): i32 {
  if (length > capacity) return INVALID;
  const end = inputStart + <usize>length;
  outputEnd = outputStart;
  copiedUpTo = inputStart;
  elided = false;
  holdsMarker = false;
  let depth: i32 = 0;
  let position = skipWhitespace(inputStart, end);
  elideDepth = -1;
  // A value is expected at `position` (after `[`, `,` in an array, `:` or at the start).
  for (;;) {
    if (position >= end) return INVALID;
    let byte = <u32>load<u8>(position);
    let valueEnd: usize = 0;
    if (byte == QUOTE) {
      valueEnd = scanString(position + 1, end);
      if (valueEnd != 0 && elideDepth < 0) checkMarker(position + 1, valueEnd - 1);
    } else if (byte == 0x7b || byte == 0x5b) {
      // `{` or `[`: an empty one closes at once; otherwise descend.
      const isObject = byte == 0x7b;
      const inner = skipWhitespace(position + 1, end);
      if (inner < end && <u32>load<u8>(inner) == (isObject ? 0x7d : 0x5d)) {
        valueEnd = inner + 1;
      } else {
        store<u8>(stackStart + <usize>depth, isObject ? IN_OBJECT : IN_ARRAY);
        depth++;
        if (depth > capacity) return INVALID;
        position = inner;
        if (isObject) {
          position = readMemberKey(position, end, depth);
          if (position == 0) return INVALID;
        }
        continue;
      }
    } else if (byte == 0x74) {
      valueEnd = position + 4 <= end && load<u32>(position) == 0x65757274 ? position + 4 : 0; // true
    } else if (byte == 0x66) {
      valueEnd = position + 5 <= end && load<u32>(position + 1) == 0x65736c61 ? position + 5 : 0; // false
    } else if (byte == 0x6e) {
      valueEnd = position + 4 <= end && load<u32>(position) == 0x6c6c756e ? position + 4 : 0; // null
    } else if (byte == 0x2d || isDigit(byte)) {
      valueEnd = scanNumber(position, end);
    }
    if (valueEnd == 0) return INVALID;
    position = valueEnd;
    // After a value: close containers, or go on to the next element or member.
    for (;;) {
      if (elideDepth == depth) {
        // A value shorter than `null` stays: so the copy is never longer than the
        // line, and never runs into the container stack that follows it.
        if (position - elideFrom >= 4) elide(elideFrom, position);
        elideDepth = -1;
      }
      position = skipWhitespace(position, end);
      if (depth == 0) {
        if (position != end) return INVALID;
        if (!elided) return UNCHANGED;
        const rest = end - copiedUpTo;
        memory.copy(outputEnd, copiedUpTo, rest);
        return <i32>(outputEnd + rest - outputStart);
      }
      if (position >= end) return INVALID;
      byte = <u32>load<u8>(position);
      const container = load<u8>(stackStart + <usize>(depth - 1));
      if (byte == 0x2c) {
        position = skipWhitespace(position + 1, end);
        if (container == IN_OBJECT) {
          position = readMemberKey(position, end, depth);
          if (position == 0) return INVALID;
        }
        break;
      }
      if (byte == (container == IN_OBJECT ? <u32>0x7d : <u32>0x5d)) {
        depth--;
        position++;
        continue;
      }
      return INVALID;
    }
  }
  // Not reached: the loop above returns; AssemblyScript cannot tell.
  return INVALID;
}
