/**
 * Tables for people (cli-table3 + chalk). The caller says whether colour is
 * allowed and how wide the terminal is; this module never asks the process.
 * When the table is too wide, columns with the lowest priority are dropped
 * first, so a narrow terminal still gets the key figures.
 */
import { Chalk } from 'chalk';
import Table from 'cli-table3';
import { type Dataset, formatRowCell, isNumeric, listShownColumns, type Row } from './dataset.js';
import { sanitizeText } from './format.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Higher stays longer on narrow terminals; 0 (default) is dropped first. The first column always stays. */
  priority?: number;
}

export interface TableSpec {
  title?: string;
  columns: Column[];
  rows: string[][];
  /** Rows drawn after a separator, e.g. totals. */
  footer?: string[][];
}

export interface TableStyle {
  color: boolean;
  width: number;
}

function measure(text: string): number {
  return [...text].length;
}

function estimateWidth(columns: Column[], rows: string[][]): number {
  let width = 1;
  columns.forEach((column, index) => {
    let widest = measure(column.header);
    for (const row of rows) widest = Math.max(widest, measure(row[index] ?? ''));
    width += widest + 3;
  });
  return width;
}

function chooseColumns(spec: TableSpec, maxWidth: number): number[] {
  const allRows = [...spec.rows, ...(spec.footer ?? [])];
  let kept = spec.columns.map((_, index) => index);
  const width = (indices: number[]): number =>
    estimateWidth(
      indices.map((index) => spec.columns[index]!),
      allRows.map((row) => indices.map((index) => row[index] ?? '')),
    );
  while (kept.length > 2 && width(kept) > maxWidth) {
    let drop = -1;
    let lowest = Number.POSITIVE_INFINITY;
    for (const index of kept.slice(1)) {
      const priority = spec.columns[index]?.priority ?? 0;
      // Among equals, drop the rightmost: left columns are read first.
      if (priority <= lowest) {
        lowest = priority;
        drop = index;
      }
    }
    kept = kept.filter((index) => index !== drop);
  }
  return kept;
}

export function renderTable(spec: TableSpec, style: TableStyle): string {
  const chalk = new Chalk({ level: style.color ? 1 : 0 });
  const kept = chooseColumns(spec, style.width);
  const columns = kept.map((index) => spec.columns[index]!);
  const table = new Table({
    head: columns.map((column) => chalk.bold(column.header)),
    colAligns: columns.map((column) => column.align ?? 'left'),
    style: { head: [], border: style.color ? ['grey'] : [], compact: true },
    wordWrap: false,
  });
  const pick = (row: string[]): string[] => kept.map((index) => sanitizeText(row[index] ?? ''));
  for (const row of spec.rows) table.push(pick(row));
  for (const row of spec.footer ?? []) table.push(pick(row).map((cell) => chalk.bold(cell)));
  const title = spec.title ? `${chalk.bold(sanitizeText(spec.title))}\n` : '';
  return `${title}${table.toString()}\n`;
}

/** A two-column key/value block for summaries. */
export function renderKeyValues(title: string, entries: Array<[string, string]>, style: TableStyle): string {
  return renderTable(
    { title, columns: [{ header: 'metric' }, { header: 'value', align: 'right', priority: 10 }], rows: entries },
    style,
  );
}

export function renderDatasetTable(dataset: Dataset, style: TableStyle): string {
  const shown = listShownColumns(dataset);
  const toCells = (row: Row): string[] => shown.map((column) => formatRowCell(row, column));
  return renderTable(
    {
      ...(dataset.title ? { title: dataset.title } : {}),
      columns: shown.map((column, index) => ({
        header: column.header,
        align: isNumeric(column.kind) ? 'right' : 'left',
        priority: index === 0 ? 100 : (column.priority ?? 0),
      })),
      rows: dataset.rows.map(toCells),
      footer: (dataset.footer ?? []).map(toCells),
    },
    style,
  );
}
