/**
 * `usage validate`: every malformed line as `file:line: reason (detail)` on
 * stdout, then counts per dialect and reason on stderr. Clean: exit 0; any
 * malformed line is the answer "no" (exit 4).
 */
import { JSON_ONLY_FLAGS, LINE_FLAGS } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';
import type { Reducer } from '../reducers/reducer.js';

const ignoreRecords: Reducer<null> = { create: () => null, add: () => {}, merge: () => null };

export const command = defineCommand({
  name: 'validate',
  summary: 'list malformed lines as file:line: reason and count lines per dialect and reason (exit 4 if any are bad)',
  inputs: 'lines',
  flags: { ...LINE_FLAGS, ...JSON_ONLY_FLAGS },
  examples: ['usage validate ~/.claude/projects', 'usage validate logs/ --json | jq .problems'],
  async run({ options, analyze }) {
    const { DIALECT_NAMES } = await import('../dialects/registry.js');
    const { JSON_SCHEMA_VERSION } = await import('../reports/serialize.js');
    // Every line is decoded (no prefilter), on one thread, so every problem is listed in input order.
    const { summary } = await analyze(ignoreRecords, { problemLimit: Number.POSITIVE_INFINITY, prefilter: false, workers: 0 });
    const clean = summary.skipped.lines === 0;
    const json = {
      schema: JSON_SCHEMA_VERSION,
      kind: 'validate',
      valid: clean,
      files: summary.files,
      lines: summary.lines,
      records: summary.records,
      records_by_dialect: summary.recordsByDialect,
      skipped: summary.skipped,
      skipped_by_dialect: summary.skippedByDialect,
      no_usage_lines: summary.noUsageLines,
      duplicate_lines: summary.duplicateLines,
      partial_lines: summary.partialLines,
      problems: summary.problems,
    };
    const verdict = clean ? ('ok' as const) : ('no' as const);
    if (options.json) return { document: { json, datasets: [] }, verdict, noteSkipped: false };
    const { sanitizeText } = await import('../renderers/format.js');
    const text = summary.problems
      .map((problem) => `${sanitizeText(problem.file)}:${problem.line}: ${problem.reason} (${sanitizeText(problem.detail)})\n`)
      .join('');
    const counts = [
      `${summary.files} file${summary.files === 1 ? '' : 's'}, ${summary.lines} lines: ${summary.records} records, ${summary.noUsageLines} without usage, ${summary.duplicateLines} duplicates, ${summary.skipped.lines} malformed${summary.partialLines ? `, ${summary.partialLines} still being written` : ''}`,
    ];
    for (const dialect of [...DIALECT_NAMES, 'unknown' as const]) {
      const records = dialect === 'unknown' ? 0 : (summary.recordsByDialect[dialect] ?? 0);
      const skipped = summary.skippedByDialect[dialect] ?? 0;
      if (records || skipped) counts.push(`  ${dialect.padEnd(9)} ${records} records, ${skipped} malformed`);
    }
    for (const [reason, count] of Object.entries(summary.skipped.reasons)) counts.push(`  ${reason}: ${count}`);
    counts.push(clean ? 'All lines are valid.' : 'Some lines are malformed (listed on stdout).');
    return { document: { json, datasets: [] }, text, warnings: counts, verdict, noteSkipped: false };
  },
});
