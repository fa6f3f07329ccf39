import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createRecord, type PricedRecord } from '../src/core/record.js';
import { reduceAll } from '../src/reducers/reducer.js';
import { createTokenTotals } from '../src/reducers/totals.js';
import { checkBudget, createBudgetReducer, evaluateCheck, type BudgetLimits } from '../src/reports/budget.js';
import { createHome, fixture, runCli } from './helpers/cli.js';

// The fixture's figures are worked out in test/cli-periods.test.ts: per record
//   Oct 31 alpha 1,500,000 tokens $2.00 | Nov 2 alpha 300,000 $0.40 | Nov 2 beta 150,000 $2.00
//   Nov 3 gamma 1,500 unknown         | Nov 9 alpha 4,000,000 $5.00
// so the whole range is 5,951,500 tokens and $9.40 known, with 1,500 tokens unpriced.
const LOG = fixture('cases', 'periods', 'usage.jsonl');
const PRICES = fixture('cases', 'periods', 'prices.json');
const BASE = ['budget', LOG, '--pricing', PRICES];

interface BudgetJson {
  schema: number;
  kind: string;
  status: string;
  exit_code: number;
  breaches: number;
  warnings: number;
  cost_complete: boolean;
  unpriced_tokens: number;
  limits: Record<string, unknown>;
  checks: Array<{ period: string; group: string | null; total_tokens: number; cost_usd: number | null; status: string; cost_fraction: number | null; tokens_fraction: number | null }>;
}

async function runBudget(args: string[], options: Parameters<typeof runCli>[1] = {}) {
  const result = await runCli([...args, '--json'], options);
  return { ...result, json: result.stdout ? (JSON.parse(result.stdout) as BudgetJson) : null };
}

