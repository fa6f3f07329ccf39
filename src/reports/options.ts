/**
 * The choices report options take, declared once and kept free of imports so
 * that the CLI's flag definitions (loaded on every start) can list them
 * without loading the reports. Parsing flag text into these is the CLI's job
 * (src/cli/flags.ts); reports receive typed values only.
 */

/** The window a budget limit applies to. */
export const BUDGET_PERIODS = ['day', 'week', 'month', 'all'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

/** What a budget checks separately, besides everything together. */
export const BUDGET_GROUPS = ['model', 'project', 'agent'] as const;
export type BudgetGroup = (typeof BUDGET_GROUPS)[number];

/** Days in `usage report`'s trend. */
export const DEFAULT_TREND_DAYS = 14;

/** What `--chart` draws. */
export const PERIOD_METRICS = ['cost', 'tokens'] as const;
export type PeriodMetric = (typeof PERIOD_METRICS)[number];

/** The keys `usage cost --by` groups by, nested in the order given. */
export const COST_KEYS = [
  'model',
  'provider',
  'upstream_model',
  'resource',
  'role',
  'task',
  'source',
  'session',
  'project',
  'sender',
  'agent',
  'machine',
  'hour',
  'day',
  'week',
  'month',
] as const;
export type CostKey = (typeof COST_KEYS)[number];
