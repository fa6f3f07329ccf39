/// <reference lib="dom" />
/**
 * The HTML report's page script. It reads the JSON that `usage report|cost|budget
 * --json` prints (embedded in #usage-data, docs/json.md) and builds the page from
 * it: headline figures, charts, and the terminal's tables, sortable. Everything
 * from the data goes in as text (dom.ts); numbers are formatted by the
 * terminal's code (src/renderers/format.ts and dataset.ts).
 */
import { type Dataset, type DatasetColumn, formatRowCell, type Row } from '../renderers/dataset.js';
import { formatCompact, formatCost, formatInteger, formatPercent } from '../renderers/format.js';
import { type ChartSeries, createChart, drawCharts, PALETTE, watchCharts } from './charts.js';
import { type Child, createElement, createSection } from './dom.js';
import { createSortableTable } from './tables.js';

type Json = Record<string, unknown>;

const COST: DatasetColumn = { key: 'cost_usd', header: 'cost', kind: 'cost', unpricedKeys: ['unpriced_tokens'] };
const UNPRICED: DatasetColumn = { key: 'unpriced_tokens', header: 'unpriced', kind: 'tokens', hiddenInTables: true };
/** Series beyond this many are summed into "other": a stack of 30 colours says nothing. */
const MAX_STACKED_SERIES = 8;
const TOP_ROWS = 10;

function readObject(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}

function readArray(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(readObject) : [];
}

function readNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function readText(value: unknown): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
}

/** A cost as the terminal shows it: `?` when unknown, `≥` when some of its usage has no price. */
/** "1 record", "3 records". */
function count(value: unknown, noun: string): string {
  const number = readNumber(value) ?? 0;
  return `${formatInteger(number)} ${noun}${number === 1 ? '' : 's'}`;
}

function formatRowCost(row: Json): string {
  return formatRowCell(row, COST);
}

function formatAxisCost(value: number): string {
  return value === 0 ? '$0' : formatCost(value);
}

// ---------- header and input accounting ----------

function describeRange(json: Json): string {
  const range = readObject(json['range']);
  const since = readText(range['since']);
  const until = readText(range['until']);
  if (!since && !until) return 'all dates in the logs';
  return `${since || 'the first day'} to ${until || 'the last day'}`;
}

function createFacts(entries: Array<[string, Child | Child[]]>): HTMLElement {
  return createElement(
    'dl',
    { class: 'facts' },
    entries.flatMap(([term, detail]) => [
      createElement('dt', {}, [term]),
      createElement('dd', {}, Array.isArray(detail) ? detail : [detail]),
    ]),
  );
}

function describePrices(json: Json): string {
  const prices = readObject(json['prices']);
  const builtIn = readText(prices['built_in']);
  if (!builtIn) return 'not stated in this JSON';
  const overrides = readText(prices['override_file']);
  return overrides ? `${builtIn}, overrides from ${overrides}` : builtIn;
}

