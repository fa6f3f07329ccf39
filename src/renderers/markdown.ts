/** GitHub-flavoured Markdown tables, for PR comments. */
import { type Dataset, formatRowCell, isNumeric, listShownColumns } from './dataset.js';
import { sanitizeText } from './format.js';

function escapeMarkdownCell(text: string): string {
  return sanitizeText(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** An empty cell stays empty: `****` is not bold nothing but four asterisks. */
function boldMarkdownCell(text: string): string {
  return text === '' ? '' : `**${text}**`;
}

export function renderMarkdown(datasets: readonly Dataset[]): string {
  const blocks: string[] = [];
  for (const dataset of datasets) {
    const lines: string[] = [];
    if (dataset.title) lines.push(`### ${escapeMarkdownCell(dataset.title)}`, '');
    const columns = listShownColumns(dataset);
    lines.push(`| ${columns.map((column) => escapeMarkdownCell(column.header)).join(' | ')} |`);
    lines.push(`|${columns.map((column) => (isNumeric(column.kind) ? ' ---: ' : ' --- ')).join('|')}|`);
    for (const row of dataset.rows) {
      lines.push(`| ${columns.map((column) => escapeMarkdownCell(formatRowCell(row, column))).join(' | ')} |`);
    }
    for (const row of dataset.footer ?? []) {
      lines.push(`| ${columns.map((column) => boldMarkdownCell(escapeMarkdownCell(formatRowCell(row, column)))).join(' | ')} |`);
    }
    blocks.push(lines.join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}
