/**
 * `--engine duckdb` for a command spec: the lake's Parquet files are the
 * command's own paths (resolved by the runner like any input), the range and
 * the record filters its own options, and the result an Analysis of the
 * same state the built-in reducer would build, for the same report builder.
 */
import type { Analysis } from '../core/analyze.js';
import { UsageError } from '../core/errors.js';
import type { RecordFilterSpec } from '../core/filter.js';
import { checkEngineArguments } from '../cli/flags.js';
import type { ResolvedInputs } from '../cli/inputs.js';
import type { CostMode } from '../pricing/types.js';
import { type Bundle, type GroupColumn, type LakeQuery, type LakeResult, queryLake, toAnalysis } from './duckdb.js';

export interface LakeRequest {
  args: readonly string[];
  options: RecordFilterSpec & { costMode?: CostMode | undefined };
  readInputs(): Promise<ResolvedInputs>;
}

export async function analyzeLake<State>(
  request: LakeRequest,
  columns: readonly GroupColumn[],
  fold: (bundles: readonly Bundle[], result: LakeResult) => State,
  byTime: boolean,
  more: Pick<LakeQuery, 'contextMedian' | 'alsoGroupBy'> = {},
): Promise<Analysis<State>> {
  checkEngineArguments('duckdb', request.args);
  const inputs = await request.readInputs();
  const files = inputs.sources.flatMap((source) => (source.kind === 'file' && /\.parquet$/i.test(source.path) ? [source.path] : []));
  if (files.length === 0 && inputs.problems.length === 0) {
    throw new UsageError('--engine duckdb found no Parquet files there: write them with usage export --format parquet.');
  }
  const { options } = request;
  const result = await queryLake(
    {
      paths: files,
      range: inputs.range,
      filter: { agent: options.agent, machine: options.machine, project: options.project, model: options.model },
      costMode: options.costMode ?? 'auto',
      byTime,
      ...more,
    },
    columns,
  );
  return toAnalysis(result, fold);
}