function describeReasons(reasons: Json): string {
  const parts = Object.entries(reasons)
    .filter(([, count]) => typeof count === 'number' && count > 0)
    .sort(([, a], [, b]) => (b as number) - (a as number))
    .map(([reason, count]) => `${formatInteger(count as number)} ${reason}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function createHeader(json: Json, title: string): HTMLElement {
  const range = readObject(json['range']);
  const sources = readObject(json['sources']);
  const skipped = readObject(json['skipped']);
  const excluded = readObject(json['excluded']);
  const unreadable = readArray(sources['unreadable']);
  const dialects = Object.entries(readObject(json['dialects']))
    .map(([name, count]) => `${name} ${formatInteger(readNumber(count) ?? 0)}`)
    .join(', ');
  const input = `${count(sources['files'], 'file')}, ${count(sources['lines'], 'line')}, ${count(sources['bytes'], 'byte')}`;
  const skippedLines = readNumber(skipped['lines']) ?? 0;
  const left = [
    `${count(skippedLines, 'malformed line')} skipped${describeReasons(readObject(skipped['reasons']))}`,
    count(json['duplicate_lines'], 'duplicate line'),
    `${count(excluded['out_of_range'], 'record')} out of range`,
    `${count(excluded['undated'], 'undated record')} left out`,
  ].join('; ');
  return createElement('header', { class: 'page-header' }, [
    createElement('h1', {}, [title]),
    createFacts([
      ['Range', describeRange(json)],
      ['Time zone', readText(range['tz']) || 'not stated'],
      ['Price data', describePrices(json)],
      ['Input', input],
      ['Left out', left],
      ...(dialects ? ([['Records per dialect', dialects]] as Array<[string, string]>) : []),
      ...(unreadable.length
        ? ([
            [
              'Unreadable',
              createElement(
                'ul',
                { class: 'warning' },
                unreadable.map((entry) => createElement('li', {}, [`${readText(entry['path'])}: ${readText(entry['message'])}`])),
              ),
            ],
          ] as Array<[string, Child]>)
        : []),
    ]),
  ]);
}

// ---------- headline ----------

interface Tile {
  id: string;
  label: string;
  value: string;
  detail?: string;
  warn?: boolean;
  /** The JSON number behind the figure, so a reader (or a test) can check the rounding. */
  raw?: unknown;
}

function createTiles(tiles: readonly Tile[]): HTMLElement {
  return createElement(
    'div',
    { class: 'tiles', id: 'headline' },
    tiles.map((tile) =>
      createElement('div', { class: tile.warn ? 'tile warn' : 'tile', 'data-tile': tile.id, ...(tile.raw !== undefined ? { 'data-value': JSON.stringify(tile.raw) } : {}) }, [
        createElement('div', { class: 'tile-label' }, [tile.label]),
        createElement('div', { class: 'tile-value' }, [tile.value]),
        tile.detail ? createElement('div', { class: 'tile-detail' }, [tile.detail]) : null,
      ]),
    ),
  );
}

function describeUnpriced(json: Json, unpricedTokens: number): string {
  const models = readArray(json['unpriced_models']).map((entry) => readText(entry['model']));
  if (unpricedTokens === 0) return 'every record has a price';
  return models.length ? `no price for: ${models.join(', ')}` : 'some usage has no price';
}

function createTotalsTiles(json: Json, totals: Json, cache: Json | null): HTMLElement {
  const unpriced = readNumber(totals['unpriced_tokens']) ?? 0;
  const tiles: Tile[] = [
    {
      id: 'cost',
      label: 'Cost',
      value: formatRowCost(totals),
      raw: totals['cost_usd'] ?? null,
      detail: unpriced > 0 ? '≥ a lower bound: some usage has no price' : 'US dollars',
    },
    { id: 'tokens', label: 'Tokens', raw: totals['total_tokens'], value: formatCompact(readNumber(totals['total_tokens']) ?? 0), detail: `${formatInteger(readNumber(totals['total_tokens']) ?? 0)} in total` },
    { id: 'calls', label: 'Calls', raw: totals['calls'], value: formatInteger(readNumber(totals['calls']) ?? 0), detail: `${formatInteger(readNumber(totals['records']) ?? 0)} records` },
  ];
  if (cache) {
    tiles.push({
      id: 'cache-hit-rate',
      label: 'Cache hit rate',
      raw: cache['cache_hit_rate'] ?? null,
      value: formatPercent(readNumber(cache['cache_hit_rate'])),
      detail: `reuse ${formatPercent(readNumber(cache['cache_reuse_rate']))}`,
    });
  }
  tiles.push({
    id: 'unpriced',
    label: 'Unpriced usage',
    raw: unpriced,
    value: `${formatCompact(unpriced)} tokens`,
    detail: describeUnpriced(json, unpriced),
    warn: unpriced > 0,
  });
  return createTiles(tiles);
}

// ---------- day axis ----------

/** Every calendar day from the first to the last, so idle days show as gaps and not as closer dates. */
function listCalendarDays(first: string, last: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${last}T00:00:00Z`);
  for (let day = Date.parse(`${first}T00:00:00Z`); day <= end && days.length < 4000; day += 86_400_000) {
    days.push(new Date(day).toISOString().slice(0, 10));
  }
  return days;
}

function indexDays(days: readonly Json[]): { labels: string[]; byDate: Map<string, Json> } {
  const byDate = new Map(days.map((day) => [readText(day['date']), day]));
  const dates = [...byDate.keys()].filter((date) => /^\d{4}-\d{2}-\d{2}$/.test(date)).sort();
  if (dates.length === 0) return { labels: [], byDate };
  return { labels: listCalendarDays(dates[0]!, dates[dates.length - 1]!), byDate };
}

// ---------- report charts ----------

