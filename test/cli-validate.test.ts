/**
 * `usage validate` through the real binary (build first: npx tsc -p tsconfig.build.json).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runCli } from './helpers/cli.js';

interface ValidateJson {
  kind: string;
  valid: boolean;
  files: number;
  lines: number;
  records: number;
  records_by_dialect: Record<string, number>;
  skipped: { lines: number; reasons: Record<string, number> };
  skipped_by_dialect: Record<string, number>;
  no_usage_lines: number;
  duplicate_lines: number;
  partial_lines: number;
  problems: Array<{ file: string; line: number; reason: string; detail: string }>;
}

function cleanFile(): string {
  const directory = mkdtempSync(join(tmpdir(), 'usage-validate-'));
  const path = join(directory, 'events.jsonl');
  // Two jcode turns and a line still being written: nothing malformed.
  writeFileSync(
    path,
    [
      '{"ts":1793959200,"model":"gpt-4o","prompt":100,"completion":10,"total":110}',
      '{"ts":1793959260,"model":"gpt-4o","prompt":200,"completion":20,"total":220}',
      '{"ts":1793959320,"model":"gpt-4o","prom',
    ].join('\n'),
  );
  return path;
}

describe('usage validate', () => {
  it('exits 0 on a clean file', async () => {
    const result = await runCli(['validate', cleanFile()]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/2 records/);
    expect(result.stderr).toMatch(/1 still being written/);
    expect(result.stderr).toMatch(/All lines are valid/);
  });

  it('lists every malformed line as file:line: reason on stdout and exits 4 (the answer is no)', async () => {
    const path = fixture('logs', 'thane', 'usage.jsonl');
    const result = await runCli(['validate', path]);
    expect(result.code).toBe(4);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^${escapeRegExp(path)}:5: negative_or_non_integer_tokens \\(.+\\)$`));
    expect(lines[1]).toMatch(new RegExp(`^${escapeRegExp(path)}:6: invalid_timestamp \\(.+yesterday.+\\)$`));
    expect(lines[2]).toMatch(new RegExp(`^${escapeRegExp(path)}:7: schema \\(.+\\)$`));
    expect(result.stderr).toMatch(/thane\s+4 records, 3 malformed/);
  });

  it('checks every line, so a line naming no usage field is unknown_dialect', async () => {
    const path = fixture('logs', 'provider', 'usage.jsonl');
    const result = await runCli(['validate', path, '--json']);
    expect(result.code).toBe(4);
    const report = JSON.parse(result.stdout) as ValidateJson;
    // provider: prompt −1, completion 2.5, the {"level":"info"} line, the cut-off line
    expect(report.skipped).toEqual({ lines: 4, reasons: { negative_or_non_integer_tokens: 2, unknown_dialect: 1, invalid_json: 1 } });
    expect(report.problems.map((problem) => [problem.line, problem.reason])).toEqual([
      [9, 'negative_or_non_integer_tokens'],
      [10, 'negative_or_non_integer_tokens'],
      [12, 'unknown_dialect'],
      [13, 'invalid_json'],
    ]);
  });

  it('--json parses and counts per dialect and per reason over several dialects', async () => {
    const result = await runCli(['validate', fixture('logs', 'claude'), fixture('logs', 'kernex'), '--json']);
    expect(result.code).toBe(4);
    const report = JSON.parse(result.stdout) as ValidateJson;
    expect(report).toMatchObject({
      kind: 'validate',
      valid: false,
      // claude 3 files + kernex 1
      files: 4,
      // claude 5 + kernex 5
      records: 10,
      records_by_dialect: { claude: 5, kernex: 5 },
      // claude: negative, invalid_json, schema; kernex: negative, schema, not_an_object
      skipped: { lines: 6, reasons: { negative_or_non_integer_tokens: 2, invalid_json: 1, schema: 2, not_an_object: 1 } },
      // The cut-off Claude line and the kernex array line are not attributed to a dialect.
      skipped_by_dialect: { claude: 2, unknown: 2, kernex: 2 },
      no_usage_lines: 7,
      duplicate_lines: 2,
      partial_lines: 1,
    });
    expect(report.problems).toHaveLength(6);
  });

  it('--format counts lines that do not fit against the named dialect', async () => {
    const result = await runCli(['validate', cleanFile(), '--format', 'kernex', '--json']);
    expect(result.code).toBe(4);
    const report = JSON.parse(result.stdout) as ValidateJson;
    // Neither jcode line has kernex's `tokens`.
    expect(report.skipped_by_dialect).toEqual({ kernex: 2 });
    expect(report.records).toBe(0);
  });

  it('rejects an unknown --format with one sentence', async () => {
    const result = await runCli(['validate', cleanFile(), '--format', 'cursor']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--format "cursor" is not a known dialect/);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
