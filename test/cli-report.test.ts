/**
 * `usage report` through the real binary (build first: npx tsc -p
 * tsconfig.build.json). The expected figures are the sums of the per-dialect
 * totals worked out by hand in test/dialects.test.ts.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverFiles } from '../src/sources/discover.js';
import { createHome, fixture, runCli } from './helpers/cli.js';

const DIALECT_FOLDERS = ['bamboo', 'claude', 'codex', 'jcode', 'kernex', 'lash', 'provider', 'thane'];

/** The eight dialect fixtures in one folder, without the fixtures other tests keep beside them. */
function copyDialectFixtures(): string {
  const directory = mkdtempSync(join(tmpdir(), 'usage-mixed-'));
  for (const folder of DIALECT_FOLDERS) cpSync(fixture('logs', folder), join(directory, folder), { recursive: true });
  return directory;
}

interface ReportJson {
  totals: Record<string, number | null>;
  skipped: { lines: number; reasons: Record<string, number> };
  no_usage_lines: number;
  duplicate_lines: number;
  partial_lines: number;
  excluded: { out_of_range: number; undated: number };
  sources: { files: number; lines: number };
  dialects: Record<string, number>;
}

function tokenFields(totals: ReportJson['totals']) {
  const { cost_usd: _cost, unpriced_tokens: _unpriced, ...tokens } = totals;
  return tokens;
}

// Per dialect (records · total), from test/dialects.test.ts:
//   claude 5 · 23857, codex 5 · 17350, bamboo 4 · 24370, jcode 5 · 41650 (8 calls),
//   lash 5 · 63710, kernex 5 · 5400, thane 4 · 26150, provider 8 · 34563
const ALL = {
  // 5+5+4+5+5+5+4+8
  records: 41,
  // every record is one call except jcode's 5 turns, which hold 8: 41 − 5 + 8
  calls: 44,
  // 387 + 5776 + 1830 + 9400 + 9950 + 650 + 4450 + 5757
  input_tokens: 38200,
  // 1070 + 1550 + 1940 + 2250 + 3260 + 200 + 1700 + 3398
  output_tokens: 15368,
  // 0 + 850 + 1060 + 300 + 1700 + 0 + 0 + 1124
  reasoning_tokens: 5034,
  // 18000 + 10024 + 12300 + 27000 + 49300 + 1300 + 14000 + 21608
  cache_read_tokens: 153532,
  // 4400 + 0 + 8300 + 3000 + 1200 + 200 + 6000 + 3800
  cache_write_tokens: 26900,
  // claude 2900 + thane 3000 + provider 1800
  cache_write_5m_tokens: 7700,
  // claude 1500 + thane 2500
  cache_write_1h_tokens: 4000,
  // kernex only
  unattributed_tokens: 3050,
  // 38200 + 15368 + 153532 + 26900 + 3050 (= 23857+17350+24370+41650+63710+5400+26150+34563)
  total_tokens: 237050,
};

let mixed: string;

beforeAll(() => {
  mixed = copyDialectFixtures();
});

