/**
 * A dataset is what every command produces for non-JSON output: typed columns
 * and raw row values. Each renderer formats the raw values its own way (the
 * table abbreviates, CSV keeps exact numbers), so no command formats twice.
 */
import { formatCompact, formatCost, formatDuration, formatInteger, formatPercent } from './format.js';

export type CellKind = 'text' | 'integer' | 'tokens' | 'cost' | 'ratio' | 'duration';

export interface DatasetColumn {
  key: string;
  header: string;
  kind: CellKind;
  /** Higher stays longer on narrow terminals. */
  priority?: number;
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
    if (kind === 'cost') return '?';
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
    case 'ratio':
      return typeof value === 'number' ? formatPercent(value) : String(value);
    case 'duration':
      return typeof value === 'number' ? formatDuration(value) : String(value);
    default:
      return String(value);
  }
}

export function isNumeric(kind: CellKind): boolean {
  return kind !== 'text';
}
