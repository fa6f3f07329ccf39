/**
 * `usage cost`: tokens and cost grouped by one or more keys (nested in the
 * order given), highest cost first, with the recorded and calculated figures
 * kept apart so a user can see where they disagree.
 */
import type { Analysis } from '../core/analyze.js';
import type { PricedRecord } from '../core/record.js';
import { createPeriodKeyer } from '../reducers/periods.js';
import type { Reducer } from '../reducers/reducer.js';
import { addToTotals, createTokenTotals, type TokenTotals } from '../reducers/totals.js';
import type { Dataset, DatasetColumn, Document, Row } from '../renderers/dataset.js';
import { roundCost, roundRatio } from '../renderers/format.js';
import type { CostMode } from '../pricing/types.js';
import { type ReportMeta, serializeRange } from './report.js';
import { JSON_SCHEMA_VERSION, readGroupCost, serializeInput, serializeTotals, UNPRICED_COLUMN, costColumn } from './serialize.js';

import { nameProjects, NO_PROJECT, type ProjectName, readProject } from '../reducers/shares.js';
import { DEFAULT_START_OF_WEEK } from '../reducers/periods.js';
import { COST_KEYS, type CostKey } from './options.js';
import { createDayKeyer, readZoneOffset } from '../time/zone.js';

export { COST_KEYS, type CostKey };

/** The key value for records that do not carry the field. */
export const NO_KEY = '(none)';

const RECORD_FIELDS: Record<Exclude<CostKey, 'hour' | 'day' | 'week' | 'month'>, keyof PricedRecord> = {
  model: 'model',
  provider: 'provider',
  upstream_model: 'upstreamModel',
  resource: 'resource',
  role: 'role',
  task: 'task',
  source: 'source',
  session: 'session',
  project: 'project',
  sender: 'sender',
  agent: 'agent',
  machine: 'machine',
};

export type KeyReader = (record: PricedRecord) => string;

/** Reads one grouping key from a record; calendar keys are days in `zone` (weeks start on Monday). */
export function createKeyReader(key: CostKey, zone: string): KeyReader {
  if (key === 'day' || key === 'week' || key === 'month') {
    const periodOf = createPeriodKeyer({ span: key, zone, startOfWeek: DEFAULT_START_OF_WEEK });
    return (record) => (record.timestamp === null ? NO_KEY : periodOf(record.timestamp));
  }
  if (key === 'hour') {
    // `YYYY-MM-DD HH:00` in the zone: the day key of the instant, and the hour of its local time.
    const dayOf = createDayKeyer(zone);
    return (record) => {
      if (record.timestamp === null) return NO_KEY;
      const local = record.timestamp + readZoneOffset(record.timestamp, zone);
      return `${dayOf(record.timestamp)} ${String(((Math.floor(local / 3_600_000) % 24) + 24) % 24).padStart(2, '0')}:00`;
    };
  }
  // Projects group as in every command (full path where known); a missing one reads the same everywhere.
  if (key === 'project') return (record) => readProject(record) || NO_PROJECT;
  const field = RECORD_FIELDS[key];
  return (record) => {
    const value = record[field];
    return typeof value === 'string' && value !== '' ? value : NO_KEY;
  };
}

export interface CostGroup {
  totals: TokenTotals;
  /** Sum of the costs the logs recorded, over `recordedRecords` records. */
  recordedCostUsd: number;
  recordedRecords: number;
  /** Sum of the calculated costs that could be calculated; `uncalculatedRecords` could not. */
  calculatedCostUsd: number;
  uncalculatedRecords: number;
  children: Map<string, CostGroup> | null;
}

export interface CostState {
  root: CostGroup;
  /** Records with unknown cost per model id, whatever the grouping. */
  unpriced: Map<string, { records: number; totalTokens: number }>;
}

function createGroup(nested: boolean): CostGroup {
  return {
    totals: createTokenTotals(),
    recordedCostUsd: 0,
    recordedRecords: 0,
    calculatedCostUsd: 0,
    uncalculatedRecords: 0,
    children: nested ? new Map() : null,
  };
}