describe('usage budget (CLI)', () => {
  it('passes within the limit: exit 0, and says that unpriced usage makes cost a lower bound', async () => {
    const result = await runBudget([...BASE, '--max-cost', '10']);
    expect(result.code).toBe(0);
    // $9.40 of $10 = 94%.
    expect(result.json).toMatchObject({ schema: 1, kind: 'budget', status: 'ok', exit_code: 0, breaches: 0, cost_complete: false, unpriced_tokens: 1_500 });
    expect(result.json?.checks).toEqual([expect.objectContaining({ period: 'all', group: null, cost_usd: 9.4, cost_fraction: 0.94, status: 'ok' })]);
    expect(result.stderr).toMatch(/1,500 tokens .* have no price/);
    expect(result.stderr).toMatch(/within limits/);
  });

  it('warns above --warn-at without failing', async () => {
    // 94% ≥ 90%.
    const result = await runBudget([...BASE, '--max-cost', '10', '--warn-at', '0.9']);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ status: 'warn', exit_code: 0, warnings: 1 });
    expect(result.stderr).toMatch(/warning: budget nearly used: the whole range: cost \$9\.40 \(lower bound\) of max \$10\.00 \(94%\)/);
  });

  it('fails with exit 3 on a breach', async () => {
    // $9.40 > $9.
    const result = await runBudget([...BASE, '--max-cost', '9']);
    expect(result.code).toBe(3);
    expect(result.json).toMatchObject({ status: 'breach', exit_code: 3, breaches: 1 });
    expect(result.stderr).toMatch(/budget breached: the whole range: cost \$9\.40/);
  });

  it('checks each month and model separately', async () => {
    const result = await runBudget([...BASE, '--max-cost', '4', '--period', 'month', '--by', 'model']);
    // November alpha: $0.40 + $5 = $5.40 > $4 (breach); October alpha $2; November beta $2; November gamma unknown.
    expect(result.code).toBe(3);
    const checks = result.json?.checks.map((check) => [check.period, check.group, check.cost_usd, check.status]);
    expect(checks).toEqual(
      expect.arrayContaining([
        ['2026-11', 'test-alpha', 5.4, 'breach'],
        ['2026-11', 'test-beta', 2, 'ok'],
        ['2026-11', 'test-gamma', null, 'ok'],
        ['2026-10', 'test-alpha', 2, 'ok'],
      ]),
    );
    expect(checks).toHaveLength(4);
    expect(result.stderr).toMatch(/budget breached: model test-alpha, month 2026-11/);
  });

  it('treats a token limit as inclusive: exactly at the limit passes, one above breaches', async () => {
    // The largest week (Mon Nov 9) holds exactly 4,000,000 tokens.
    const at = await runBudget(['budget', LOG, '--max-tokens', '4000000', '--period', 'week']);
    expect(at.code).toBe(0);
    expect(at.json?.checks.map((check) => [check.period, check.total_tokens, check.tokens_fraction])).toEqual(
      expect.arrayContaining([
        ['2026-11-09', 4_000_000, 1],
        // 451,500 / 4,000,000 = 0.112875.
        ['2026-11-02', 451_500, 0.112875],
        ['2026-10-26', 1_500_000, 0.375],
      ]),
    );
    const above = await runBudget(['budget', LOG, '--max-tokens', '3999999', '--period', 'week']);
    expect(above.code).toBe(3);
    // A token budget does not depend on prices, so there is no warning about them.
    expect(above.stderr).not.toMatch(/no price/);
  });

  it('groups by project, with usage that names none under "(no project)"', async () => {
    const result = await runBudget(['budget', LOG, '--max-tokens', '10000000', '--by', 'project']);
    // atlas: 1,500,000 + 300,000; borealis: 150,000 + 1,500; none: 4,000,000.
    expect(result.json?.checks.map((check) => [check.group, check.total_tokens])).toEqual([
      ['(no project)', 4_000_000],
      ['atlas', 1_800_000],
      ['borealis', 151_500],
    ]);
  });

  it('writes the checks as CSV a parser can read', async () => {
    const result = await runCli([...BASE, '--max-tokens', '2000000', '--period', 'month', '--csv']);
    // October 1,500,000 ≤ 2,000,000; November 4,451,500 > 2,000,000.
    expect(result.code).toBe(3);
    const rows = parse(result.stdout, { columns: true }) as Array<Record<string, string>>;
    const byPeriod = Object.fromEntries(rows.map((row) => [row['period'], [row['total_tokens'], row['status']]]));
    expect(byPeriod).toEqual({ '2026-10': ['1500000', 'ok'], '2026-11': ['4451500', 'breach'] });
  });

  it('prints a table, Markdown and NDJSON too', async () => {
    const table = await runCli([...BASE, '--max-cost', '9']);
    expect(table.code).toBe(3);
    expect(table.stdout).toMatch(/Budget: max \$9\.00 in the whole range/);
    // The cost leaves out gamma's 1,500 unpriced tokens: a lower bound.
    expect(table.stdout).toMatch(/all .* ≥\$9\.40 │ +1,500 │.*breach/);
    const markdown = await runCli([...BASE, '--max-cost', '9', '--markdown']);
    expect(markdown.stdout).toMatch(/\| all \| yes \| ≥\$9\.40 \| 1,500 \|.*\| breach \|/);
    // October alone is fully priced: no mark, and CSV still says how much was unpriced.
    const october = await runCli([...BASE, '--max-cost', '9', '--period', 'month', '--since', '2026-10-01', '--until', '2026-10-31']);
    expect(october.stdout).toMatch(/│ 2026-10 .*│ +\$2\.00 │/);
    const csv = await runCli([...BASE, '--max-cost', '9', '--period', 'month', '--since', '2026-10-01', '--until', '2026-10-31', '--csv']);
    const rows = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((row) => [row['period'], row['cost_usd'], row['unpriced_tokens']])).toEqual([['2026-10', '2', '0']]);
    const ndjson = await runCli([...BASE, '--max-cost', '9', '--ndjson']);
    expect(JSON.parse(ndjson.stdout.trim())).toMatchObject({ section: 'budget', period: 'all', status: 'breach' });
  });

  it.each([
    [[], /needs a limit/],
    [['--max-cost', 'lots'], /--max-cost "lots"/],
    [['--max-cost', '-1'], /--max-cost "-1"/],
    [['--max-tokens', '1.5'], /--max-tokens "1.5"/],
    [['--max-cost', '5', '--period', 'year'], /--period "year"/],
    [['--max-cost', '5', '--by', 'session'], /--by "session"/],
    [['--max-cost', '5', '--warn-at', '80'], /--warn-at "80"/],
  ])('exits 2 for bad flags: %j', async (flags, message) => {
    const result = await runCli(['budget', LOG, ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('refuses a missing limit before reading anything: no cache folder is created', async () => {
    const cacheDirectory = join(mkdtempSync(join(tmpdir(), 'usage-budget-cache-')), 'cache');
    const result = await runCli(['budget', LOG, '--cache-dir', cacheDirectory]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/needs a limit/);
    expect(existsSync(cacheDirectory)).toBe(false);
  });

  it('takes budgets from the config file when flags are absent; flags override it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'usage-cwd-'));
    writeFileSync(join(cwd, 'usage.config.json'), JSON.stringify({ paths: [LOG], budgets: { maxTokens: 2_000_000, period: 'month' } }));
    // November's 4,451,500 tokens exceed the config's 2,000,000 per month.
    const fromConfig = await runBudget(['budget'], { cwd });
    expect(fromConfig.code).toBe(3);
    expect(fromConfig.json?.limits).toMatchObject({ max_tokens: 2_000_000, period: 'month' });
    // --period all with the config's limit: 5,951,500 > 2,000,000, still a breach; --max-tokens 6,000,000 passes.
    const overridden = await runBudget(['budget', '--max-tokens', '6000000', '--period', 'all'], { cwd });
    expect(overridden.code).toBe(0);
    expect(overridden.json?.limits).toMatchObject({ max_tokens: 6_000_000, period: 'all' });
  });
});

function priced(iso: string, model: string, tokens: number, cost: number | null): PricedRecord {
  const record = createRecord({ dialect: 'provider', timestamp: Date.parse(iso), model, cacheReported: false }, { inputTokens: tokens, outputTokens: 0 });
  return { ...record, costUsd: cost, calculatedCostUsd: cost, costSource: cost === null ? 'unknown' : 'calculated' };
}

const LIMITS: BudgetLimits = { maxCost: 10, maxTokens: null, period: 'all', by: null, warnAt: null };

describe('budget evaluation', () => {
  it('breaches strictly above the limit and warns at or above warnAt × limit', () => {
    const totals = (cost: number) => ({ ...createTokenTotals(), records: 1, costUsd: cost });
    expect(evaluateCheck(totals(10), LIMITS).status).toBe('ok');
    expect(evaluateCheck(totals(10.000001), LIMITS).status).toBe('breach');
    // 0.1 + 0.2 is 0.30000000000000004 in floating point; compared as shown (6 decimals) it is at, not over, $0.30.
    expect(evaluateCheck(totals(0.1 + 0.2), { ...LIMITS, maxCost: 0.3 }).status).toBe('ok');
    // 8 / 10 = 0.8 ≥ 0.8.
    expect(evaluateCheck(totals(8), { ...LIMITS, warnAt: 0.8 })).toMatchObject({ status: 'warn', costFraction: 0.8 });
    expect(evaluateCheck(totals(7.99), { ...LIMITS, warnAt: 0.8 }).status).toBe('ok');
    // A zero budget has no fraction, and any spend breaches it.
    expect(evaluateCheck(totals(0.01), { ...LIMITS, maxCost: 0 })).toMatchObject({ status: 'breach', costFraction: null });
  });

  it('lists the current period first, then the rest newest first, and the verdict is the worst check', () => {
    const limits: BudgetLimits = { ...LIMITS, maxCost: 3, period: 'month', warnAt: 0.5 };
    const state = reduceAll(createBudgetReducer(limits, 'UTC'), [
      priced('2026-09-10T00:00:00Z', 'a', 10, 4),
      priced('2026-10-10T00:00:00Z', 'a', 10, 1),
      priced('2026-11-10T00:00:00Z', 'a', 10, 2),
      priced('2026-11-11T00:00:00Z', 'b', 10, null),
    ]);
    const result = checkBudget(state, limits, 'UTC', new Date('2026-10-20T12:00:00Z'));
    expect(result.currentPeriod).toBe('2026-10');
    // Oct $1 (33%, ok), Nov $2 known (67%, warn) with 10 unpriced tokens, Sep $4 (breach).
    expect(result.checks.map((check) => [check.period, check.current, check.knownCost, check.status])).toEqual([
      ['2026-10', true, 1, 'ok'],
      ['2026-11', false, 2, 'warn'],
      ['2026-09', false, 4, 'breach'],
    ]);
    expect(result.status).toBe('breach');
    expect(result.unpricedTokens).toBe(10);
    expect(result.unpricedModels).toEqual([{ model: 'b', records: 1, tokens: 10 }]);
  });

  it('fills limits from flags first, then the config file, and needs one', async () => {
    const home = createHome();
    writeFileSync(join(home, 'usage.config.json'), JSON.stringify({ budgets: { maxTokens: 100, period: 'month', by: 'project', warnAt: 0.5 } }));
    const configured = await runBudget(['budget', LOG, '--period', 'day'], { home });
    expect(configured.json?.limits).toEqual({ max_cost_usd: null, max_tokens: 100, period: 'day', by: 'project', warn_at: 0.5 });
    const none = await runCli(['budget', LOG]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs a limit/);
  });
});

describe('usage budget --by agent', () => {
  it('checks each agent separately', async () => {
    // fixtures/logs/claude and fixtures/logs/codex: two agents, each its own check; a token limit of 1 breaches both.
    const result = await runCli(['budget', fixture('logs', 'claude'), fixture('logs', 'codex'), '--max-tokens', '1', '--by', 'agent', '--json', '--no-cache']);
    expect(result.code).toBe(3);
    const verdict = JSON.parse(result.stdout) as { checks: Array<{ group: string; status: string }> };
    expect(verdict.checks.map((check) => check.group).sort()).toEqual(['claude-code', 'codex']);
    expect(verdict.checks.every((check) => check.status === 'breach')).toBe(true);
  });
});
