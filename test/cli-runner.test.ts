/**
 * The CLI edge shared by every command (src/cli/runner.ts, flags.ts, dates.ts):
 * flags refused by commands that do not take them, one parse per flag, the
 * exit-code table, stderr sanitising, relative dates, nested commands. Runs
 * in-process through main(argv, context), except the few cases only a real
 * process shows (a closed pipe, a full disk, a closed stderr).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DateExpression, parseDateExpression } from '../src/cli/dates.js';
import { maxCost, maxTokens, warnAt } from '../src/cli/flags.js';
import { COMMAND_PATHS, loadCommandSpecs } from '../src/cli/commands.js';
import { EXIT_CODES, exitCodeForVerdict } from '../src/core/errors.js';
import { BIN, createHome, fixture, hermeticEnv, runCli } from './helpers/cli.js';

const LOG = fixture('cases', 'periods', 'usage.jsonl');
const PRICES = fixture('cases', 'periods', 'prices.json');

function writeLog(lines: unknown[]): string {
  const folder = mkdtempSync(join(tmpdir(), 'usage-runner-'));
  const path = join(folder, 'usage.jsonl');
  writeFileSync(path, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
  return path;
}

describe('flags a command does not take', () => {
  it('validate refuses --strict and --pricing with one sentence, exit 2', async () => {
    const result = await runCli(['validate', fixture('logs', 'kernex'), '--strict', '--pricing', '/nonexistent']);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("error: usage validate does not take --strict\n(run `usage validate --help` for its flags)\n");
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('pricing refuses reading flags unless --unknown reads logs', async () => {
    const result = await runCli(['pricing', 'gpt-5', '--since', 'today', '--strict']);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toBe('error: --since, --strict only apply to reading logs: use them with --unknown [paths].\n');
  });

  it('cache clear refuses output flags', async () => {
    const result = await runCli(['cache', 'clear', '--json']);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toMatch(/^error: usage cache clear does not take --json\n/);
  });

  it('every registered flag is declared once per command and every spec has a summary', async () => {
    const specs = await loadCommandSpecs();
    // A spec's file is its command path, which is how `usage <command>` loads only that spec.
    expect(specs.map((spec) => (spec.parent ? `${spec.parent}-${spec.name}` : spec.name))).toEqual([...COMMAND_PATHS]);
    expect((await loadCommandSpecs('cache')).map((spec) => spec.name)).toEqual(['cache', 'clear']);
    for (const spec of specs) {
      expect(spec.summary.length, spec.name).toBeGreaterThan(10);
      const syntaxes = Object.values(spec.flags).map((flag) => /--[\w-]+/.exec(flag.syntax)?.[0]);
      expect(new Set(syntaxes).size, spec.name).toBe(syntaxes.length);
    }
  });
});

describe('numbers are plain decimals', () => {
  it('refuses hexadecimal, exponents, Infinity and blanks for --max-cost', () => {
    const parse = maxCost.parse ?? (() => undefined);
    for (const text of ['0x10', '1e3', 'Infinity', ' ', '-1', '+5', '1,5']) {
      expect(() => parse(text), text).toThrow(/--max-cost .* is not valid/);
    }
    expect(parse('16')).toBe(16);
    expect(parse('0.25')).toBe(0.25);
  });

  it('--max-tokens wants a whole number, --warn-at a fraction above 0', () => {
    expect(() => maxTokens.parse?.('1.5')).toThrow(/whole number/);
    expect(maxTokens.parse?.('5000000')).toBe(5_000_000);
    expect(() => warnAt.parse?.('0')).toThrow(/fraction/);
    expect(() => warnAt.parse?.('1.01')).toThrow(/fraction/);
    expect(warnAt.parse?.('0.8')).toBe(0.8);
  });

  it('`usage budget --max-cost 0x10` is refused before anything is read', async () => {
    const result = await runCli(['budget', LOG, '--max-cost', '0x10']);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toBe('error: --max-cost "0x10" is not valid: use an amount in US dollars, e.g. 25.\n');
  });
});

describe('the config file', () => {
  it('is read with a UTF-8 byte-order mark', async () => {
    const home = createHome();
    writeFileSync(join(home, 'usage.config.json'), `\ufeff${JSON.stringify({ budgets: { maxTokens: 10 } })}`);
    const result = await runCli(['budget', LOG, '--json'], { home });
    // 5,951,500 tokens (test/cli-budget.test.ts) > 10.
    expect(result.code).toBe(EXIT_CODES.budgetBreach);
    expect(JSON.parse(result.stdout).limits.max_tokens).toBe(10);
  });

  it('gives budget its limits, and a flag wins over it', async () => {
    const home = createHome();
    writeFileSync(join(home, 'usage.config.json'), JSON.stringify({ budgets: { maxTokens: 10, period: 'month' } }));
    const result = await runCli(['budget', LOG, '--max-tokens', '100000000', '--json'], { home });
    expect(result.code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(result.stdout).limits).toMatchObject({ max_tokens: 100_000_000, period: 'month' });
  });
});

describe('the exit-code table', () => {
  it('maps verdicts, and unreadable input never ends in 0 but keeps a breach', () => {
    expect(exitCodeForVerdict('ok', false)).toBe(0);
    expect(exitCodeForVerdict('no', false)).toBe(4);
    expect(exitCodeForVerdict('breach', false)).toBe(3);
    expect(exitCodeForVerdict('ok', true)).toBe(1);
    expect(exitCodeForVerdict('no', true)).toBe(1);
    expect(exitCodeForVerdict('breach', true)).toBe(3);
  });

  it('budget within limits but with an unreadable file: report printed, warning, exit 1; a breach stays 3', async () => {
    // Not gzip data under a .gz name: opening it fails, whoever runs the test (chmod would not stop root).
    const folder = mkdtempSync(join(tmpdir(), 'usage-unreadable-'));
    const broken = join(folder, 'broken.jsonl.gz');
    writeFileSync(broken, 'not gzip at all');
    const result = await runCli(['budget', LOG, broken, '--max-cost', '1000', '--pricing', PRICES, '--json', '--no-cache']);
    expect(result.code).toBe(EXIT_CODES.runtime);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'ok', exit_code: 1 });
    expect(result.stderr).toMatch(/^warning: skipped .*broken\.jsonl\.gz: /m);
    // $9.40 known (test/cli-budget.test.ts) > $1.
    const breach = await runCli(['budget', LOG, broken, '--max-cost', '1', '--pricing', PRICES, '--json', '--no-cache']);
    expect(breach.code).toBe(EXIT_CODES.budgetBreach);
    expect(JSON.parse(breach.stdout)).toMatchObject({ status: 'breach', exit_code: 3 });
  });
});

describe('stderr is safe from log text', () => {
  it('a project named with an OSC sequence reaches the breach line with its escapes made visible', async () => {
    const hostile = 'evil\u001b]0;pwned\u0007\u001b[2Jname';
    const log = writeLog([
      { model: 'test-alpha', timestamp: '2026-11-02T03:00:00Z', project: hostile, usage: { input_tokens: 100, output_tokens: 10 } },
    ]);
    const result = await runCli(['budget', log, '--max-tokens', '1', '--by', 'project', '--no-cache']);
    expect(result.code).toBe(EXIT_CODES.budgetBreach);
    expect(result.stderr).toContain('budget breached: project evil\\u001B]0;pwned\\u0007\\u001B[2Jname, ');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escapes is the point.
    expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });

  it('a file name with escapes is shown inert in the --strict error', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-hostile-'));
    const path = join(folder, 'bad\u001b[31mred.jsonl');
    writeFileSync(path, '{"model":"x","usage":{"input_tokens":-1,"output_tokens":1}}\n');
    const result = await runCli(['report', path, '--strict', '--no-cache']);
    expect(result.code).toBe(EXIT_CODES.runtime);
    expect(result.stderr).toContain('bad\\u001B[31mred.jsonl');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escapes is the point.
    expect(result.stderr).not.toMatch(/\u001b/);
  });
});

describe('the unknown-price warning', () => {
  // Eleven models no price data knows, 1 token each more than the one before.
  const log = writeLog(
    Array.from({ length: 11 }, (_, index) => ({
      model: `mystery-${String(index).padStart(2, '0')}`,
      timestamp: '2026-11-02T03:00:00Z',
      usage: { input_tokens: index + 1, output_tokens: 0 },
    })),
  );

  it('lists ten models, then points at unpriced_models where the command prints it', async () => {
    const result = await runCli(['cost', log, '--no-cache']);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning: '));
    expect(warnings).toHaveLength(11);
    // Most tokens first: mystery-10 (11 tokens) … mystery-01 (2 tokens); mystery-00 is the one left over.
    expect(warnings[0]).toMatch(/"mystery-10"/);
    expect(warnings[10]).toBe('warning: and 1 more models with unknown cost (listed under unpriced_models in --json).');
    const json = JSON.parse((await runCli(['cost', log, '--no-cache', '--json'])).stdout);
    expect(json.unpriced_models).toHaveLength(11);
  });

  it('points at usage pricing --unknown where the command prints no such key', async () => {
    const result = await runCli(['daily', log, '--no-cache', '--json']);
    expect(JSON.parse(result.stdout)).not.toHaveProperty('unpriced_models');
    expect(result.stderr).toMatch(/and 1 more models with unknown cost \(run `usage pricing --unknown` with the same paths to list them\)\./);
  });
});

describe('--html', () => {
  const readPageData = (page: string) => {
    const match = /<script type="application\/json" id="usage-data">(.*?)<\/script>/s.exec(page);
    return JSON.parse(match?.[1] ?? 'null');
  };

  it('writes the page to a file and still prints the table', async () => {
    const home = createHome();
    const result = await runCli(['cost', LOG, '--pricing', PRICES, '--html', 'cost.html', '--no-cache'], { home });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Cost by model/);
    const page = readFileSync(join(home, 'cost.html'), 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    // The page embeds the very document --json prints.
    const json = JSON.parse((await runCli(['cost', LOG, '--pricing', PRICES, '--json', '--no-cache'], { home })).stdout);
    expect(readPageData(page)).toEqual(json);
  });

  it('- prints only the page; with a machine format it is refused', async () => {
    const page = await runCli(['budget', LOG, '--max-cost', '1', '--pricing', PRICES, '--html', '-', '--no-cache']);
    // $9.40 > $1: the breach still decides the exit code.
    expect(page.code).toBe(EXIT_CODES.budgetBreach);
    expect(page.stdout.startsWith('<!doctype html>')).toBe(true);
    expect(readPageData(page.stdout)).toMatchObject({ kind: 'budget', status: 'breach' });
    const both = await runCli(['report', LOG, '--html', '-', '--json']);
    expect(both.code).toBe(EXIT_CODES.usage);
    expect(both.stderr).toMatch(/^error: --html - prints the page on stdout and cannot be combined with --json/);
  });

  it('only report, cost and budget take it', async () => {
    const result = await runCli(['daily', LOG, '--html', 'x.html']);
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.stderr).toMatch(/^error: usage daily does not take --html/);
  });
});

describe('one label for a missing project', () => {
  it('cost --by project says (no project), like every other command', async () => {
    const log = writeLog([{ model: 'test-alpha', timestamp: '2026-11-02T03:00:00Z', usage: { input_tokens: 100, output_tokens: 10 } }]);
    const result = await runCli(['cost', log, '--by', 'project', '--json', '--no-cache']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).rows[0].project).toBe('(no project)');
  });
});

describe('relative dates', () => {
  // Sunday 2026-11-15 in UTC; weeks start on Monday unless told otherwise.
  const today = { year: 2026, month: 11, day: 15 };
  const settle = (expression: DateExpression, edge: 'start' | 'end', start: 'monday' | 'sunday' = 'monday') => {
    const date = expression.resolve(edge, today, start);
    return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
  };

  it('reads every documented form', () => {
    expect(settle(parseDateExpression('--since', '2026-11-01'), 'start')).toBe('2026-11-01');
    expect(settle(parseDateExpression('--since', '20261101'), 'start')).toBe('2026-11-01');
    expect(settle(parseDateExpression('--since', 'today'), 'start')).toBe('2026-11-15');
    expect(settle(parseDateExpression('--since', 'yesterday'), 'start')).toBe('2026-11-14');
    // 7d: today and the six days before it, 15 − 6 = 9.
    expect(settle(parseDateExpression('--since', '7d'), 'start')).toBe('2026-11-09');
    expect(settle(parseDateExpression('--since', '1d'), 'start')).toBe('2026-11-15');
    // The Monday on or before Sunday the 15th is the 9th; that week ends on Sunday the 15th.
    expect(settle(parseDateExpression('--since', 'this-week'), 'start')).toBe('2026-11-09');
    expect(settle(parseDateExpression('--until', 'this-week'), 'end')).toBe('2026-11-15');
    // Weeks starting on Sunday: the 15th itself, through Saturday the 21st.
    expect(settle(parseDateExpression('--since', 'this-week'), 'start', 'sunday')).toBe('2026-11-15');
    expect(settle(parseDateExpression('--until', 'this-week'), 'end', 'sunday')).toBe('2026-11-21');
    expect(settle(parseDateExpression('--since', 'this-month'), 'start')).toBe('2026-11-01');
    expect(settle(parseDateExpression('--until', 'this-month'), 'end')).toBe('2026-11-30');
  });

  it('refuses anything else with the flag named', () => {
    for (const text of ['0d', '-3d', 'last-week', '2026-02-30', 'tomorrow', '', '7 d']) {
      expect(() => parseDateExpression('--since', text), text).toThrow(/^--since ".*" is not a date: use YYYY-MM-DD/);
    }
  });

  it('Nd always starts N − 1 days before today, whatever the month', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (days, instant) => {
        const day = { year: instant.getUTCFullYear(), month: instant.getUTCMonth() + 1, day: instant.getUTCDate() };
        const start = parseDateExpression('--since', `${days}d`).resolve('start', day, 'monday');
        const span = (Date.UTC(day.year, day.month - 1, day.day) - Date.UTC(start.year, start.month - 1, start.day)) / 86_400_000;
        return span === days - 1;
      }),
    );
  });

  it('--since 7d reads the last seven days in --tz through the CLI', async () => {
    const now = Date.now();
    const at = (daysAgo: number) => new Date(now - daysAgo * 86_400_000).toISOString();
    const log = writeLog([
      { model: 'test-alpha', timestamp: at(0), usage: { input_tokens: 1, output_tokens: 0 } },
      { model: 'test-alpha', timestamp: at(5), usage: { input_tokens: 10, output_tokens: 0 } },
      { model: 'test-alpha', timestamp: at(30), usage: { input_tokens: 100, output_tokens: 0 } },
    ]);
    const result = await runCli(['report', log, '--since', '7d', '--json', '--no-cache']);
    expect(result.code).toBe(0);
    // Only the records of today and 5 days ago: 1 + 10.
    expect(JSON.parse(result.stdout).totals.total_tokens).toBe(11);
  });
});

describe('nested commands', () => {
  it('`usage cache clear` is a subcommand, and `usage cache [paths]` still reports', async () => {
    const home = createHome();
    const cacheDir = join(home, 'index');
    const report = await runCli(['cache', fixture('logs', 'claude'), '--cache-dir', cacheDir, '--json']);
    expect(report.code).toBe(0);
    expect(JSON.parse(report.stdout).kind).toBe('cache');
    expect(existsSync(cacheDir)).toBe(true);
    const cleared = await runCli(['cache', 'clear', '--cache-dir', cacheDir], { home });
    expect(cleared.code).toBe(0);
    expect(cleared.stderr).toMatch(/^(Cleared the index|No index to clear) in /);
    const quiet = await runCli(['cache', 'clear', '--cache-dir', cacheDir, '-q'], { home });
    expect(quiet.stderr).toBe('');
  });
});

/** Runs the real binary through bash, so pipes and redirections are real. */
function runShell(script: string): { status: number | null; stdout: string; stderr: string } {
  const home = createHome();
  mkdirSync(join(home, 'work'), { recursive: true });
  // Run from the temporary home, so files a script writes (err.txt) stay out of the repository.
  return spawnSync('bash', ['-c', script], {
    cwd: join(home, 'work'),
    encoding: 'utf8',
    env: { ...hermeticEnv(home), USAGE: `${process.execPath} ${BIN}` },
  });
}