describe('usage report on several dialects at once', () => {
  it('totals every token field and accounts for every line', async () => {
    const result = await runCli(['report', mixed, '--json']);
    expect(result.stderr).toMatch(/skipped 25 malformed lines/);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ReportJson;
    expect(tokenFields(report.totals)).toEqual(ALL);
    // Malformed, per dialect: claude 3, codex 2, bamboo 5, jcode 3, lash 3, kernex 3, thane 3, provider 4 = 26,
    // less provider's {"level":"info",...} line, which names no usage field and so is not parsed
    // by report (validate lists it as unknown_dialect): 25.
    expect(report.skipped).toEqual({
      lines: 25,
      reasons: {
        // claude, codex, jcode, provider
        invalid_json: 4,
        // bamboo "not a time", thane "yesterday"
        invalid_timestamp: 2,
        // claude 1, codex 1, bamboo 2, jcode 1, lash 1, kernex 1, thane 1, provider 2
        negative_or_non_integer_tokens: 10,
        // kernex's array line
        not_an_object: 1,
        // claude, bamboo, jcode, lash, kernex, thane
        schema: 6,
        // bamboo's budget_probe, lash's line without buckets
        unknown_dialect: 2,
      },
    });
    // claude 7 + codex 9 + provider 2 (the OTel span without usage and the plain log line)
    expect(report.no_usage_lines).toBe(18);
    // claude 2 + codex 1
    expect(report.duplicate_lines).toBe(3);
    // claude's unfinished last line
    expect(report.partial_lines).toBe(1);
    // claude 3 + codex 2 + one each for the six others; bamboo's session.json is not a log
    // lines: claude 18 + codex 17 + bamboo 9 + jcode 8 + lash 8 + kernex 8 + thane 7 + provider 13 = 88
    expect(report.sources).toMatchObject({ files: 11, lines: 88 });
    expect(report.dialects).toEqual({ bamboo: 4, claude: 5, codex: 5, jcode: 5, kernex: 5, lash: 5, provider: 8, thane: 4 });
    expect(report.excluded).toEqual({ out_of_range: 0, undated: 0 });
  });

  it('reads the same data piped on stdin with the same totals', async () => {
    const { sources } = await discoverFiles([mixed]);
    // Each file ends in a newline when concatenated, as `cat` of finished files would.
    const input = sources
      .map((source) => (source.kind === 'file' ? readFileSync(source.path, 'utf8') : ''))
      .map((text) => (text.endsWith('\n') ? text : `${text}\n`))
      .join('');
    const result = await runCli(['report', '-', '--json'], { input });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ReportJson;
    expect(tokenFields(report.totals)).toEqual(ALL);
    // Claude's unfinished line is now followed by more input: it is broken, not partial (4 + 1 invalid_json).
    expect(report.skipped.lines).toBe(26);
    expect(report.skipped.reasons['invalid_json']).toBe(5);
    expect(report.partial_lines).toBe(0);
    expect(report.duplicate_lines).toBe(3);
    expect(report.sources.files).toBe(1);
  });

  it('demo: reads the whole fixtures folder', async () => {
    const result = await runCli(['report', fixture('logs')]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/claude-sonnet-4-5-20250929/);
    expect(result.stdout).toMatch(/gpt-5-codex/);
  });
});

