/**
 * `usage budget`: spend per group and period checked against limits
 * (docs/budget.md). Semantics, in short:
 *
 * - A limit applies to each period (day, ISO week starting Monday, month, or
 *   the whole range) and each group (model or project, or everything)
 *   separately. Every period in the date range is checked; the verdict is the
 *   worst check. The current period is listed first.
 * - Breach: spend strictly above the limit. Warning: spend at or above
 *   `warnAt` × limit without a breach.
 * - A cost limit counts only priced usage. Unpriced usage is never taken as
 *   $0 silently: each check carries its `unpriced_tokens`, and the verdict says
 *   the cost is incomplete.
 */
import type { Analysis } from '../core/analyze.js';
import { exitCodeForVerdict, type Verdict } from '../core/errors.js';
import { NO_PROJECT, nameProjects, readProject } from '../reducers/shares.js';

export { NO_PROJECT };
import { createGroupReducer, type GroupState } from '../reducers/group.js';
import { createPeriodKeyer, createPeriodReducer, DEFAULT_START_OF_WEEK, type PeriodState, readSplits } from '../reducers/periods.js';
import { combineReducers, type Reducer } from '../reducers/reducer.js';
import type { TokenTotals } from '../reducers/totals.js';
import type { Dataset, DatasetColumn, Document, Row } from '../renderers/dataset.js';
import { formatCompact, formatCost, formatInteger, formatPercent, roundCost, roundRatio } from '../renderers/format.js';
import type { BudgetGroup, BudgetPeriod } from './options.js';
import { type ReportMeta, serializeRange } from './report.js';
import { JSON_SCHEMA_VERSION, serializeInput, serializeTotals, UNPRICED_COLUMN, costColumn } from './serialize.js';

export type { BudgetGroup, BudgetPeriod };
export type BudgetStatus = 'ok' | 'warn' | 'breach';

export interface BudgetLimits {
  maxCost: number | null;
  maxTokens: number | null;
  period: BudgetPeriod;
  by: BudgetGroup | null;
  warnAt: number | null;
}

export interface BudgetState extends Record<string, unknown> {
  periods: PeriodState;
  /** Totals per model over everything read, to name the models that have no price. */
  models: GroupState;
}

export function createBudgetReducer(limits: BudgetLimits, zone: string): Reducer<BudgetState> {
  const by = limits.by;
  return combineReducers<BudgetState>({
    periods: createPeriodReducer({
      span: limits.period,
      zone,
      startOfWeek: DEFAULT_START_OF_WEEK,
      splitBy: by === 'model' ? (record) => record.model : by === 'project' ? readProject : by === 'agent' ? (record) => record.agent : undefined,
    }),
    models: createGroupReducer((record) => record.model),
  });
}

export interface BudgetCheck {
  period: string;
  current: boolean;
  /** The model or project; null when usage is not grouped. */
  group: string | null;
  totals: TokenTotals;
  /** Priced cost, rounded as shown; what the cost limit is compared with. */
  knownCost: number;
  costFraction: number | null;
  tokensFraction: number | null;
  status: BudgetStatus;
}

export interface BudgetResult {
  limits: BudgetLimits;
  currentPeriod: string;
  checks: BudgetCheck[];
  status: BudgetStatus;
  /** Tokens, over all checks, whose cost is unknown. */
  unpricedTokens: number;
  unpricedModels: Array<{ model: string; records: number; tokens: number }>;
  /** Records with no timestamp, which a day, week or month cannot hold. */
  undatedRecords: number;
}

/** spend / limit; a zero limit has no meaningful fraction. */
function divide(spend: number, limit: number | null): number | null {
  if (limit === null || limit === 0) return null;
  return spend / limit;
}

export function evaluateCheck(totals: TokenTotals, limits: BudgetLimits): Pick<BudgetCheck, 'knownCost' | 'costFraction' | 'tokensFraction' | 'status'> {
  // Compared as displayed (6 decimals), so the verdict never disagrees with the figures printed beside it.
  const knownCost = roundCost(totals.costUsd) ?? 0;
  const tokens = totals.totalTokens;
  const breach = (limits.maxCost !== null && knownCost > limits.maxCost) || (limits.maxTokens !== null && tokens > limits.maxTokens);
  const warnAt = limits.warnAt;
  const warn =
    warnAt !== null &&
    ((limits.maxCost !== null && knownCost >= warnAt * limits.maxCost && knownCost > 0) ||
      (limits.maxTokens !== null && tokens >= warnAt * limits.maxTokens && tokens > 0));
  return {
    knownCost,
    costFraction: limits.maxCost === null ? null : divide(knownCost, limits.maxCost),
    tokensFraction: divide(tokens, limits.maxTokens),
    status: breach ? 'breach' : warn ? 'warn' : 'ok',
  };
}