describe('a real process (needs npm run build)', () => {
  it('a closed stdout keeps the verdict: budget breach 3, validate 4, quietly', () => {
    // `true` exits at once, so every write meets a closed pipe (EPIPE).
    const breach = runShell(`set -o pipefail; $USAGE budget ${LOG} --max-cost 1 --pricing ${PRICES} --no-cache 2>err.txt | true; code=$?; cat err.txt >&2; exit $code`);
    expect(breach.status).toBe(3);
    expect(breach.stderr).not.toMatch(/EPIPE|Error:|at .*\.js/);
    const invalid = runShell(`set -o pipefail; $USAGE validate ${fixture('logs', 'kernex')} 2>/dev/null | true`);
    expect(invalid.status).toBe(4);
  });

  it('a full disk on stdout is one error line and exit 1, not a stack trace', () => {
    if (!existsSync('/dev/full')) return;
    const result = runShell(`$USAGE report ${LOG} --no-cache > /dev/full`);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: cannot write the output: .*ENOSPC/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('--version into a closed pipe or a full disk: quiet, or one line and exit 1', () => {
    const closed = runShell('set -o pipefail; $USAGE --version | true');
    expect(closed.status).toBe(0);
    expect(closed.stderr).toBe('');
    if (!existsSync('/dev/full')) return;
    const full = runShell('$USAGE --version > /dev/full');
    expect(full.status).toBe(1);
    expect(full.stderr).toMatch(/^error: cannot write the output: ENOSPC[^\n]*\n$/);
  });

  it('on a terminal: colour unless NO_COLOR, and the exit code comes through', () => {
    if (spawnSync('script', ['--version']).status !== 0) return;
    // script(1) runs the command on a pseudo-terminal; -e returns the command's exit code.
    const command = `$USAGE budget ${LOG} --max-cost 1 --pricing ${PRICES} --no-cache`;
    const coloured = runShell(`unset NO_COLOR; TERM=xterm script -qec "${command}" /dev/null`);
    expect(coloured.status).toBe(3);
    expect(coloured.stdout).toContain('\u001b[');
    const plain = runShell(`TERM=xterm script -qec "${command}" /dev/null`);
    expect(plain.status).toBe(3);
    expect(plain.stdout).not.toContain('\u001b[');
  });

  it('a closed stderr does not crash the run', () => {
    const result = runShell(`$USAGE report ${LOG} --no-cache --json 2>&- > /dev/null`);
    expect(result.status).toBe(0);
  });
});

describe('the time zone from the environment', () => {
  it('ignores a TZ only libc understands and uses the system zone, instead of failing a flag never given', async () => {
    const log = writeLog([{ model: 'test-alpha', timestamp: '2026-11-02T03:00:00Z', usage: { input_tokens: 1, output_tokens: 1 } }]);
    for (const value of [':/etc/localtime', 'UTC0', '']) {
      const result = await runCli(['report', log, '--json', '--no-cache'], { env: { TZ: value } });
      expect(result.code, `TZ=${value}: ${result.stderr}`).toBe(0);
    }
    // A valid TZ still decides the days: 03:00 UTC is the evening before in Los Angeles.
    const local = JSON.parse((await runCli(['report', log, '--json', '--no-cache'], { env: { TZ: 'America/Los_Angeles' } })).stdout) as { days: Array<{ date: string }> };
    expect(local.days.map((day) => day.date)).toEqual(['2026-11-01']);
  });
});
