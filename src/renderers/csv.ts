/**
 * RFC 4180 CSV: CRLF line ends, fields quoted when they hold a comma, quote or
 * line break. Text cells that a spreadsheet would run as a formula (leading
 * `=`, `+`, `-`, `@`, tab or CR) get a leading apostrophe. Numbers are written
 * unformatted, so they stay numbers; money is rounded to 6 decimals as in
 * JSON, so float noise (0.043000000000000003) never reaches a spreadsheet.
 * Every column is written, those tables leave out included. Text from logs
 * has control, bidi and zero-width characters made visible (sanitizeText):
 * a cell must not carry ESC, BEL, a bare CR or U+202E into a spreadsheet or
 * a terminal that shows the file.
 */
import { type Dataset, readRawCell } from './dataset.js';
import { sanitizeText } from './format.js';

const FORMULA_START = /^[=+\-@\t\r]/;

export function escapeCsvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? sanitizeText(value) : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function renderCsv(dataset: Dataset): string {
  const lines = [dataset.columns.map((column) => escapeCsvField(column.key)).join(',')];
  for (const row of [...dataset.rows, ...(dataset.footer ?? [])]) {
    lines.push(dataset.columns.map((column) => escapeCsvField(readRawCell(row, column))).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