/** Daily cost stacked by `splitKey` (models, or agents when the JSON has them); the biggest few, the rest summed. */
function createDailyStack(days: readonly Json[], splitKey: 'models' | 'agents', nameKey: string, limit: number | null): HTMLElement | null {
  const { labels, byDate } = indexDays(days);
  if (labels.length === 0 || !days.some((day) => Array.isArray(day[splitKey]))) return null;
  const costByName = new Map<string, number>();
  for (const day of days) {
    for (const split of readArray(day[splitKey])) {
      const name = readText(split[nameKey]);
      costByName.set(name, (costByName.get(name) ?? 0) + (readNumber(split['cost_usd']) ?? 0));
    }
  }
  const ranked = [...costByName].sort(([a, costA], [b, costB]) => costB - costA || a.localeCompare(b)).map(([name]) => name);
  const shown = ranked.length > MAX_STACKED_SERIES ? ranked.slice(0, MAX_STACKED_SERIES - 1) : ranked;
  const rest = ranked.length > shown.length ? ranked.slice(shown.length) : [];
  const groups: Array<{ label: string; names: Set<string> }> = shown.map((name) => ({ label: name, names: new Set([name]) }));
  if (rest.length) groups.push({ label: `other (${rest.length})`, names: new Set(rest) });
  let partial = false;
  const series: ChartSeries[] = groups.map((group, index) => ({
    label: group.label,
    kind: 'bar',
    color: PALETTE[index % PALETTE.length]!,
    format: formatCostOrDash,
    values: labels.map((date) => {
      let sum: number | null = null;
      for (const split of readArray(byDate.get(date)?.[splitKey])) {
        if (!group.names.has(readText(split[nameKey]))) continue;
        if ((readNumber(split['unpriced_tokens']) ?? 0) > 0) partial = true;
        sum = (sum ?? 0) + (readNumber(split['cost_usd']) ?? 0);
      }
      return sum;
    }),
  }));
  const chartSeries: ChartSeries[] = limit !== null ? [...series, limitSeries(labels.length, limit)] : series;
  const noun = splitKey === 'models' ? 'model' : 'agent';
  return createChart({
    id: `daily-cost-${splitKey}`,
    title: `Daily cost by ${noun}`,
    labels,
    series: chartSeries,
    stacked: true,
    formatY: formatAxisCost,
    note: partial ? 'Some days include usage with no price: their bars are lower bounds (≥ in the tables).' : '',
  });
}

function formatCostOrDash(value: number | null): string {
  return value === null ? '–' : formatCost(value);
}

function limitSeries(count: number, limit: number): ChartSeries {
  return {
    label: `limit ${formatCost(limit)}`,
    kind: 'line',
    color: '#d62728',
    dash: [6, 4],
    format: () => formatCost(limit),
    values: Array.from({ length: count }, () => limit),
  };
}

/** Running cost within each calendar month, one line per month (the last three), x = day of the month. */
function createCumulativeChart(days: readonly Json[], monthlyLimit: number | null): HTMLElement | null {
  const byMonth = new Map<string, Array<number | null>>();
  for (const day of days) {
    const date = readText(day['date']);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) continue;
    const month = date.slice(0, 7);
    const values = byMonth.get(month) ?? Array.from({ length: 31 }, () => null);
    values[Number(date.slice(8, 10)) - 1] = readNumber(day['cost_usd']) ?? 0;
    byMonth.set(month, values);
  }
  const months = [...byMonth.keys()].sort().slice(-3);
  if (months.length === 0) return null;
  const labels = Array.from({ length: 31 }, (_, index) => String(index + 1));
  const series: ChartSeries[] = months.map((month, index) => {
    const daily = byMonth.get(month)!;
    const lastActive = daily.reduce<number>((last, value, day) => (value !== null ? day : last), -1);
    const firstActive = daily.findIndex((value) => value !== null);
    let sum = 0;
    return {
      label: month,
      kind: 'line',
      color: PALETTE[(months.length - 1 - index) % PALETTE.length]!,
      format: formatCostOrDash,
      // The line runs from the month's first to its last active day: outside them the logs say nothing, which is not zero spend.
      values: daily.map((value, day) => {
        sum += value ?? 0;
        return day >= firstActive && day <= lastActive ? sum : null;
      }),
    };
  });
  if (monthlyLimit !== null) series.push(limitSeries(31, monthlyLimit));
  return createChart({
    id: 'cumulative-cost',
    title: 'Cumulative spend in the month',
    labels,
    xLabel: 'day of month',
    series,
    formatY: formatAxisCost,
    note: 'x: day of the month. Only priced usage adds to the line.',
  });
}

