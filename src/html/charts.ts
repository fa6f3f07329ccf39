/// <reference lib="dom" />
/**
 * Charts drawn with uPlot (canvas). Every chart here has a categorical x axis
 * (days, periods, rows): the labels come from the JSON and are drawn by
 * uPlot's canvas text, so log text can never become markup through a chart.
 */
import uPlot from 'uplot';
import { createElement, readCssVariable } from './dom.js';

export type SeriesKind = 'bar' | 'line' | 'points';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  kind: SeriesKind;
  color: string;
  /** Which y scale: 'y' (left) or 'y2' (right). */
  scale?: 'y' | 'y2';
  dash?: number[];
  /** Lines join across positions without a value (rates over days with no cache data). */
  spanGaps?: boolean;
  format: (value: number | null) => string;
}

export interface ChartSpec {
  id: string;
  title: string;
  /** One label per x position. */
  labels: string[];
  series: ChartSeries[];
  /** Bars stack on each other (every bar series must then use scale 'y'). */
  stacked?: boolean;
  formatY: (value: number) => string;
  formatY2?: (value: number) => string;
  /** A sentence under the chart: what is marked, what is left out. */
  note?: string;
  /** What an x position is, for the legend: day, period, group. */
  xLabel?: string;
  /** Fixed y range, e.g. [0, 1] for rates. */
  yRange?: [number, number];
}

/** Colours for data series, chosen to stay apart in light and dark mode and for the common colour blindnesses. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#8c8c8c'];

const charts = new Map<string, { spec: ChartSpec; plot: uPlot | null; host: HTMLElement }>();

function chartHeight(): number {
  return window.matchMedia('(max-width: 600px)').matches ? 220 : 280;
}

/** Cumulative sums, so that drawing the tallest first and the shorter ones over it shows a stack. */
function stackValues(series: readonly ChartSeries[]): Array<Array<number | null>> {
  const sums: number[] = [];
  return series.map((entry) =>
    entry.values.map((value, index) => {
      sums[index] = (sums[index] ?? 0) + (value ?? 0);
      return sums[index]!;
    }),
  );
}

/** Axis labels longer than this are cut (with …); the legend shows the whole label on hover. */
const MAX_AXIS_LABEL = 20;

function shortenLabel(label: string): string {
  return label.length > MAX_AXIS_LABEL ? `${label.slice(0, MAX_AXIS_LABEL - 1)}…` : label;
}

/** As many labels as fit side by side (about 7 px a character at 12 px), evenly spaced. */
function listLabelSplits(labels: readonly string[], width: number): number[] {
  const count = labels.length;
  const longest = Math.max(1, ...labels.map((label) => shortenLabel(label).length));
  const room = Math.max(2, Math.floor((width - 80) / (longest * 7 + 18)));
  const step = Math.max(1, Math.ceil(count / room));
  const splits: number[] = [];
  for (let index = 0; index < count; index += step) splits.push(index);
  return splits;
}

function buildOptions(spec: ChartSpec, width: number): uPlot.Options {
  const text = readCssVariable('--muted') || '#666';
  const grid = readCssVariable('--grid') || '#ddd';
  const axisFont = '12px system-ui, sans-serif';
  // Stacked bars are drawn largest-sum first, so the legend is reversed to match the stack from top to bottom.
  const ordered = spec.stacked ? [...spec.series].reverse() : spec.series;
  const seriesOptions: uPlot.Series[] = ordered.map((entry) => {
    const base: uPlot.Series = {
      label: entry.label,
      stroke: entry.color,
      scale: entry.scale ?? 'y',
      value: (_plot, _value, _seriesIndex, index) => (index === null || index === undefined ? '' : entry.format(entry.values[index] ?? null)),
    };
    if (entry.dash) base.dash = entry.dash;
    if (entry.spanGaps) base.spanGaps = true;
    if (entry.kind === 'bar') {
      return { ...base, fill: entry.color, width: 0, paths: uPlot.paths.bars!({ size: [0.7, 48], align: 0 }), points: { show: false } };
    }
    if (entry.kind === 'points') {
      return { ...base, width: 0, paths: () => null, points: { show: true, size: 9, fill: entry.color, stroke: entry.color } };
    }
    // A dashed line is a limit: a constant, whose points would only be noise.
    return { ...base, width: 2, points: { show: !entry.dash, size: 5 } };
  });
  const usesY2 = spec.series.some((entry) => entry.scale === 'y2');
  const axes: uPlot.Axis[] = [
    {
      stroke: text,
      font: axisFont,
      grid: { show: false },
      ticks: { stroke: grid },
      splits: () => listLabelSplits(spec.labels, width),
      values: (_plot, splits) => splits.map((index) => shortenLabel(spec.labels[index] ?? '')),
    },
    {
      stroke: text,
      font: axisFont,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid },
      size: 64,
      values: (_plot, splits) => splits.map((value) => spec.formatY(value)),
    },
  ];
  if (usesY2) {
    axes.push({
      scale: 'y2',
      side: 1,
      stroke: text,
      font: axisFont,
      grid: { show: false },
      size: 48,
      values: (_plot, splits) => splits.map((value) => (spec.formatY2 ?? String)(value)),
    });
  }
  const count = spec.labels.length;
  return {
    width,
    height: chartHeight(),
    legend: { show: true, live: true },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: () => [-0.5, Math.max(count - 0.5, 0.5)] },
      y: spec.yRange ? { range: () => spec.yRange! } : { range: (_plot, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
      ...(usesY2 ? { y2: { range: (_plot: uPlot, _min: number, max: number) => [0, Math.max(1, Math.ceil(max * 1.2))] as [number, number] } } : {}),
    },
    axes,
    series: [{ label: spec.xLabel ?? 'day', value: (_plot, index) => (index === null ? '' : (spec.labels[index] ?? '')) }, ...seriesOptions],
  };
}

function draw(id: string): void {
  const entry = charts.get(id);
  if (!entry) return;
  entry.plot?.destroy();
  const { spec, host } = entry;
  const width = Math.max(240, host.clientWidth);
  const stacked = spec.stacked ? stackValues(spec.series).reverse() : spec.series.map((series) => series.values);
  const data: uPlot.AlignedData = [spec.labels.map((_label, index) => index), ...stacked];
  entry.plot = new uPlot(buildOptions(spec, width), data, host);
}

/** A figure holding one chart; data-series and data-points say what it should show (the browser test reads them). */
export function createChart(spec: ChartSpec): HTMLElement {
  const host = createElement('div', { class: 'chart-canvas' });
  const figure = createElement(
    'figure',
    {
      class: 'chart',
      id: `chart-${spec.id}`,
      'data-chart': spec.id,
      'data-series': String(spec.series.length),
      'data-points': String(spec.labels.length),
    },
    [createElement('figcaption', {}, [spec.title]), host, spec.note ? createElement('p', { class: 'note' }, [spec.note]) : null],
  );
  charts.set(spec.id, { spec, plot: null, host });
  return figure;
}

/** Draws every chart made so far; call once the figures are in the document (uPlot needs their width). */
export function drawCharts(): void {
  for (const id of charts.keys()) draw(id);
}

let resizeTimer: number | undefined;

/** Redraws on resize, on a switch between light and dark, and at the page width before printing. */
export function watchCharts(): void {
  window.addEventListener('resize', () => {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(drawCharts, 150);
  });
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', drawCharts);
  window.addEventListener('beforeprint', drawCharts);
}
