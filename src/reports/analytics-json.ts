/**
 * JSON and dataset pieces shared by `report`, `sessions` and `cache`: the
 * cache ratios, context pressure, and instants (RFC 3339 UTC in JSON, the
 * --tz wall clock in tables and CSV).
 */
import { type CacheCounts, computeCacheRatios } from '../reducers/cache-health.js';
import type { ContextPressure } from '../reducers/context-pressure.js';
import type { Dataset } from '../renderers/dataset.js';
import { roundRatio } from '../renderers/format.js';
import { readZoneOffset } from '../time/zone.js';

/** An instant as RFC 3339 in UTC, for JSON. */
export function formatInstant(instant: number): string {
  return new Date(instant).toISOString();
}

/** An instant as `YYYY-MM-DD HH:MM:SS` on the wall clock of `zone`, for people and spreadsheets. */
export function formatWallClock(instant: number, zone: string): string {
  return new Date(instant + readZoneOffset(instant, zone)).toISOString().slice(0, 19).replace('T', ' ');
}

export interface CacheCountsJson {
  records: number;
  cache_reported_records: number;
  input_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cache_hit_rate: number | null;
  cache_reuse_rate: number | null;
}

export function serializeCacheCounts(counts: CacheCounts): CacheCountsJson {
  const ratios = computeCacheRatios(counts);
  return {
    records: counts.records,
    cache_reported_records: counts.reportedRecords,
    input_tokens: counts.inputTokens,
    cache_read_tokens: counts.cacheReadTokens,
    cache_write_tokens: counts.cacheWriteTokens,
    cache_hit_rate: roundRatio(ratios.cacheHitRate),
    cache_reuse_rate: roundRatio(ratios.cacheReuseRate),
  };
}

export interface ContextPressureJson {
  snapshots: number;
  peak_ratio: number | null;
  median_ratio: number | null;
  truncation_events: number;
  segments_removed: number;
}

export function serializeContextPressure(pressure: ContextPressure | null): ContextPressureJson | null {
  if (pressure === null) return null;
  return {
    snapshots: pressure.snapshots,
    peak_ratio: roundRatio(pressure.peakRatio),
    median_ratio: roundRatio(pressure.medianRatio),
    truncation_events: pressure.truncationEvents,
    segments_removed: pressure.segmentsRemoved,
  };
}

export function describeContextPressure(pressure: ContextPressure): Dataset {
  return {
    name: 'context_pressure',
    title: 'Context pressure (prompt / context window)',
    columns: [
      { key: 'snapshots', header: 'snapshots', kind: 'integer', priority: 5 },
      { key: 'peak_ratio', header: 'peak', kind: 'ratio', priority: 8 },
      { key: 'median_ratio', header: 'median', kind: 'ratio', priority: 8 },
      { key: 'truncation_events', header: 'truncations', kind: 'integer', priority: 6 },
      { key: 'segments_removed', header: 'segments removed', kind: 'integer', priority: 4 },
    ],
    rows: [serializeContextPressure(pressure) as unknown as Record<string, unknown>],
  };
}