/** Cache hit and reuse rates per day (records that report cache counts only); cold rounds as marks when the JSON lists them. */
function createCacheChart(days: readonly Json[], coldRounds: readonly Json[] | null): HTMLElement | null {
  const { labels, byDate } = indexDays(days);
  if (labels.length === 0 || !days.some((day) => day['cache'] !== undefined)) return null;
  const rate = (key: string) => labels.map((date) => readNumber(readObject(byDate.get(date)?.['cache'])[key]));
  const series: ChartSeries[] = [
    { label: 'hit rate', kind: 'line', color: PALETTE[0]!, values: rate('cache_hit_rate'), format: formatPercent, spanGaps: true },
    { label: 'reuse rate', kind: 'line', color: PALETTE[2]!, values: rate('cache_reuse_rate'), format: formatPercent, spanGaps: true },
  ];
  if (coldRounds) {
    const counts = new Map<string, number>();
    for (const round of coldRounds) {
      const date = readText(round['date'] ?? readText(round['timestamp']).slice(0, 10));
      counts.set(date, (counts.get(date) ?? 0) + 1);
    }
    series.push({
      label: 'cold rounds',
      kind: 'points',
      color: PALETTE[3]!,
      scale: 'y2',
      values: labels.map((date) => counts.get(date) ?? null),
      format: (value) => (value === null ? '0' : formatInteger(value)),
    });
  }
  return createChart({
    id: 'cache-rates',
    title: 'Prompt cache over time',
    labels,
    series,
    yRange: [0, 1],
    formatY: (value) => formatPercent(value, 0),
    formatY2: (value) => (Number.isInteger(value) ? String(value) : ''),
    note: coldRounds
      ? 'Hit rate = cache read / all prompt tokens; reuse rate = cache read / (read + write). Dots: cold rounds (UTC day of the call, right axis).'
      : 'Hit rate = cache read / all prompt tokens; reuse rate = cache read / (read + write). Lines join the days that have cache data. Cold rounds: see usage cache.',
  });
}

/** Top rows of a share list as bars whose width is the cost share (or token share when nothing is priced). */
function createTopList(id: string, title: string, rows: readonly Json[], nameKey: string, limit = TOP_ROWS): HTMLElement | null {
  if (rows.length === 0) return null;
  const top = [...rows]
    .sort((a, b) => (readNumber(b['cost_usd']) ?? -1) - (readNumber(a['cost_usd']) ?? -1) || (readNumber(b['total_tokens']) ?? 0) - (readNumber(a['total_tokens']) ?? 0))
    .slice(0, limit);
  const maxCost = Math.max(0, ...top.map((row) => readNumber(row['cost_usd']) ?? 0));
  const maxTokens = Math.max(0, ...top.map((row) => readNumber(row['total_tokens']) ?? 0));
  return createElement('figure', { class: 'top-list', id: `top-${id}`, 'data-top': id, 'data-points': String(top.length) }, [
    createElement('figcaption', {}, [title]),
    createElement(
      'ol',
      {},
      top.map((row) => {
        const cost = readNumber(row['cost_usd']);
        const fraction = maxCost > 0 ? (cost ?? 0) / maxCost : maxTokens > 0 ? (readNumber(row['total_tokens']) ?? 0) / maxTokens : 0;
        const bar = createElement('span', { class: 'bar' });
        bar.style.width = `${(fraction * 100).toFixed(1)}%`;
        return createElement('li', {}, [
          createElement('span', { class: 'name', title: readText(row[nameKey]) }, [readText(row[nameKey])]),
          createElement('span', { class: 'figure' }, [`${formatRowCost(row)} · ${formatCompact(readNumber(row['total_tokens']) ?? 0)} tok`]),
          createElement('span', { class: 'track' }, [bar]),
        ]);
      }),
    ),
  ]);
}

// ---------- report tables (the terminal's, src/reports/report.ts) ----------