describe('date ranges', () => {
  it('--since/--until (YYYY-MM-DD) keep November and leave out October and undated records', async () => {
    const result = await runCli(['report', mixed, '--since', '2026-11-01', '--until', '2026-11-30', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ReportJson;
    // Out of range (all in October, UTC): claude msg_01D (20 in, 500 out, 1000 1h write = 1520),
    // both records of the 10-28 Codex rollout (1500 in/300 out/200 reasoning; 476 in/1024 read/300 out/150 reasoning),
    // jcode acme-large-2 (3000 in, 400 out), lash opus (50 in, 2000 out, 1500 reasoning, 30000 read),
    // kernex llama3.2 (2000 unattributed) = 6; undated: kernex sess-undated (300 in, 100 out) = 1
    expect(report.excluded).toEqual({ out_of_range: 6, undated: 1 });
    expect(tokenFields(report.totals)).toEqual({
      records: 41 - 7,
      calls: 44 - 7,
      // 38200 − (20 + 1500 + 476 + 3000 + 50 + 300)
      input_tokens: 32854,
      // 15368 − (500 + 300 + 300 + 400 + 2000 + 100)
      output_tokens: 11768,
      // 5034 − (200 + 150 + 1500)
      reasoning_tokens: 3184,
      // 153532 − (1024 + 30000)
      cache_read_tokens: 122508,
      // 26900 − 1000
      cache_write_tokens: 25900,
      cache_write_5m_tokens: 7700,
      // 4000 − 1000
      cache_write_1h_tokens: 3000,
      // 3050 − 2000
      unattributed_tokens: 1050,
      // 32854 + 11768 + 122508 + 25900 + 1050
      total_tokens: 194080,
    });
  });

  it('accepts YYYYMMDD and treats --until as inclusive', async () => {
    // lash: only the opus turn (2026-10-31T23:30Z, 32050 tokens) is before November.
    const since = JSON.parse((await runCli(['report', fixture('logs', 'lash'), '--since', '20261101', '--json'])).stdout) as ReportJson;
    // 63710 − 32050
    expect(since.totals['total_tokens']).toBe(31660);
    expect(since.excluded.out_of_range).toBe(1);
    const until = JSON.parse((await runCli(['report', fixture('logs', 'lash'), '--until', '20261031', '--json'])).stdout) as ReportJson;
    expect(until.totals['total_tokens']).toBe(32050);
    expect(until.excluded.out_of_range).toBe(4);
  });

  it('--until before --since is a usage error', async () => {
    const result = await runCli(['report', fixture('logs', 'lash'), '--since', '2026-11-10', '--until', '2026-11-01']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--until 2026-11-01 is before --since 2026-11-10/);
  });

  it('a date that is not a date is a usage error', async () => {
    const result = await runCli(['report', fixture('logs', 'lash'), '--since', '2026-02-30']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--since "2026-02-30" is not a date/);
  });
});

describe('paths', () => {
  it('a missing path alone: exit 2 and one line naming it', async () => {
    const missing = join(tmpdir(), 'usage-definitely-missing', 'logs');
    const result = await runCli(['report', missing]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(missing);
  });

  it('a missing path next to a readable one: the readable one is reported, then a warning and exit 1', async () => {
    const missing = join(tmpdir(), 'usage-definitely-missing.jsonl');
    const result = await runCli(['report', missing, fixture('logs', 'kernex'), '--json']);
    // Unreadable input never ends in 0 (docs: Exit codes).
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`warning: .*${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    // kernex: 1500 + 800 + 700 + 2000 + 400
    expect((JSON.parse(result.stdout) as ReportJson).totals['total_tokens']).toBe(5400);
  });

  it('a symlink loop inside a directory does not hang the walk', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'usage-loop-'));
    mkdirSync(join(directory, 'logs'));
    writeFileSync(join(directory, 'logs', 'events.jsonl'), '{"ts":1793959200,"model":"gpt-4o","prompt":100,"completion":10,"total":110}\n');
    symlinkSync(directory, join(directory, 'logs', 'back-to-top'));
    symlinkSync(join(directory, 'logs'), join(directory, 'logs', 'itself'));
    const result = await runCli(['report', directory, '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as ReportJson;
    // One file, read once, however many links lead to it: 100 + 10.
    expect(report.sources.files).toBe(1);
    expect(report.totals['total_tokens']).toBe(110);
  });
});

describe('--strict', () => {
  it('stops at the first malformed line with file:line: reason and exit 1', async () => {
    const path = fixture('logs', 'thane', 'usage.jsonl');
    const result = await runCli(['report', path, '--strict', '--json']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${path}:5: negative_or_non_integer_tokens`);
  });

  it('passes a clean file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'usage-clean-'));
    writeFileSync(join(directory, 'events.jsonl'), '{"ts":1793959200,"model":"gpt-4o","prompt":100,"completion":10,"total":110}\n');
    const result = await runCli(['report', directory, '--strict', '--json']);
    expect(result.code).toBe(0);
  });
});

describe('default locations', () => {
  it('with no path, reads ~/.claude/projects and says so on stderr', async () => {
    const home = createHome();
    const project = join(home, '.claude', 'projects', '-home-dev-webapp');
    mkdirSync(project, { recursive: true });
    cpSync(fixture('logs', 'claude', 'projects', '-home-dev-api', '9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e.jsonl'), join(project, 's.jsonl'));
    const result = await runCli(['report', '--json'], { home });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(join(home, '.claude', 'projects'));
    // Every other agent with a default home is named once as found empty; Claude Code is not among them.
    const missing = result.stderr.split('\n').find((line) => line.startsWith('No logs found for '));
    expect(missing).toContain('Codex');
    expect(missing).toContain('Gemini CLI');
    expect(missing).not.toContain('Claude Code');
    const quiet = await runCli(['report', '--json', '-q'], { home });
    expect(quiet.stderr).toBe('');
    const report = JSON.parse(result.stdout) as ReportJson;
    // The api transcript alone: msg_01A's 40-output copy (12 + 40 + 8000 + 2000 = 10052) and msg_02A (300 + 80 = 380).
    expect(report.totals['total_tokens']).toBe(10432);
  });

  it('with nothing there, exit 2 and a message on how to pass a path', async () => {
    const result = await runCli(['report']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Pass a file or directory/);
    expect(result.stderr).toMatch(/ - for stdin/);
  });
});

describe('costs that leave out unpriced usage', () => {
  // fixtures/cases/periods (see test/cli-periods.test.ts): alpha $7.40, beta $2.00, gamma 1,500 tokens without a price.
  const args = ['report', fixture('cases', 'periods', 'usage.jsonl'), '--pricing', fixture('cases', 'periods', 'prices.json'), '--until', '2026-11-10', '--trend-days', '9'];

  it('are lower bounds (≥) in the model and trend tables; an unknown cost is ?', async () => {
    const result = await runCli(args);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/│ test-alpha .* \$7\.40 │/);
    expect(result.stdout).toMatch(/│ test-gamma .* \? │/);
    expect(result.stdout).toMatch(/│ total .* ≥\$9\.40 │/);
    // The trend: Nov 2 is fully priced ($2.40), Nov 3 is only gamma.
    expect(result.stdout).toMatch(/│ 2026-11-02 .* \$2\.40 │/);
    expect(result.stdout).toMatch(/│ 2026-11-03 .* \? │/);
    // By project: borealis holds beta ($2) and gamma.
    expect(result.stdout).toMatch(/│ borealis .* ≥\$2\.00 │/);
  });

  it('are marked in Markdown too, and CSV carries the unpriced tokens', async () => {
    const markdown = await runCli([...args, '--markdown']);
    expect(markdown.stdout).toContain('| **total** | **5** | **4.3M** | **1.7M** | **0** | **0** | **6.0M** | **≥$9.40** | **100.0%** |');
    const csv = await runCli([...args, '--csv']);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]?.split(',').at(-1)).toBe('unpriced_tokens');
    expect(lines.at(-1)).toMatch(/^total,.*,9\.4,.*,1500$/);
  });
});

