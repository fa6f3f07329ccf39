/**
 * A dataset is what every command produces for non-JSON output: typed columns
 * and raw row values. Each renderer formats the raw values its own way (the
 * table abbreviates, CSV keeps exact numbers), so no command formats twice.
 */
import { formatCompact, formatCost, formatCostChange, formatDuration, formatInteger, formatPercent, roundCost } from './format.js';

/** `cost_change` is a signed difference of costs; `flag` is a yes/no value. */
export type CellKind = 'text' | 'integer' | 'tokens' | 'cost' | 'cost_change' | 'ratio' | 'duration' | 'flag';

export interface DatasetColumn {
  key: string;
  header: string;
  kind: CellKind;
  /** Higher stays longer on narrow terminals. */
  priority?: number;
  /**
   * For figures computed from costs: the row fields counting the tokens that
   * could not be priced. When any is above 0 the figure leaves usage out, and
   * tables mark it (docs/pricing.md): a cost is then a lower bound, `≥$0.0161`;
   * anything derived from such costs (a change, a ratio) is approximate, `~`.
   */
  unpricedKeys?: readonly string[];
  /** For flag columns: what a true value shows in tables; false shows nothing. */
  mark?: string;
  /** Left out of tables and Markdown, kept in CSV and NDJSON: e.g. the unpriced tokens a cost cell's mark stands for. */
  hiddenInTables?: boolean;
}

export type Row = Record<string, unknown>;

export interface Dataset {
  /** Names the dataset in tables and markdown, and is the `section` of NDJSON rows. */
  name: string;
  title?: string;
  columns: DatasetColumn[];
  rows: Row[];
  /** Summary rows (totals) shown after the rows. */
  footer?: Row[];
}

/** What a command hands to the output stage: one JSON value and the datasets behind the other formats. */
export interface Document {
  json: unknown;
  /** The first dataset is the primary one: it is what --csv writes. */
  datasets: Dataset[];
}

export function formatCell(value: unknown, kind: CellKind): string {
  if (value === null || value === undefined) {
    if (kind === 'cost' || kind === 'cost_change') return '?';
    if (kind === 'ratio') return 'n/a';
    return '';
  }
  switch (kind) {
    case 'integer':
      return typeof value === 'number' ? formatInteger(value) : String(value);
    case 'tokens':
      return typeof value === 'number' ? formatCompact(value) : String(value);
    case 'cost':
      return typeof value === 'number' ? formatCost(value) : String(value);
    case 'cost_change':
      return typeof value === 'number' ? formatCostChange(value) : String(value);
    case 'ratio':
      return typeof value === 'number' ? formatPercent(value) : String(value);
    case 'duration':
      return typeof value === 'number' ? formatDuration(value) : String(value);
    default:
      return String(value);
  }
}

/** True when a figure of this column, in this row, leaves out usage that has no price. */
function leavesUnpricedUsage(row: Row, column: DatasetColumn): boolean {
  return (column.unpricedKeys ?? []).some((key) => {
    const tokens = row[key];
    return typeof tokens === 'number' && tokens > 0;
  });
}

/** A cell as tables and Markdown show it, with the marks that need the rest of the row. */
export function formatRowCell(row: Row, column: DatasetColumn): string {
  const value = row[column.key];
  if (column.kind === 'flag') return value === true ? (column.mark ?? 'yes') : '';
  const text = formatCell(value, column.kind);
  // An unknown cost is already "?"; only a known partial figure needs a mark.
  if (typeof value !== 'number' || !leavesUnpricedUsage(row, column)) return text;
  return column.kind === 'cost' ? `≥${text}` : `~${text}`;
}

/** The columns tables and Markdown show. */
export function listShownColumns(dataset: Dataset): DatasetColumn[] {
  return dataset.columns.filter((column) => !column.hiddenInTables);
}

export function isNumeric(kind: CellKind): boolean {
  return kind !== 'text' && kind !== 'flag';
}

function isMoney(kind: CellKind): boolean {
  return kind === 'cost' || kind === 'cost_change';
}

/**
 * A cell as machine formats (CSV, NDJSON) write it: the raw value, with
 * money rounded to 6 decimals as in JSON so float noise never shows.
 */
export function readRawCell(row: Row, column: DatasetColumn): unknown {
  const value = row[column.key] ?? null;
  return isMoney(column.kind) && typeof value === 'number' ? roundCost(value) : value;
}
