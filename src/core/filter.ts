/**
 * Record filters (`--agent`, `--machine`, `--project`, `--model`): a pure
 * predicate applied before pricing and reducing, so every report, the export
 * and the SQL engine (src/engine) select the same records. Each filter is a
 * list of accepted values (any of them matches); filters on different fields
 * must all match. `(none)` (for projects `(no project)`) selects records that
 * do not carry the field, as `--by` output names them.
 */
import { NO_PROJECT } from '../reducers/shares.js';
import type { UsageRecord } from './record.js';

export const FILTER_FIELDS = ['agent', 'machine', 'project', 'model'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export type RecordFilterSpec = Partial<Record<FilterField, readonly string[] | undefined>>;

/**
 * The value filters see for a field a record leaves empty: as `--by` names
 * it, `(no project)` for projects (as every command shows them), else `(none)`.
 */
export function describeMissing(field: FilterField): string {
  return field === 'project' ? NO_PROJECT : '(none)';
}

/** The predicate, or undefined when nothing is filtered (so the hot path pays nothing). */
export function createRecordFilter(spec: RecordFilterSpec): ((record: UsageRecord) => boolean) | undefined {
  const tests: Array<(record: UsageRecord) => boolean> = [];
  for (const field of FILTER_FIELDS) {
    const values = spec[field];
    if (values === undefined || values.length === 0) continue;
    const accepted = new Set(values);
    const missing = describeMissing(field);
    tests.push((record) => {
      const value = record[field];
      return accepted.has(typeof value === 'string' && value !== '' ? value : missing);
    });
  }
  if (tests.length === 0) return undefined;
  return (record) => tests.every((test) => test(record));
}
