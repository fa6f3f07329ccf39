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
  const digits =
    magnitude !== 0 && magnitude < 1
      ? magnitude.toFixed(4)
      : magnitude.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  // A change too small to show is no change: "$0.0000", not "-$0.0000".
  return value < 0 && !isShownAsZero(digits) ? `-$${digits}` : `$${digits}`;
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

// CSI/OSC sequences first (so their parameters vanish with them), then any
// remaining C0/C1 control character.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point.
const ANSI_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Makes a name from a log safe to print: a model or project name must not be
 * able to move the cursor, change colours or set the terminal title.
 */
export function sanitizeText(text: string): string {
  return text.replace(ANSI_SEQUENCE, '').replace(CONTROL_CHARACTERS, '');
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