function shareColumns(keyName: string): DatasetColumn[] {
  return [
    { key: keyName, header: keyName, kind: 'text' },
    { key: 'records', header: 'records', kind: 'integer' },
    { key: 'total_tokens', header: 'tokens', kind: 'tokens' },
    COST,
    { key: 'share', header: 'share', kind: 'ratio' },
    { key: 'cost_share', header: 'cost share', kind: 'ratio' },
    UNPRICED,
  ];
}

function listReportTables(json: Json): Dataset[] {
  const totals = readObject(json['totals']);
  const models = readArray(json['models']);
  const streaks = readObject(json['streaks']);
  const trend = readArray(json['trend']);
  const callSources = readArray(json['call_sources']);
  const datasets: Dataset[] = [
    {
      name: 'models',
      title: 'By model',
      columns: [
        { key: 'model', header: 'model', kind: 'text' },
        { key: 'records', header: 'records', kind: 'integer' },
        { key: 'input_tokens', header: 'input', kind: 'tokens' },
        { key: 'output_tokens', header: 'output', kind: 'tokens' },
        { key: 'cache_read_tokens', header: 'cache read', kind: 'tokens' },
        { key: 'cache_write_tokens', header: 'cache write', kind: 'tokens' },
        { key: 'total_tokens', header: 'total', kind: 'tokens' },
        COST,
        { key: 'share', header: 'share', kind: 'ratio' },
        UNPRICED,
      ],
      rows: models,
      footer: [{ model: 'total', ...totals, share: models.length ? 1 : null }],
    },
    {
      name: 'totals',
      title: 'Totals',
      columns: [
        { key: 'metric', header: 'metric', kind: 'text' },
        { key: 'value', header: 'value', kind: 'integer' },
      ],
      rows: [
        ['records', 'records'],
        ['calls', 'calls'],
        ['input tokens (fresh)', 'input_tokens'],
        ['output tokens', 'output_tokens'],
        ['  of which reasoning', 'reasoning_tokens'],
        ['cache read tokens', 'cache_read_tokens'],
        ['cache write tokens', 'cache_write_tokens'],
        ['  5-minute writes', 'cache_write_5m_tokens'],
        ['  1-hour writes', 'cache_write_1h_tokens'],
        ...((readNumber(totals['unattributed_tokens']) ?? 0) > 0 ? [['unattributed tokens', 'unattributed_tokens']] : []),
        ['total tokens', 'total_tokens'],
      ]
        .map(([metric, key]): Row => ({ metric, value: totals[key!] }))
        .concat([{ metric: 'skipped lines', value: readObject(json['skipped'])['lines'] }]),
    },
    {
      name: 'activity',
      title: 'Activity',
      columns: [
        { key: 'active_days', header: 'active days', kind: 'integer' },
        { key: 'current', header: 'current streak', kind: 'integer' },
        { key: 'longest', header: 'longest streak', kind: 'integer' },
        { key: 'most_used_model', header: 'most used model', kind: 'text' },
        { key: 'anchor', header: 'as of', kind: 'text' },
      ],
      rows: [{ ...streaks, most_used_model: json['most_used_model'] }],
    },
  ];
  if (trend.length) {
    datasets.push({
      name: 'trend',
      title: `Last ${trend.length} days`,
      columns: [
        { key: 'date', header: 'day', kind: 'text' },
        { key: 'records', header: 'records', kind: 'integer' },
        { key: 'calls', header: 'calls', kind: 'integer' },
        { key: 'total_tokens', header: 'tokens', kind: 'tokens' },
        COST,
        UNPRICED,
      ],
      rows: trend,
    });
  }
  datasets.push({ name: 'projects', title: 'By project', columns: shareColumns('project'), rows: readArray(json['projects']) });
  datasets.push({ name: 'providers', title: 'By provider', columns: shareColumns('provider'), rows: readArray(json['providers']) });
  if (callSources.some((row) => row['source'] !== '(no source)')) {
    datasets.push({ name: 'call_sources', title: 'By call source', columns: shareColumns('source'), rows: callSources });
  }
  const cache = readObject(json['cache']);
  datasets.push({
    name: 'cache',
    title: 'Prompt cache',
    columns: [
      { key: 'cache_hit_rate', header: 'hit rate', kind: 'ratio' },
      { key: 'cache_reuse_rate', header: 'reuse rate', kind: 'ratio' },
      { key: 'cache_read_tokens', header: 'cache read', kind: 'tokens' },
      { key: 'cache_write_tokens', header: 'cache write', kind: 'tokens' },
      { key: 'input_tokens', header: 'fresh input', kind: 'tokens' },
      { key: 'cache_reported_records', header: 'records with cache data', kind: 'integer' },
    ],
    rows: [cache],
  });
  const pressure = json['context_pressure'];
  if (pressure && typeof pressure === 'object') {
    datasets.push({
      name: 'context_pressure',
      title: 'Context pressure (prompt / context window)',
      columns: [
        { key: 'snapshots', header: 'snapshots', kind: 'integer' },
        { key: 'peak_ratio', header: 'peak', kind: 'ratio' },
        { key: 'median_ratio', header: 'median', kind: 'ratio' },
        { key: 'truncation_events', header: 'truncations', kind: 'integer' },
        { key: 'segments_removed', header: 'segments removed', kind: 'integer' },
      ],
      rows: [readObject(pressure)],
    });
  }
  const sessions = readArray(json['sessions']);
  if (sessions.length) {
    datasets.push({
      name: 'sessions',
      title: 'Sessions',
      columns: [
        { key: 'session', header: 'session', kind: 'text' },
        { key: 'first_activity', header: 'first', kind: 'text' },
        { key: 'duration_ms', header: 'duration', kind: 'duration' },
        { key: 'calls', header: 'calls', kind: 'integer' },
        { key: 'total_tokens', header: 'tokens', kind: 'tokens' },
        COST,
        { key: 'cache_hit_rate', header: 'hit rate', kind: 'ratio' },
        UNPRICED,
      ],
      rows: sessions,
    });
  }
  return datasets;
}

