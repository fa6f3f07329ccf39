/**
 * Group reducers for the share breakdowns of `usage report`. A record without
 * the grouping field still counts, under a visible placeholder, so the shares
 * of every breakdown cover all tokens and add up to 1.
 */
import type { PricedRecord } from '../core/record.js';
import { createGroupReducer } from './group.js';

export const NO_PROJECT = '(no project)';
export const NO_SOURCE = '(no source)';

// Grouped by the full working directory where the log records one, so two
// repositories that share a folder name stay apart (the report shows short names).
export const readProject = (record: PricedRecord): string => record.projectPath ?? record.project ?? NO_PROJECT;
export const readSource = (record: PricedRecord): string => record.source ?? NO_SOURCE;

export const projectsReducer = createGroupReducer(readProject);
export const providersReducer = createGroupReducer((record) => record.provider);
export const agentsReducer = createGroupReducer((record) => record.agent);
export const sourcesReducer = createGroupReducer(readSource);
