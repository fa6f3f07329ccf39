/**
 * Group reducers for the share breakdowns of `usage report`. A record without
 * the grouping field still counts, under a visible placeholder, so the shares
 * of every breakdown cover all tokens and add up to 1.
 */
import type { PricedRecord } from '../core/record.js';
import { shortenProjectPaths } from '../dialects/project-path.js';
import { createGroupReducer } from './group.js';

export const NO_PROJECT = '(no project)';
export const NO_SOURCE = '(no source)';

// The one project grouping rule of every command (report, cost, sessions,
// budget): the full working directory where the log records one, so two
// repositories that share a folder name stay apart; the short name where it
// does not. `nameProjects` turns the keys into the names shown.
export const readProject = (record: Pick<PricedRecord, 'project' | 'projectPath'>): string =>
  record.projectPath ?? record.project ?? NO_PROJECT;

export interface ProjectName {
  /** Shown: the path's last segment, widened only where two projects would share it. */
  project: string;
  /** The full path, or null for a project known only by name (and for NO_PROJECT). */
  projectPath: string | null;
}

/** The shown names of a set of project keys (from `readProject`), all named together so none collide. */
export function nameProjects(keys: Iterable<string>): (key: string) => ProjectName {
  // Names without a path take part too, so a path is widened rather than shown like one of them.
  const names = shortenProjectPaths([...keys].filter((key) => key !== NO_PROJECT));
  return (key) => ({ project: names.get(key) ?? key, projectPath: key.includes('/') ? key : null });
}
export const readSource = (record: PricedRecord): string => record.source ?? NO_SOURCE;

export const projectsReducer = createGroupReducer(readProject);
export const providersReducer = createGroupReducer((record) => record.provider);
export const agentsReducer = createGroupReducer((record) => record.agent);
export const sourcesReducer = createGroupReducer(readSource);
