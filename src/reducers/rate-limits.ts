/**
 * Codex rate limits as the server reported them. Each Codex `token_count`
 * event may carry `rate_limits` with a primary and a secondary window
 * (`used_percent`, `window_minutes`, and either `resets_at`, seconds since
 * the epoch, or the older `resets_in_seconds`, relative to the event). These
 * are readings, not usage: they never become usage records. The dialect
 * extracts them (readCodexRateLimits in src/dialects/codex.ts); this module
 * folds readings into the latest state of each window and the day's history.
 */

export type WindowName = 'primary' | 'secondary';

export interface RateLimitReading {
  /** When the event was written (ms). */
  timestamp: number;
  window: WindowName;
  usedPercent: number;
  windowMinutes: number | null;
  /** When the window resets (ms), from `resets_at` or event time + `resets_in_seconds`; null when not reported. */
  resetsAt: number | null;
  planType: string | null;
}

export interface RateLimitsState {
  /** The newest reading per window, over all input. */
  latest: Map<WindowName, RateLimitReading>;
  /** Readings inside the history range, in any order (sorted when viewed). */
  history: RateLimitReading[];
  readings: number;
}

export interface HistoryRange {
  start: number;
  end: number;
}

export function createRateLimitsState(): RateLimitsState {
  return { latest: new Map(), history: [], readings: 0 };
}

/** Folds one reading in; only readings inside `range` are kept for the history, so memory stays bounded. */
export function addReading(state: RateLimitsState, reading: RateLimitReading, range: HistoryRange | null): void {
  state.readings++;
  const latest = state.latest.get(reading.window);
  if (latest === undefined || reading.timestamp >= latest.timestamp) state.latest.set(reading.window, reading);
  if (range !== null && reading.timestamp >= range.start && reading.timestamp < range.end) state.history.push(reading);
}

export function mergeRateLimits(left: RateLimitsState, right: RateLimitsState): RateLimitsState {
  const merged = createRateLimitsState();
  merged.readings = left.readings + right.readings;
  for (const side of [left, right]) {
    for (const [window, reading] of side.latest) {
      const current = merged.latest.get(window);
      if (current === undefined || reading.timestamp >= current.timestamp) merged.latest.set(window, reading);
    }
    merged.history.push(...side.history);
  }
  return merged;
}

/**
 * A reset time that moved later by more than this is a new window. Readings
 * made from `resets_in_seconds` drift by the seconds between the server's
 * answer and the log write, so small moves are noise.
 */
export const RESET_TOLERANCE_MS = 2 * 60 * 1000;

export interface HistoryPoint extends RateLimitReading {
  /** The window reset between the previous reading and this one. */
  reset: boolean;
}

/**
 * One window's readings in time order, reduced to the points where something
 * changed (the percentage moved, or the window reset): that is how it moved.
 * A reset is a reset time that moved later by more than the tolerance, or a
 * reading taken after the previous reading's reset time.
 */
export function traceWindow(history: readonly RateLimitReading[], window: WindowName): HistoryPoint[] {
  const readings = history.filter((reading) => reading.window === window).sort((a, b) => a.timestamp - b.timestamp || a.usedPercent - b.usedPercent);
  const points: HistoryPoint[] = [];
  let previous: RateLimitReading | null = null;
  for (const reading of readings) {
    const reset =
      previous !== null &&
      previous.resetsAt !== null &&
      (reading.timestamp >= previous.resetsAt || (reading.resetsAt !== null && reading.resetsAt - previous.resetsAt > RESET_TOLERANCE_MS));
    if (previous === null || reset || reading.usedPercent !== previous.usedPercent) points.push({ ...reading, reset });
    previous = reading;
  }
  return points;
}

export interface WindowStatus {
  reading: RateLimitReading;
  /** The reported reset time has passed: the percentage is from the window before. */
  resetSince: boolean;
  /** Time until the reset, at `now`; null when unknown or already passed. */
  resetsInMs: number | null;
}

export function describeWindow(reading: RateLimitReading, now: number): WindowStatus {
  const resetSince = reading.resetsAt !== null && now >= reading.resetsAt;
  return { reading, resetSince, resetsInMs: reading.resetsAt === null || resetSince ? null : reading.resetsAt - now };
}
