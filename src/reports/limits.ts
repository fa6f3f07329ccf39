/**
 * `usage limits`: the rate-limit windows Codex reported (latest state of
 * each, when it resets) and how they moved over one day. Real figures from
 * the server, not estimates: a window whose reset time has passed since its
 * last reading is shown as reset, with its old percentage for reference.
 */
import { describeWindow, type RateLimitsState, traceWindow, type WindowName } from '../reducers/rate-limits.js';
import type { Dataset, DatasetColumn, Document } from '../renderers/dataset.js';
import type { SideScanSummary } from '../sources/side-scan.js';
import { formatInstant, formatWallClock } from './analytics-json.js';
import { JSON_SCHEMA_VERSION } from './serialize.js';

export interface LimitsOptions {
  zone: string;
  now: number;
  /** The day whose history is shown, as YYYY-MM-DD in the zone. */
  day: string;
}

const WINDOWS: readonly WindowName[] = ['primary', 'secondary'];

function instantOrNull(instant: number | null): string | null {
  return instant === null ? null : formatInstant(instant);
}

function wallOrNull(instant: number | null, zone: string): string | null {
  return instant === null ? null : formatWallClock(instant, zone).slice(0, 16);
}

export function buildLimitsReport(state: RateLimitsState, scan: SideScanSummary, options: LimitsOptions): Document {
  const windows = WINDOWS.flatMap((name) => {
    const reading = state.latest.get(name);
    if (reading === undefined) return [];
    const status = describeWindow(reading, options.now);
    return [
      {
        window: name,
        window_minutes: reading.windowMinutes,
        used_percent: reading.usedPercent,
        plan_type: reading.planType,
        observed_at: formatInstant(reading.timestamp),
        resets_at: instantOrNull(reading.resetsAt),
        resets_in_ms: status.resetsInMs,
        reset_since: status.resetSince,
      },
    ];
  });
  const history = WINDOWS.flatMap((name) =>
    traceWindow(state.history, name).map((point) => ({
      window: name,
      time: formatInstant(point.timestamp),
      used_percent: point.usedPercent,
      resets_at: instantOrNull(point.resetsAt),
      reset: point.reset,
    })),
  );
  const json = {
    schema: JSON_SCHEMA_VERSION,
    kind: 'limits',
    tz: options.zone,
    now: formatInstant(options.now),
    day: options.day,
    readings: state.readings,
    windows,
    history,
    sources: { files: scan.files, bytes: scan.bytes, unreadable: scan.unreadable },
  };
  const windowColumns: DatasetColumn[] = [
    { key: 'window', header: 'window', kind: 'text' },
    { key: 'length', header: 'length', kind: 'text', priority: 6 },
    { key: 'used', header: 'used', kind: 'text', priority: 9 },
    { key: 'resets', header: 'resets', kind: 'text', priority: 8 },
    { key: 'resets_in_ms', header: 'in', kind: 'duration', priority: 8 },
    { key: 'observed', header: 'as of', kind: 'text', priority: 5 },
    { key: 'plan_type', header: 'plan', kind: 'text', priority: 2 },
  ];
  const windowRows = windows.map((window) => ({
    window: window.window,
    length: window.window_minutes === null ? null : formatWindowLength(window.window_minutes),
    // A passed reset means the figure belongs to the old window.
    used: window.reset_since ? `${window.used_percent}% (reset since)` : `${window.used_percent}%`,
    resets: wallOrNull(state.latest.get(window.window)?.resetsAt ?? null, options.zone),
    resets_in_ms: window.resets_in_ms,
    observed: wallOrNull(state.latest.get(window.window)?.timestamp ?? null, options.zone),
    plan_type: window.plan_type,
  }));
  const historyColumns: DatasetColumn[] = [
    { key: 'time', header: 'time', kind: 'text' },
    { key: 'window', header: 'window', kind: 'text', priority: 8 },
    { key: 'used_percent', header: 'used %', kind: 'text', priority: 9 },
    { key: 'resets', header: 'resets', kind: 'text', priority: 5 },
    { key: 'reset', header: 'reset', kind: 'flag', mark: 'reset', priority: 7 },
  ];
  const historyRows = history.map((point) => ({
    ...point,
    time: wallOrNull(Date.parse(point.time), options.zone),
    used_percent: `${point.used_percent}%`,
    resets: point.resets_at === null ? null : wallOrNull(Date.parse(point.resets_at), options.zone),
  }));
  const datasets: Dataset[] = [
    { name: 'windows', title: 'Codex rate-limit windows (as reported)', columns: windowColumns, rows: windowRows },
    { name: 'history', title: `How they moved on ${options.day}`, columns: historyColumns, rows: historyRows },
  ];
  return { json, datasets };
}

function formatWindowLength(minutes: number): string {
  if (minutes % (24 * 60) === 0) return `${minutes / (24 * 60)}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}
