/**
 * Number and text formatting for people. Rounding happens here and only here:
 * the arithmetic upstream is full precision.
 */

let integerFormat: Intl.NumberFormat | undefined;

/**
 * 1234567 → "1,234,567". Safe integers are grouped by hand, as Intl would
 * (but -0 shows as 0): creating an Intl formatter initialises ICU (~13 ms of start-up),
 * which a run that prints only JSON never needs otherwise.
 */
export function formatInteger(value: number): string {
  if (Number.isSafeInteger(value)) {
    const digits = String(Math.abs(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return value < 0 ? `-${digits}` : digits;
  }
  integerFormat ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  return integerFormat.format(value);
}

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** 1234567 → "1.2M"; below 10,000 the exact figure is short enough to show. */
export function formatCompact(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude < 10_000) return formatInteger(value);
  for (const [size, unit] of UNITS) {
    if (magnitude >= size) {
      const scaled = value / size;
      return `${Math.abs(scaled) >= 100 ? scaled.toFixed(0) : scaled.toFixed(1)}${unit}`;
    }
  }
  return formatInteger(value);
}

/** Dollars for tables: cents, or four decimals under a dollar; "?" when unknown. The sign goes before the dollar: -$0.0407. */
export function formatCost(value: number | null): string {
  if (value === null) return '?';
  const magnitude = Math.abs(value);
  const digits = magnitude !== 0 && magnitude < 1 ? magnitude.toFixed(4) : formatCents(magnitude);
  // A change too small to show is no change: "$0.0000", not "-$0.0000".
  return value < 0 && !isShownAsZero(digits) ? `-$${digits}` : `$${digits}`;
}

/**
 * A non-negative amount with two decimals, grouped: 1234.5 → "1,234.50",
 * as Intl's en-US format gives it, without starting ICU (~200 M instructions,
 * more than the rest of a one-line table report). Like ICU, it rounds the
 * shortest decimal that reads back as the number (1.005 → "1.005" → 1.01;
 * toFixed would round the binary value, 1.00499…, to 1.00), ties away from
 * zero. Figures from 10^15 dollars on go to Intl itself.
 */
function formatCents(magnitude: number): string {
  if (magnitude >= 1e15 || !Number.isFinite(magnitude)) {
    return magnitude.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }
  // Below 10^15, String() writes plain digits (no exponent), the shortest that reads back as the number.
  const [whole = '0', fraction = ''] = String(magnitude).split('.');
  let cents = BigInt(`${whole}${fraction.slice(0, 2).padEnd(2, '0')}`);
  if ((fraction[2] ?? '0') >= '5') cents += 1n;
  const text = cents.toString().padStart(3, '0');
  return `${text.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${text.slice(-2)}`;
}

/** A change in dollars: "+$0.0123", "-$0.0407", or "$0.00" when nothing changed. */
export function formatCostChange(value: number | null): string {
  const text = formatCost(value);
  return value !== null && value > 0 && !isShownAsZero(text) ? `+${text}` : text;
}

function isShownAsZero(text: string): boolean {
  return !/[1-9]/.test(text);
}

export function formatPercent(fraction: number | null, digits = 1): string {
  if (fraction === null || !Number.isFinite(fraction)) return 'n/a';
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** Rounds a dollar figure for JSON output (6 decimals), keeping null. */
export function roundCost(value: number | null): number | null {
  if (value === null) return null;
  return Math.round(value * 1e6) / 1e6;
}

/** Rounds a ratio for JSON output. */
export function roundRatio(value: number | null, digits = 6): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Characters log text must not carry into a terminal, CSV or Markdown as they
 * are: C0 and C1 controls and DEL (ESC starts escape sequences that move the
 * cursor, recolour or set the terminal title; BEL, BS and a bare CR rewrite
 * what is shown), the soft hyphen, bidirectional marks, embeddings, overrides
 * and isolates (U+202E shows text backwards), zero-width characters and the
 * byte-order mark (two names that differ only in them look identical), the
 * line and paragraph separators U+2028/U+2029, and unpaired surrogates (what
 * invalid UTF-8 in a log decodes to, see lines/decode-line.ts).
 */
const UNSAFE_TEXT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `\uXXXX` for one UTF-16 code unit: visible, unambiguous, and the same notation as JSON. */
function escapeCodeUnit(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Makes text from a log safe to show to people (tables, charts, CSV, Markdown,
 * stderr): every character of UNSAFE_TEXT is replaced by its visible `\uXXXX`
 * form. Visible rather than stripped, so that an escape sequence cannot act
 * (ESC becomes `\u001B` and the rest of the sequence plain text) and two
 * distinct names never print alike.
 *
 * Every message that quotes log or file text must pass it through here where
 * the message is built: budget breach lines (project and model names), the
 * --strict error (file name and detail), skipped-file warnings, config and
 * pricing-file error messages (keys and values echoed back).
 */
export function sanitizeText(text: string): string {
  UNSAFE_TEXT.lastIndex = 0;
  return UNSAFE_TEXT.test(text) ? text.replace(UNSAFE_TEXT, escapeCodeUnit) : text;
}

/**
 * Characters JSON allows raw inside strings but that are unsafe or invisible
 * when the JSON is viewed (DEL, C1 controls, bidi controls, zero-width
 * characters, U+2028/U+2029). JSON.stringify already escapes C0 controls and
 * unpaired surrogates.
 */
const JSON_UNSAFE = /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]/g;

/**
 * JSON.stringify with those characters written as `\uXXXX` escapes: lossless
 * (a parser reads back the same string) and never raw in a terminal or file.
 * They can only stand inside strings, where an escape means the same.
 */
export function stringifyJson(value: unknown, indent?: number): string {
  const json = JSON.stringify(value, null, indent);
  JSON_UNSAFE.lastIndex = 0;
  if (json === undefined || !JSON_UNSAFE.test(json)) return json;
  return json.replace(JSON_UNSAFE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function formatDuration(milliseconds: number): string {
  const minutes = Math.round(milliseconds / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 24) return rest ? `${hours}h ${rest}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  return `${days}d ${hours % 24}h`;
}