function addToGroup(group: CostGroup, record: PricedRecord): void {
  addToTotals(group.totals, record);
  if (record.recordedCostUsd !== null) {
    group.recordedCostUsd += record.recordedCostUsd;
    group.recordedRecords++;
  }
  if (record.calculatedCostUsd === null) group.uncalculatedRecords++;
  else group.calculatedCostUsd += record.calculatedCostUsd;
}

/** Groups records level by level; the root holds the totals. */
export function createCostReducer(readers: readonly KeyReader[]): Reducer<CostState> {
  return {
    create: () => ({ root: createGroup(readers.length > 0), unpriced: new Map() }),
    add(state, record) {
      let group = state.root;
      addToGroup(group, record);
      for (let level = 0; level < readers.length; level++) {
        const key = readers[level]!(record);
        const children = group.children!;
        let child = children.get(key);
        if (child === undefined) {
          child = createGroup(level < readers.length - 1);
          children.set(key, child);
        }
        addToGroup(child, record);
        group = child;
      }
      if (record.costUsd === null) {
        const entry = state.unpriced.get(record.model) ?? { records: 0, totalTokens: 0 };
        entry.records++;
        entry.totalTokens += record.totalTokens;
        state.unpriced.set(record.model, entry);
      }
    },
  };
}

/** Highest cost first; then most tokens; then by key, so ties are stable. */
export function sortGroups(groups: Map<string, CostGroup>): Array<[string, CostGroup]> {
  return [...groups].sort(([keyA, a], [keyB, b]) => {
    const cost = b.totals.costUsd - a.totals.costUsd;
    if (cost !== 0) return cost;
    const tokens = b.totals.totalTokens - a.totals.totalTokens;
    if (tokens !== 0) return tokens;
    return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
  });
}

export interface CostMeta extends ReportMeta {
  by: readonly CostKey[];
  costMode: CostMode;
  /** Where built-in prices come from, e.g. `@pydantic/genai-prices 0.1.8`. */
  priceSource: string;
  /** The override file as given, or null. */
  pricingFile: string | null;
}

function serializeCostFigures(group: CostGroup, grandCost: number) {
  return {
    ...serializeTotals(group.totals),
    calculated_cost_usd:
      group.totals.records > 0 && group.uncalculatedRecords === group.totals.records ? null : roundCost(group.calculatedCostUsd),
    recorded_cost_usd: group.recordedRecords > 0 ? roundCost(group.recordedCostUsd) : null,
    recorded_records: group.recordedRecords,
    cost_share: grandCost > 0 && readGroupCost(group.totals) !== null ? roundRatio(group.totals.costUsd / grandCost) : null,
  };
}

type CostRowJson = Record<string, unknown>;

/** How a group key is shown: projects by their short name (the full path beside it in JSON), the rest as they are. */
type KeyNamer = (key: string) => ProjectName;

/** Every project key in the tree, named together so that two sharing a folder name are told apart. */
function nameProjectKeys(groups: Map<string, CostGroup>, by: readonly CostKey[]): KeyNamer {
  const keys: string[] = [];
  const collect = (level: Map<string, CostGroup>, depth: number): void => {
    for (const [key, group] of level) {
      if (by[depth] === 'project') keys.push(key);
      if (group.children) collect(group.children, depth + 1);
    }
  };
  collect(groups, 0);
  return nameProjects(keys);
}

function labelKey(name: CostKey, key: string, namer: KeyNamer): Row {
  if (name !== 'project') return { [name]: key };
  const shown = namer(key);
  return { project: shown.project, project_path: shown.projectPath };
}

function serializeLevel(
  groups: Map<string, CostGroup>,
  by: readonly CostKey[],
  level: number,
  grandCost: number,
  namer: KeyNamer,
): CostRowJson[] {
  const name = by[level]!;
  return sortGroups(groups).map(([key, group]) => {
    const row: CostRowJson = { ...labelKey(name, key, namer), ...serializeCostFigures(group, grandCost) };
    if (group.children) row['rows'] = serializeLevel(group.children, by, level + 1, grandCost, namer);
    return row;
  });
}

function flattenLeaves(
  groups: Map<string, CostGroup>,
  by: readonly CostKey[],
  level: number,
  prefix: Row,
  grandCost: number,
  out: Row[],
  namer: KeyNamer,
): void {
  for (const [key, group] of sortGroups(groups)) {
    const keys = { ...prefix, [by[level]!]: by[level] === 'project' ? namer(key).project : key };
    if (group.children) flattenLeaves(group.children, by, level + 1, keys, grandCost, out, namer);
    else out.push(toTableRow(keys, group, grandCost));
  }
}

