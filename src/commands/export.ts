/**
 * `usage export`: canonical records, de-duplicated, in the export schema
 * (docs/export.md) as Parquet, NDJSON or CSV, laid out Hive-style under a
 * folder, or as one NDJSON/CSV stream on stdout (`--out -`).
 */
import { type FlagDefinition, LOG_FLAGS } from '../cli/flags.js';
import { defineCommand } from '../cli/spec.js';
import { UsageError } from '../core/errors.js';
import { EXPORT_FORMATS, type ExportFormat } from '../export/formats.js';

const exportFormat: FlagDefinition<ExportFormat> = {
  syntax: '--format <format>',
  description: 'file format of the export',
  choices: EXPORT_FORMATS,
  defaultValue: 'parquet',
  parse: (text) => {
    const value = text.trim().toLowerCase();
    if (!(EXPORT_FORMATS as readonly string[]).includes(value)) {
      throw new UsageError(`--format "${text}" is not an export format: use ${EXPORT_FORMATS.join(', ')}.`);
    }
    return value as ExportFormat;
  },
};

const out: FlagDefinition<string | undefined> = {
  syntax: '--out <dir>',
  description: 'folder to write into (Hive layout machine=…/day=…/part-….ext), or - for NDJSON or CSV on stdout',
  parse: (text) => {
    if (text.trim() === '') throw new UsageError('--out needs a folder, or - for stdout.');
    return text;
  },
};

const incremental: FlagDefinition<boolean> = {
  syntax: '--incremental',
  description: 'write only records this machine has not exported into the folder before (state in DIR/.usage-export)',
  defaultValue: false,
};

const machine: FlagDefinition<string | undefined> = {
  syntax: '--machine <name>',
  description: 'the machine name stamped on the records (default: the host name)',
  configKey: 'machine',
  parse: (text) => {
    if (text.trim() === '') throw new UsageError('--machine needs a name.');
    return text.trim();
  },
};

// Not taken: --format names the output format, --machine this machine, and the cost mode is always calculate.
const { format: _dialect, costMode: _costMode, machine: _machineFilter, ...READ_FLAGS } = LOG_FLAGS;

/** Rows for stdout are gathered into chunks: one write per row would dominate a large export. */
function createChunkedWriter(write: (text: string) => void): { write: (text: string) => void; flush: () => void } {
  let pending: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    write(pending.join(''));
    pending = [];
    size = 0;
  };
  return {
    write(text) {
      pending.push(text);
      size += text.length;
      if (size >= 1 << 16) flush();
    },
    flush,
  };
}

export const command = defineCommand({
  name: 'export',
  summary: 'write de-duplicated canonical records as Parquet, NDJSON or CSV (for other tools and other machines)',
  inputs: 'logs',
  // Keys apart from the log flags' `format` (a dialect) and `machine` (a filter), which the inputs read.
  flags: { ...READ_FLAGS, exportFormat, out, incremental, machineName: machine },
  help: 'Schema, layout and record identity: docs/export.md. Read exports back with any command: usage report DIR.',
  examples: [
    'usage export --format parquet --out ~/usage-exports',
    'usage export --format parquet --incremental --out /mnt/team/usage-exports',
    'usage export ~/.claude --since this-month --format csv --out - > usage.csv',
  ],
  async run({ options, analyze, context }) {
    if (options.out === undefined) throw new UsageError('usage export needs --out DIR (or --out - for NDJSON or CSV on stdout).');
    const toStdout = options.out === '-';
    if (toStdout && options.exportFormat === 'parquet') throw new UsageError('Parquet is written to a folder: use --out DIR, or --format ndjson or csv with --out -.');
    if (toStdout && options.incremental) throw new UsageError('--incremental keeps its state in the export folder: use --out DIR.');
    const [{ createExporter }, { resolvePricer }, { hostname }, { resolve }] = await Promise.all([
      import('../export/export.js'),
      import('../cli/pricing.js'),
      import('node:os'),
      import('node:path'),
    ]);
    // The calculated cost is a column of its own; the recorded one is the record's.
    const pricer = await resolvePricer({ pricing: options.pricing, costMode: 'calculate' }, context);
    const stream = toStdout ? createChunkedWriter((text) => context.stdout.write(text)) : null;
    const folder = toStdout ? null : resolve(context.cwd, options.out);
    let exporter: ReturnType<typeof createExporter>;
    try {
      exporter = createExporter({
        format: options.exportFormat,
        out: stream ? stream.write : (folder as string),
        machine: options.machineName ?? hostname(),
        incremental: options.incremental,
        tool: `usage ${context.version}`,
      });
    } catch (error) {
      throw new UsageError(`Cannot export into ${options.out}: ${(error as Error).message}.`);
    }
    await analyze(
      { create: () => null, add: (_state, record) => exporter.add(record) },
      { priceRecord: pricer.priceRecord },
    );
    const result = exporter.finish();
    stream?.flush();
    const earlier = result.alreadyExported > 0 ? ` (${result.alreadyExported} exported before)` : '';
    const where = folder ? ` into ${result.files.length} file${result.files.length === 1 ? '' : 's'} under ${folder}` : '';
    const unpriced = [...pricer.unpriced.values()].reduce((sum, entry) => sum + entry.records, 0);
    return {
      notes: [
        `export: ${result.written} record${result.written === 1 ? '' : 's'}${where}${earlier}`,
        ...(unpriced > 0 ? [`note: ${unpriced} record${unpriced === 1 ? ' has' : 's have'} no price: calculated_cost_usd is empty and unpriced is true.`] : []),
      ],
      warnUnpriced: false,
    };
  },
});