const SEVERITY: Readonly<Record<BudgetStatus, number>> = { ok: 0, warn: 1, breach: 2 };

export function checkBudget(state: BudgetState, limits: BudgetLimits, zone: string, now: Date): BudgetResult {
  const currentPeriod = createPeriodKeyer({ span: limits.period, zone, startOfWeek: DEFAULT_START_OF_WEEK })(now.getTime());
  const checks: BudgetCheck[] = [];
  const add = (period: string, group: string | null, totals: TokenTotals): void => {
    checks.push({ period, current: period === currentPeriod, group, totals, ...evaluateCheck(totals, limits) });
  };
  if (limits.by === null) {
    for (const [period, totals] of state.periods.periods) add(period, null, totals);
  } else {
    const splits = readSplits(state.periods);
    // Projects are grouped by full path (as in every command) and shown by their short names.
    const nameGroup =
      limits.by === 'project' ? nameProjects([...splits.values()].flatMap((groups) => [...groups.keys()])) : (key: string) => ({ project: key });
    for (const [period, groups] of splits) for (const [group, totals] of groups) add(period, nameGroup(group).project, totals);
  }
  checks.sort((a, b) => {
    if (a.current !== b.current) return a.current ? -1 : 1;
    if (a.period !== b.period) return a.period < b.period ? 1 : -1;
    const spend = b.knownCost - a.knownCost || b.totals.totalTokens - a.totals.totalTokens;
    if (spend !== 0) return spend;
    return (a.group ?? '') < (b.group ?? '') ? -1 : 1;
  });
  let status: BudgetStatus = 'ok';
  let unpricedTokens = 0;
  for (const check of checks) {
    if (SEVERITY[check.status] > SEVERITY[status]) status = check.status;
    unpricedTokens += check.totals.unpricedTokens;
  }
  const unpricedModels = [...state.models]
    .filter(([, totals]) => totals.unpricedRecords > 0)
    .map(([model, totals]) => ({ model, records: totals.unpricedRecords, tokens: totals.unpricedTokens }))
    .sort((a, b) => b.tokens - a.tokens || (a.model < b.model ? -1 : 1));
  return { limits, currentPeriod, checks, status, unpricedTokens, unpricedModels, undatedRecords: state.periods.undated.records };
}

export function readBudgetVerdict(result: BudgetResult): Verdict {
  return result.status === 'breach' ? 'breach' : 'ok';
}

function describeGroup(check: BudgetCheck, limits: BudgetLimits): string {
  const where = limits.period === 'all' ? 'the whole range' : `${limits.period} ${check.period}`;
  return check.group === null ? where : `${limits.by} ${check.group}, ${where}`;
}

function describeSpend(check: BudgetCheck, limits: BudgetLimits): string {
  const parts: string[] = [];
  if (limits.maxCost !== null) {
    const lowerBound = check.totals.unpricedTokens > 0 ? ' (lower bound)' : '';
    parts.push(`cost ${formatCost(check.knownCost)}${lowerBound} of max ${formatCost(limits.maxCost)} (${formatPercent(check.costFraction, 0)})`);
  }
  if (limits.maxTokens !== null) {
    parts.push(`${formatCompact(check.totals.totalTokens)} tokens of max ${formatCompact(limits.maxTokens)} (${formatPercent(check.tokensFraction, 0)})`);
  }
  return parts.join(', ');
}