/** The budget line for the daily chart and the month line, when the JSON carries a budget (report JSON may, budget JSON does). */
function readLimits(json: Json): { daily: number | null; monthly: number | null } {
  const limits = readObject(json['limits'] ?? readObject(json['budget'])['limits']);
  const cost = readNumber(limits['max_cost_usd']);
  // A per-model or per-project limit is not a line over the whole stack.
  if (cost === null || (limits['by'] !== null && limits['by'] !== undefined)) return { daily: null, monthly: null };
  return { daily: limits['period'] === 'day' ? cost : null, monthly: limits['period'] === 'month' ? cost : null };
}

function buildReportPage(json: Json): Child[] {
  const days = readArray(json['days']);
  const limits = readLimits(json);
  const pressure = json['context_pressure'] ? readObject(json['context_pressure']) : null;
  const charts: Child[] = [
    createDailyStack(days, 'models', 'model', limits.daily),
    createDailyStack(days, 'agents', 'agent', limits.daily),
    createCumulativeChart(days, limits.monthly),
    createCacheChart(days, Array.isArray(readObject(json['cold_rounds'])['rounds']) ? readArray(readObject(json['cold_rounds'])['rounds']) : null),
  ];
  const tops: Child[] = [
    createTopList('projects', 'Top projects', readArray(json['projects']), 'project'),
    createTopList('sessions', 'Top sessions', readArray(json['sessions']), 'session'),
    createTopList('models', 'Top models', readArray(json['models']), 'model'),
  ];
  return [
    createTotalsTiles(json, readObject(json['totals']), readObject(json['cache'])['cache_reported'] === false ? null : readObject(json['cache'])),
    createSection('charts', 'Over time', [createElement('div', { class: 'grid' }, charts)]),
    createSection('top', 'Where it went', [
      createElement('div', { class: 'grid' }, tops),
      readArray(json['sessions']).length ? null : createElement('p', { class: 'note' }, ['Top sessions: the report JSON has no per-session rows; usage sessions lists them.']),
    ]),
    pressure
      ? createSection('context', 'Context pressure', [
          createTiles([
            { id: 'context-peak', label: 'Peak', value: formatPercent(readNumber(pressure['peak_ratio'])), detail: 'prompt / context window' },
            { id: 'context-median', label: 'Median', value: formatPercent(readNumber(pressure['median_ratio'])), detail: `${formatInteger(readNumber(pressure['snapshots']) ?? 0)} snapshots` },
            {
              id: 'context-truncations',
              label: 'Truncations',
              value: formatInteger(readNumber(pressure['truncation_events']) ?? 0),
              detail: `${formatInteger(readNumber(pressure['segments_removed']) ?? 0)} segments removed`,
              warn: (readNumber(pressure['truncation_events']) ?? 0) > 0,
            },
          ]),
        ])
      : null,
    createSection('tables', 'Tables', listReportTables(json).map(createSortableTable)),
  ];
}

