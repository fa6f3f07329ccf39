/**
 * Record filters (src/core/filter.ts): `--project` accepts every spelling a
 * report shows a project by — the short name, the widened name of two paths
 * sharing a folder name, the full path — and `(no project)`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRecordFilter } from '../src/core/filter.js';
import { createRecord, type UsageRecord } from '../src/core/record.js';
import { nameProjects, readProject } from '../src/reducers/shares.js';

function recordIn(project: string | null, projectPath: string | null): UsageRecord {
  return createRecord({ dialect: 'claude', timestamp: 0, model: 'm', project, projectPath, cacheReported: false }, { inputTokens: 1, outputTokens: 1 });
}

const WORK = recordIn('app', '/home/ana/work/app');
const PLAY = recordIn('app', '/home/ana/play/app');
const LEGACY = recordIn('legacy', null);
const NONE = recordIn(null, null);
const ALL = [WORK, PLAY, LEGACY, NONE];

function select(...projects: string[]): UsageRecord[] {
  const filter = createRecordFilter({ project: projects }) as (record: UsageRecord) => boolean;
  return ALL.filter(filter);
}

describe('--project', () => {
  it('matches the short name (every path that has it), the widened name, the full path, or (no project)', () => {
    expect(select('app')).toEqual([WORK, PLAY]);
    expect(select('work/app')).toEqual([WORK]);
    expect(select('ana/play/app')).toEqual([PLAY]);
    expect(select('/home/ana/play/app')).toEqual([PLAY]);
    expect(select('legacy', '(no project)')).toEqual([LEGACY, NONE]);
    // Only whole segments: `pp` and `ana/work` name no project.
    expect(select('pp', 'ana/work')).toEqual([]);
  });

  it('selects, for every name a report shows, the records shown under it', () => {
    const segment = fc.constantFrom('a', 'b', 'app', 'src', 'x-y');
    const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
    fc.assert(
      fc.property(fc.uniqueArray(path, { minLength: 1, maxLength: 6 }), (paths) => {
        const records = paths.map((projectPath) => recordIn(projectPath.split('/').at(-1) as string, projectPath));
        const name = nameProjects(records.map(readProject));
        for (const record of records) {
          const shown = name(readProject(record)).project;
          const filter = createRecordFilter({ project: [shown] }) as (candidate: UsageRecord) => boolean;
          expect(filter(record)).toBe(true);
        }
      }),
    );
  });
});
