/**
 * Picks the output format from the flags and writes one document to stdout.
 * Table is the default; the machine formats are opt-in and mutually exclusive.
 */
import { UsageError } from '../core/errors.js';
import { renderCsv } from '../renderers/csv.js';
import type { Document } from '../renderers/dataset.js';
import { renderJson } from '../renderers/json.js';
import { renderMarkdown } from '../renderers/markdown.js';
import { renderNdjson } from '../renderers/ndjson.js';
import { type CliContext, shouldUseColor } from './context.js';

export interface OutputFlags {
  json?: boolean | undefined;
  ndjson?: boolean | undefined;
  csv?: boolean | undefined;
  markdown?: boolean | undefined;
  color?: boolean | undefined;
}

export type OutputFormat = 'table' | 'json' | 'ndjson' | 'csv' | 'markdown';

export function resolveOutputFormat(flags: OutputFlags): OutputFormat {
  const chosen = (['json', 'ndjson', 'csv', 'markdown'] as const).filter((format) => flags[format]);
  if (chosen.length > 1) {
    throw new UsageError(`Choose one output format: ${chosen.map((format) => `--${format}`).join(' and ')} were both given.`);
  }
  return chosen[0] ?? 'table';
}

/** Tables load chalk and cli-table3 only when a table is asked for: machine formats start faster. */
export async function renderDocument(document: Document, format: OutputFormat, context: CliContext, flags: OutputFlags): Promise<string> {
  switch (format) {
    case 'json':
      return renderJson(document.json);
    case 'ndjson':
      return renderNdjson(document.datasets);
    case 'csv':
      return document.datasets[0] ? renderCsv(document.datasets[0]) : '';
    case 'markdown':
      return renderMarkdown(document.datasets);
    default: {
      const style = { color: shouldUseColor(context.stdout, context.env, flags.color), width: context.stdout.columns };
      const { renderDatasetTable } = await import('../renderers/table.js');
      return document.datasets.map((dataset) => renderDatasetTable(dataset, style)).join('\n');
    }
  }
}
