import type { CliContext } from '../cli/context.js';
import { checkReadable, type InputFlags, resolveSources, resolveFormat } from '../cli/inputs.js';
import { DIALECT_NAMES } from '../dialects/registry.js';
import { ingest } from '../ingest/ingest.js';
import { renderJson } from '../renderers/json.js';
import { sanitizeText } from '../renderers/format.js';
import { JSON_SCHEMA_VERSION } from '../reports/serialize.js';

export interface ValidateFlags extends Pick<InputFlags, 'format' | 'quiet'> {
  json?: boolean | undefined;
}

/**
 * Lists every malformed line as `file:line: reason (detail)`, then counts per
 * dialect and per reason. Exit 0 when clean, 1 when any line was bad.
 */
export async function runValidate(paths: string[], flags: ValidateFlags, context: CliContext): Promise<number> {
  const format = resolveFormat(flags.format);
  const sources = await resolveSources(paths, context, flags.quiet);
  const summary = await ingest(sources, () => {}, { format, problemLimit: Number.POSITIVE_INFINITY });
  checkReadable(summary, context);
  const clean = summary.skipped.lines === 0;
  if (flags.json) {
    context.stdout.write(
      renderJson({
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
      }),
    );
    return clean ? 0 : 1;
  }
  for (const problem of summary.problems) {
    context.stdout.write(`${sanitizeText(problem.file)}:${problem.line}: ${problem.reason} (${sanitizeText(problem.detail)})\n`);
  }
  const out = context.stderr;
  out.write(`${summary.files} file${summary.files === 1 ? '' : 's'}, ${summary.lines} lines: ${summary.records} records`);
  out.write(`, ${summary.noUsageLines} without usage, ${summary.duplicateLines} duplicates, ${summary.skipped.lines} malformed`);
  out.write(summary.partialLines ? `, ${summary.partialLines} still being written\n` : '\n');
  for (const dialect of [...DIALECT_NAMES, 'unknown' as const]) {
    const records = dialect === 'unknown' ? 0 : (summary.recordsByDialect[dialect] ?? 0);
    const skipped = summary.skippedByDialect[dialect] ?? 0;
    if (records || skipped) out.write(`  ${dialect.padEnd(9)} ${records} records, ${skipped} malformed\n`);
  }
  for (const [reason, count] of Object.entries(summary.skipped.reasons)) out.write(`  ${reason}: ${count}\n`);
  out.write(clean ? 'All lines are valid.\n' : 'Some lines are malformed (listed on stdout).\n');
  return clean ? 0 : 1;
}