function toTableRow(keys: Row, group: CostGroup, grandCost: number): Row {
  const t = group.totals;
  return {
    ...keys,
    records: t.records,
    input_tokens: t.inputTokens,
    output_tokens: t.outputTokens,
    cache_read_tokens: t.cacheReadTokens,
    cache_write_tokens: t.cacheWriteTokens,
    total_tokens: t.totalTokens,
    cost_usd: readGroupCost(t),
    unpriced_tokens: t.unpricedTokens,
    cost_share: grandCost > 0 && readGroupCost(t) !== null ? t.costUsd / grandCost : null,
  };
}

function tableColumns(keys: readonly CostKey[]): DatasetColumn[] {
  return [
    ...keys.map((key, index): DatasetColumn => ({ key, header: key.replace('_', ' '), kind: 'text', priority: 90 - index })),
    { key: 'records', header: 'records', kind: 'integer', priority: 1 },
    { key: 'input_tokens', header: 'input', kind: 'tokens', priority: 2 },
    { key: 'output_tokens', header: 'output', kind: 'tokens', priority: 2 },
    { key: 'cache_read_tokens', header: 'cache read', kind: 'tokens', priority: 1 },
    { key: 'cache_write_tokens', header: 'cache write', kind: 'tokens', priority: 1 },
    { key: 'total_tokens', header: 'total tokens', kind: 'tokens', priority: 5 },
    costColumn(8),
    { key: 'cost_share', header: 'share of cost', kind: 'ratio', priority: 4 },
    // Last, so CSV readers that go by position keep their columns.
    UNPRICED_COLUMN,
  ];
}

function totalsRow(keys: readonly CostKey[], root: CostGroup, grandCost: number): Row {
  const labels: Row = {};
  keys.forEach((key, index) => {
    labels[key] = index === 0 ? 'total' : '';
  });
  return toTableRow(labels, root, grandCost);
}

export function buildCostReport(analysis: Analysis<CostState>, meta: CostMeta): Document {
  const { root, unpriced } = analysis.state;
  const grandCost = root.totals.costUsd;
  const children = root.children ?? new Map<string, CostGroup>();
  const unpricedModels = [...unpriced]
    .sort(([modelA, a], [modelB, b]) => b.totalTokens - a.totalTokens || (modelA < modelB ? -1 : modelA > modelB ? 1 : 0))
    .map(([model, entry]) => ({ model, records: entry.records, total_tokens: entry.totalTokens }));
  const namer = nameProjectKeys(children, meta.by);
  const json = {
    schema: JSON_SCHEMA_VERSION,
    kind: 'cost',
    by: [...meta.by],
    cost_mode: meta.costMode,
    prices: { built_in: meta.priceSource, override_file: meta.pricingFile },
    range: serializeRange(meta),
    totals: serializeCostFigures(root, grandCost),
    rows: meta.by.length > 0 ? serializeLevel(children, meta.by, 0, grandCost, namer) : [],
    unpriced_models: unpricedModels,
    ...serializeInput(analysis.summary, analysis.excluded),
  };
  const leaves: Row[] = [];
  flattenLeaves(children, meta.by, 0, {}, grandCost, leaves, namer);
  const title = `Cost by ${meta.by.map((key) => key.replace('_', ' ')).join(' › ')}`;
  const datasets: Dataset[] = [
    { name: 'cost', title, columns: tableColumns(meta.by), rows: leaves, footer: [totalsRow(meta.by, root, grandCost)] },
  ];
  if (meta.by.length > 1) {
    const first = meta.by[0]!;
    datasets.push({
      name: `cost_by_${first}`,
      title: `Subtotals by ${first.replace('_', ' ')}`,
      columns: tableColumns([first]),
      rows: sortGroups(children).map(([key, group]) => toTableRow({ [first]: first === 'project' ? namer(key).project : key }, group, grandCost)),
      footer: [totalsRow([first], root, grandCost)],
    });
  }
  return { json, datasets };
}
