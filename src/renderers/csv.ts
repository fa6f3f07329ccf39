/**
 * RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, quote or
 * line break. Text cells that a spreadsheet would run as a formula (leading
 * `=`, `+`, `-`, `@`, tab or CR) get a leading apostrophe. Numbers are written
 * exactly, unformatted, so they stay numbers.
 */
import type { Dataset } from './dataset.js';

const FORMULA_START = /^[=+\-@\t\r]/;

export function escapeCsvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(dataset: Dataset): string {
  const lines = [dataset.columns.map((column) => escapeCsvField(column.key)).join(',')];
  for (const row of [...dataset.rows, ...(dataset.footer ?? [])]) {
    lines.push(dataset.columns.map((column) => escapeCsvField(row[column.key])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
