/**
 * One JSON object per row, tagged with its dataset, for jq and databases.
 * Every column is written, those tables leave out included; money is rounded
 * to 6 decimals as in JSON.
 */
import { type Dataset, readRawCell } from './dataset.js';
import { stringifyJson } from './format.js';

export function renderNdjson(datasets: readonly Dataset[]): string {
  let out = '';
  for (const dataset of datasets) {
    for (const row of dataset.rows) {
      const picked: Record<string, unknown> = { section: dataset.name };
      for (const column of dataset.columns) picked[column.key] = readRawCell(row, column);
      out += `${stringifyJson(picked)}\n`;
    }
  }
  return out;
}
