/**
 * Record filters (`--agent`, `--machine`, `--project`, `--model`): a pure
 * predicate applied before pricing and reducing, so every report, the export
 * and the SQL engine (src/engine) select the same records. Each filter is a
 * list of accepted values (any of them matches); filters on different fields
 * must all match. `(none)` selects records that do not carry the field, as it
 * names them in `--by` output.
 */
import type { UsageRecord } from './record.js';

export const FILTER_FIELDS = ['agent', 'machine', 'project', 'model'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export type RecordFilterSpec = Partial<Record<FilterField, readonly string[]>>;

/** The value filters and `--by` groups see for a field a record leaves empty. */
export const NO_VALUE = '(none)';

/** The predicate, or undefined when nothing is filtered (so the hot path pays nothing). */
export function createRecordFilter(spec: RecordFilterSpec): ((record: UsageRecord) => boolean) | undefined {
  const tests: Array<(record: UsageRecord) => boolean> = [];
  for (const field of FILTER_FIELDS) {
    const values = spec[field];
    if (values === undefined || values.length === 0) continue;
    const accepted = new Set(values);
    tests.push((record) => {
      const value = record[field];
      return accepted.has(typeof value === 'string' && value !== '' ? value : NO_VALUE);
    });
  }
  if (tests.length === 0) return undefined;
  return (record) => tests.every((test) => test(record));
}