/** Sentences for stderr: breaches, warnings, and what could not be priced. */
export function describeBudgetProblems(result: BudgetResult): string[] {
  const lines: string[] = [];
  for (const check of result.checks) {
    if (check.status === 'breach') lines.push(`budget breached: ${describeGroup(check, result.limits)}: ${describeSpend(check, result.limits)}`);
  }
  for (const check of result.checks) {
    if (check.status === 'warn') lines.push(`warning: budget nearly used: ${describeGroup(check, result.limits)}: ${describeSpend(check, result.limits)}`);
  }
  if (result.limits.maxCost !== null && result.unpricedTokens > 0) {
    const models = result.unpricedModels.length;
    lines.push(
      `warning: ${formatInteger(result.unpricedTokens)} tokens (${models} model${models === 1 ? '' : 's'}) have no price, so the cost checks count only priced usage and are lower bounds; add prices with --pricing, or also set --max-tokens.`,
    );
  }
  if (result.undatedRecords > 0) {
    lines.push(`note: ${result.undatedRecords} record(s) have no timestamp and belong to no ${result.limits.period}; they were not checked.`);
  }
  return lines;
}

function describeLimits(limits: BudgetLimits): string {
  const parts: string[] = [];
  if (limits.maxCost !== null) parts.push(`max ${formatCost(limits.maxCost)}`);
  if (limits.maxTokens !== null) parts.push(`max ${formatCompact(limits.maxTokens)} tokens`);
  const per = limits.period === 'all' ? 'in the whole range' : `per ${limits.period}`;
  const by = limits.by ? ` and ${limits.by}` : '';
  const warn = limits.warnAt !== null ? `, warn at ${formatPercent(limits.warnAt, 0)}` : '';
  return `Budget: ${parts.join(' and ')} ${per}${by}${warn}`;
}

export function buildBudgetReport(result: BudgetResult, analysis: Analysis<BudgetState>, meta: ReportMeta): Document {
  const { limits } = result;
  const checks = result.checks.map((check) => ({
    period: check.period,
    current: check.current,
    group: check.group,
    ...serializeTotals(check.totals),
    cost_fraction: roundRatio(check.costFraction),
    tokens_fraction: roundRatio(check.tokensFraction),
    status: check.status,
  }));
  const json = {
    schema: JSON_SCHEMA_VERSION,
    kind: 'budget',
    range: serializeRange(meta),
    limits: {
      max_cost_usd: limits.maxCost,
      max_tokens: limits.maxTokens,
      period: limits.period,
      by: limits.by,
      warn_at: limits.warnAt,
    },
    status: result.status,
    exit_code: exitCodeForVerdict(readBudgetVerdict(result), analysis.summary.unreadable.length > 0),
    current_period: result.currentPeriod,
    breaches: result.checks.filter((check) => check.status === 'breach').length,
    warnings: result.checks.filter((check) => check.status === 'warn').length,
    cost_complete: result.unpricedTokens === 0,
    unpriced_tokens: result.unpricedTokens,
    unpriced_models: result.unpricedModels.map((entry) => ({ model: entry.model, records: entry.records, total_tokens: entry.tokens })),
    checks,
    ...serializeInput(analysis.summary, {
      outOfRange: analysis.excluded.outOfRange,
      undated: analysis.excluded.undated + result.undatedRecords,
    }),
  };
  const showUnpriced = limits.maxCost !== null && result.unpricedTokens > 0;
  const columns: DatasetColumn[] = [
    { key: 'period', header: limits.period === 'all' ? 'period' : limits.period, kind: 'text' },
    { key: 'current', header: 'current', kind: 'text', priority: 4 },
    ...(limits.by ? [{ key: 'group', header: limits.by, kind: 'text' as const, priority: 9 }] : []),
    ...(limits.maxCost !== null
      ? [
          costColumn(7),
          // Shown when some usage has no price; CSV and NDJSON always carry it beside a cost.
          { ...UNPRICED_COLUMN, priority: 3, hiddenInTables: !showUnpriced },
        ]
      : []),
    { key: 'total_tokens', header: 'tokens', kind: 'tokens', priority: limits.maxTokens !== null ? 7 : 2 },
    { key: 'used', header: 'used', kind: 'ratio', priority: 6 },
    { key: 'status', header: 'status', kind: 'text', priority: 8 },
  ];
  const rows: Row[] = checks.map((check, index) => {
    const source = result.checks[index];
    const fractions = [source?.costFraction ?? null, source?.tokensFraction ?? null].filter((value): value is number => value !== null);
    return {
      ...check,
      // The most-used limit is the one that decides.
      used: fractions.length ? roundRatio(Math.max(...fractions)) : null,
      current: check.current ? 'yes' : '',
    };
  });
  const dataset: Dataset = { name: 'budget', title: describeLimits(limits), columns, rows };
  return { json, datasets: [dataset] };
}
