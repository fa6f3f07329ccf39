/** GitHub-flavoured Markdown tables, for PR comments. */
import { type Dataset, formatRowCell, isNumeric, listShownColumns } from './dataset.js';
import { sanitizeText } from './format.js';

/**
 * Text from logs, made inert for a PR comment: control and invisible
 * characters visible (sanitizeText), HTML tags and entities shown as text,
 * the Markdown punctuation of links, images, emphasis, code and tables
 * backslash-escaped (not `~`: a lone tilde strikes nothing, and tables use it
 * for approximate figures),
 * and @mentions, URLs and `www.` broken with a zero-width space written as an
 * entity (so the comment pings nobody and links nowhere; the text still reads
 * the same).
 */
export function escapeMarkdownCell(text: string): string {
  return sanitizeText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|]/g, '\\$&')
    .replace(/@/g, '@&#8203;')
    .replace(/:\/\//g, ':&#8203;//')
    .replace(/\bwww\./gi, (match) => `${match.slice(0, 3)}&#8203;.`);
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
