/**
 * Record filters (`--agent`, `--machine`, `--project`, `--model`): a pure
 * predicate applied before pricing and reducing, so every report, the export
 * and the SQL engine (src/engine) select the same records. Each filter is a
 * list of accepted values (any of them matches); filters on different fields
 * must all match. `(none)` (for projects `(no project)`) selects records that
 * do not carry the field, as `--by` output names them.
 *
 * Projects group by full path where the log records one (readProject) and
 * are shown by their last segment, widened where two share it (`work/app`,
 * `home/app`). So `--project` accepts any of those spellings: the short
 * name, the full path, or the path's last segments; a short name shared by
 * two paths selects both.
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

/** Whether a `--project` value names this record's project (see above). */
export function matchesProject(accepted: ReadonlySet<string>, record: Pick<UsageRecord, 'project' | 'projectPath'>): boolean {
  const name = record.project || null;
  const path = record.projectPath || null;
  if (name === null && path === null) return accepted.has(describeMissing('project'));
  if (name !== null && accepted.has(name)) return true;
  if (path === null) return false;
  if (accepted.has(path)) return true;
  for (const value of accepted) if (path.endsWith(`/${value}`)) return true;
  return false;
}

/** The predicate, or undefined when nothing is filtered (so the hot path pays nothing). */
export function createRecordFilter(spec: RecordFilterSpec): ((record: UsageRecord) => boolean) | undefined {
  const tests: Array<(record: UsageRecord) => boolean> = [];
  for (const field of FILTER_FIELDS) {
    const values = spec[field];
    if (values === undefined || values.length === 0) continue;
    const accepted = new Set(values);
    if (field === 'project') {
      tests.push((record) => matchesProject(accepted, record));
      continue;
    }
    const missing = describeMissing(field);
    tests.push((record) => {
      const value = record[field];
      return accepted.has(typeof value === 'string' && value !== '' ? value : missing);
    });
  }
  if (tests.length === 0) return undefined;
  return (record) => tests.every((test) => test(record));
}
