/** One JSON object per row, tagged with its dataset, for jq and databases. */
import type { Dataset } from './dataset.js';

export function renderNdjson(datasets: readonly Dataset[]): string {
  let out = '';
  for (const dataset of datasets) {
    for (const row of dataset.rows) {
      const picked: Record<string, unknown> = { section: dataset.name };
      for (const column of dataset.columns) picked[column.key] = row[column.key] ?? null;
      out += `${JSON.stringify(picked)}\n`;
    }
  }
  return out;
}