// ---------- cost ----------

/** With --by a,b the JSON nests b's rows under each a row; the table, as in the terminal, lists the innermost rows with every key filled in. */
function listCostLeaves(rows: readonly Json[], keys: Json): Json[] {
  return rows.flatMap((row) => {
    const { rows: inner, ...own } = row;
    const named = { ...keys, ...own };
    return Array.isArray(inner) && inner.length ? listCostLeaves(readArray(inner), named) : [named];
  });
}

function buildCostPage(json: Json): Child[] {
  const by = Array.isArray(json['by']) ? (json['by'] as unknown[]).map(readText) : ['model'];
  const rows = listCostLeaves(readArray(json['rows']), {});
  const label = (row: Json) => by.map((key) => readText(row[key])).join(' · ');
  // Group names can be long (a project path and a model): bars with the whole name beside them read better than a cut axis label.
  const chart = createTopList('groups', `Cost by ${by.join(', ')}`, rows.map((row) => ({ ...row, group: label(row) })), 'group', 20);
  const columns: DatasetColumn[] = [
    ...by.map((key): DatasetColumn => ({ key, header: key, kind: 'text' })),
    { key: 'records', header: 'records', kind: 'integer' },
    { key: 'input_tokens', header: 'input', kind: 'tokens' },
    { key: 'output_tokens', header: 'output', kind: 'tokens' },
    { key: 'cache_read_tokens', header: 'cache read', kind: 'tokens' },
    { key: 'cache_write_tokens', header: 'cache write', kind: 'tokens' },
    { key: 'total_tokens', header: 'total tokens', kind: 'tokens' },
    COST,
    { key: 'cost_share', header: 'share of cost', kind: 'ratio' },
    UNPRICED,
  ];
  const totals = readObject(json['totals']);
  return [
    createTotalsTiles(json, totals, null),
    createSection('charts', 'Cost', [chart, rows.some((row) => (readNumber(row['unpriced_tokens']) ?? 0) > 0) ? createElement('p', { class: 'note' }, ['≥ marks a cost that leaves out usage with no price; ? a cost that is wholly unknown.']) : null]),
    createSection('tables', 'Tables', [
      createSortableTable({ name: 'cost', title: `By ${by.join(', ')}`, columns, rows, footer: [{ [by[0] ?? 'model']: 'total', ...totals }] }),
    ]),
  ];
}

// ---------- budget ----------

