/** GitHub-flavoured Markdown tables, for PR comments. */
import { formatCell, type Dataset } from './dataset.js';
import { sanitizeText } from './format.js';

function escapeMarkdownCell(text: string): string {
  return sanitizeText(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function renderMarkdown(datasets: readonly Dataset[]): string {
  const blocks: string[] = [];
  for (const dataset of datasets) {
    const lines: string[] = [];
    if (dataset.title) lines.push(`### ${escapeMarkdownCell(dataset.title)}`, '');
    lines.push(`| ${dataset.columns.map((column) => escapeMarkdownCell(column.header)).join(' | ')} |`);
    lines.push(`|${dataset.columns.map((column) => (column.kind === 'text' ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const row of dataset.rows) {
      lines.push(`| ${dataset.columns.map((column) => escapeMarkdownCell(formatCell(row[column.key], column.kind))).join(' | ')} |`);
    }
    for (const row of dataset.footer ?? []) {
      lines.push(
        `| ${dataset.columns.map((column) => `**${escapeMarkdownCell(formatCell(row[column.key], column.kind))}**`).join(' | ')} |`,
      );
    }
    blocks.push(lines.join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}