describe('usage report by agent', () => {
  interface AgentsJson {
    totals: { records: number; total_tokens: number };
    agents: Array<{ agent: string; records: number; total_tokens: number }>;
    days: Array<{ date: string; total_tokens: number; agents: Array<{ agent: string; total_tokens: number }> }>;
  }
  const readJson = async (args: string[]) => JSON.parse((await runCli([...args, '--json', '--no-cache'])).stdout) as AgentsJson;

  it('splits by the agent that wrote each log: each share equals that agent read alone', async () => {
    const claude = await readJson(['report', fixture('logs', 'claude')]);
    const codex = await readJson(['report', fixture('logs', 'codex')]);
    const both = await readJson(['report', fixture('logs', 'claude'), fixture('logs', 'codex')]);
    expect(both.agents.map((row) => row.agent).sort()).toEqual(['claude-code', 'codex']);
    const share = (agent: string) => both.agents.find((row) => row.agent === agent);
    expect(share('claude-code')).toMatchObject({ records: claude.totals.records, total_tokens: claude.totals.total_tokens });
    expect(share('codex')).toMatchObject({ records: codex.totals.records, total_tokens: codex.totals.total_tokens });
    // Every day's agents add up to the day.
    for (const day of both.days) expect(day.agents.reduce((sum, row) => sum + row.total_tokens, 0)).toBe(day.total_tokens);
  });

  it('prints the By agent table only when more than one agent is present', async () => {
    expect((await runCli(['report', fixture('logs', 'claude'), '--no-cache'])).stdout).not.toContain('By agent');
    expect((await runCli(['report', fixture('logs', 'claude'), fixture('logs', 'codex'), '--no-cache'])).stdout).toContain('By agent');
  });
});