function buildBudgetPage(json: Json): Child[] {
  const limits = readObject(json['limits']);
  const checks = readArray(json['checks']);
  const maxCost = readNumber(limits['max_cost_usd']);
  const maxTokens = readNumber(limits['max_tokens']);
  const status = readText(json['status']);
  const checked = [...new Set(checks.map((check) => readText(check['period'])))].sort();
  // Days get every calendar day between the first and the last, so days without spend show as gaps.
  const periods =
    limits['period'] === 'day' && checked.length && checked.every((period) => /^\d{4}-\d{2}-\d{2}$/.test(period))
      ? listCalendarDays(checked[0]!, checked[checked.length - 1]!)
      : checked;
  const groups = [...new Set(checks.map((check) => readText(check['group'] ?? '')))];
  const metric = maxCost !== null ? 'cost_usd' : 'total_tokens';
  const format = maxCost !== null ? formatCostOrDash : (value: number | null) => (value === null ? '–' : formatCompact(value));
  const readCheck = (period: string, group: string) =>
    checks.find((entry) => readText(entry['period']) === period && readText(entry['group'] ?? '') === group);
  const series: ChartSeries[] =
    groups.length === 1
      ? // One group: bars, with the breaching periods in a series of their own, drawn red.
        (['within', 'breach'] as const).map((kind) => ({
          label: kind === 'within' ? `${maxCost !== null ? 'cost' : 'tokens'} within the limit` : 'over the limit',
          kind: 'bar',
          color: kind === 'within' ? PALETTE[0]! : '#d62728',
          format,
          values: periods.map((period) => {
            const check = readCheck(period, groups[0]!);
            if (!check || (check['status'] === 'breach') !== (kind === 'breach')) return null;
            return readNumber(check[metric]);
          }),
        }))
      : groups.slice(0, MAX_STACKED_SERIES).map((group, index) => ({
          label: group,
          kind: 'line',
          color: PALETTE[index % PALETTE.length]!,
          format,
          values: periods.map((period) => {
            const check = readCheck(period, group);
            return check ? readNumber(check[metric]) : null;
          }),
        }));
  const limit = maxCost ?? maxTokens;
  if (limit !== null && periods.length) {
    series.push({ ...limitSeries(periods.length, limit), label: `limit ${format(limit)}`, format: () => format(limit) });
  }
  const chart = periods.length
    ? createChart({
        id: 'budget',
        title: `${maxCost !== null ? 'Cost' : 'Tokens'} per ${readText(limits['period']) || 'period'} against the limit`,
        labels: periods,
        xLabel: readText(limits['period']) || 'period',
        series,
        formatY: maxCost !== null ? formatAxisCost : (value) => formatCompact(value),
        note: json['cost_complete'] === false ? 'Some usage has no price: cost checks count only priced usage and are lower bounds.' : '',
      })
    : null;
  const describeLimit = [
    maxCost !== null ? `cost ≤ ${formatCost(maxCost)}` : '',
    maxTokens !== null ? `tokens ≤ ${formatInteger(maxTokens)}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  const tiles = createTiles([
    { id: 'status', label: 'Status', value: status || '?', detail: `exit code ${readText(json['exit_code'])}`, warn: status !== 'ok' },
    { id: 'limit', label: 'Limit', value: describeLimit || 'none', detail: `per ${readText(limits['period'])}${limits['by'] ? `, per ${readText(limits['by'])}` : ''}` },
    { id: 'breaches', label: 'Breaches', value: formatInteger(readNumber(json['breaches']) ?? 0), detail: `${formatInteger(readNumber(json['warnings']) ?? 0)} warnings`, warn: (readNumber(json['breaches']) ?? 0) > 0 },
    {
      id: 'unpriced',
      label: 'Unpriced usage',
      value: `${formatCompact(readNumber(json['unpriced_tokens']) ?? 0)} tokens`,
      detail: describeUnpriced(json, readNumber(json['unpriced_tokens']) ?? 0),
      warn: (readNumber(json['unpriced_tokens']) ?? 0) > 0,
    },
  ]);
  const rows = checks.map((check) => {
    const fractions = [readNumber(check['cost_fraction']), readNumber(check['tokens_fraction'])].filter((value): value is number => value !== null);
    return { ...check, used: fractions.length ? Math.max(...fractions) : null, current: check['current'] === true ? 'yes' : '' };
  });
  const columns: DatasetColumn[] = [
    { key: 'period', header: readText(limits['period']) === 'all' ? 'period' : readText(limits['period']), kind: 'text' },
    { key: 'current', header: 'current', kind: 'text' },
    ...(limits['by'] ? [{ key: 'group', header: readText(limits['by']), kind: 'text' as const }] : []),
    ...(maxCost !== null ? [COST] : []),
    { key: 'total_tokens', header: 'tokens', kind: 'tokens' },
    { key: 'used', header: 'used', kind: 'ratio' },
    { key: 'status', header: 'status', kind: 'text' },
  ];
  return [tiles, createSection('charts', 'Against the limit', [chart]), createSection('tables', 'Tables', [createSortableTable({ name: 'budget', title: 'Checks', columns, rows })])];
}

// ---------- page ----------

const TITLES: Record<string, string> = { report: 'Token usage report', cost: 'Token cost', budget: 'Budget check' };

function main(): void {
  const app = document.getElementById('app');
  const data = document.getElementById('usage-data');
  if (!app || !data) return;
  const json = readObject(JSON.parse(data.textContent ?? '{}'));
  const kind = readText(json['kind']);
  const body = kind === 'cost' ? buildCostPage(json) : kind === 'budget' ? buildBudgetPage(json) : buildReportPage(json);
  app.replaceChildren(createHeader(json, TITLES[kind] ?? `usage ${kind}`), ...body.filter((child): child is Node => child instanceof Node));
  app.appendChild(
    createElement('footer', {}, [
      `Made by usage from its --json output (schema ${readText(json['schema'])}, kind ${kind}); the data is in this file, in the script element #usage-data. Costs: ? = unknown, ≥ = lower bound (some usage has no price).`,
    ]),
  );
  drawCharts();
  watchCharts();
  document.documentElement.setAttribute('data-ready', 'true');
}

main();
