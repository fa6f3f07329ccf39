/**
 * Terminal charts: horizontal bars (one line per label) and sparklines (one
 * character per value). Like tables, the caller says how wide the terminal is
 * and whether colour is allowed; nothing here asks the process.
 */
import { Chalk } from 'chalk';
import { sanitizeText } from './format.js';

export interface ChartStyle {
  color: boolean;
  /** Terminal columns; Infinity (piped output) falls back to a readable default. */
  width: number;
}

export interface Bar {
  label: string;
  /** The figure the bar's length is drawn from; negative or missing counts as 0. */
  value: number;
  /** What is printed after the bar, e.g. "$1.23". */
  text: string;
}

/** Eighth-width blocks, so a bar's length has 8 steps per character. */
const EIGHTHS = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'] as const;
/** Eighth-height blocks for sparklines. */
const LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

const DEFAULT_WIDTH = 80;
const MIN_BAR_WIDTH = 10;
const MAX_BAR_WIDTH = 60;

function measure(text: string): number {
  return [...text].length;
}

function usableWidth(width: number): number {
  return Number.isFinite(width) && width > 0 ? Math.floor(width) : DEFAULT_WIDTH;
}

/** A bar of `value / max` of `cells` characters, in eighths; any non-zero value shows at least a sliver. */
export function drawBar(value: number, max: number, cells: number): string {
  if (!(value > 0) || !(max > 0)) return '';
  const eighths = Math.max(1, Math.round((Math.min(value, max) / max) * cells * 8));
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  return EIGHTHS[7].repeat(full) + (rest > 0 ? EIGHTHS[rest - 1] : '');
}

export function renderBarChart(bars: readonly Bar[], style: ChartStyle, title?: string): string {
  const chalk = new Chalk({ level: style.color ? 1 : 0 });
  const labels = bars.map((bar) => sanitizeText(bar.label));
  const texts = bars.map((bar) => sanitizeText(bar.text));
  const labelWidth = Math.max(0, ...labels.map(measure));
  const textWidth = Math.max(0, ...texts.map(measure));
  const cells = Math.max(MIN_BAR_WIDTH, Math.min(MAX_BAR_WIDTH, usableWidth(style.width) - labelWidth - textWidth - 3));
  const max = Math.max(0, ...bars.map((bar) => (Number.isFinite(bar.value) ? bar.value : 0)));
  const lines = bars.map((bar, index) => {
    const label = labels[index] ?? '';
    const drawn = drawBar(bar.value, max, cells);
    const padding = ' '.repeat(cells - measure(drawn));
    return `${label.padEnd(labelWidth)} ${chalk.cyan(drawn)}${padding} ${texts[index] ?? ''}`.trimEnd();
  });
  const heading = title ? `${chalk.bold(sanitizeText(title))}\n` : '';
  return `${heading}${lines.join('\n')}${lines.length ? '\n' : ''}`;
}

/** One character per value, scaled to the largest; zero is a blank so gaps stay visible. */
export function drawSparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values.map((value) => (Number.isFinite(value) ? value : 0)));
  return values
    .map((value) => {
      if (!(value > 0) || !(max > 0)) return ' ';
      return LEVELS[Math.min(7, Math.max(0, Math.ceil((value / max) * 8) - 1))];
    })
    .join('');
}

/** A sparkline wrapped to the terminal width, under an optional title. */
export function renderSparkline(values: readonly number[], style: ChartStyle, title?: string): string {
  const chalk = new Chalk({ level: style.color ? 1 : 0 });
  const line = [...drawSparkline(values)];
  const width = usableWidth(style.width);
  const rows: string[] = [];
  for (let start = 0; start < line.length; start += width) rows.push(chalk.cyan(line.slice(start, start + width).join('')));
  const heading = title ? `${chalk.bold(sanitizeText(title))}\n` : '';
  return `${heading}${rows.join('\n')}${rows.length ? '\n' : ''}`;
}
