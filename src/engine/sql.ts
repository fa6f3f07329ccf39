/**
 * The engine's SQL, read from the .sql files beside this module (copied to
 * dist/engine/sql by the build) and assembled from fixed text only: group
 * columns come from an allow-list, values travel as `?` parameters.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CostMode } from '../pricing/types.js';

/**
 * Next to the compiled module (dist/engine/sql), from the bundle in
 * dist/bundle (../engine/sql), or in src when run from source (tests).
 */
function findSqlFolder(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'sql'), join(here, '..', 'engine', 'sql'), join(here, '..', '..', 'src', 'engine', 'sql')];
  for (const candidate of candidates) {
    try {
      readFileSync(join(candidate, 'records.sql'));
      return candidate;
    } catch {
      // Not here: the next place.
    }
  }
  return candidates[0] as string;
}

const SQL_FOLDER = findSqlFolder();

export function readSqlFile(name: string): string {
  return readFileSync(join(SQL_FOLDER, name), 'utf8');
}

/** The `-- name: x` sections of a file, each its text without comments. */
export function readSqlSections(name: string): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | null = null;
  for (const line of readSqlFile(name).split('\n')) {
    const heading = /^-- name: (\w+)\s*$/.exec(line);
    if (heading) {
      current = heading[1] as string;
      sections.set(current, '');
    } else if (current !== null && !line.startsWith('--') && line.trim() !== '') {
      sections.set(current, `${sections.get(current)}${line.trim()} `.trimStart());
    }
  }
  return sections;
}

/** Fills `{{slot}}`s; a slot left unfilled is a bug, not input. */
export function fillSlots(sql: string, slots: Readonly<Record<string, string>>): string {
  return sql.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => {
    const value = slots[name];
    if (value === undefined) throw new Error(`SQL slot {{${name}}} has no value`);
    return value;
  });
}

export function readCostExpression(mode: CostMode): string {
  const expression = readSqlSections('cost-modes.sql').get(mode);
  if (expression === undefined) throw new Error(`no cost expression for mode ${mode}`);
  return expression.trim();
}

/** A string literal: single quotes doubled, as standard SQL has it. */
export function quoteSqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
