/**
 * Runs one dialect module over its fixture files the way its reader kind
 * hands it data (JSON lines, one parsed document, or an SQLite database),
 * resolving schema failures to their skip reason and keeping the first record
 * of each dedup key, so module tests can check hand-worked totals before the
 * ingest pipeline knows the module.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { UsageRecord } from '../../src/core/record.js';
import type { DialectModule } from '../../src/dialects/module.js';
import type { InvalidOutcome, JsonObject, ParseOutcome } from '../../src/dialects/types.js';
import { openSqliteReader } from '../../src/sources/sqlite.js';

export interface ModuleRun {
  records: UsageRecord[];
  /** Records dropped because an earlier one had the same dedup key. */
  duplicates: number;
  noUsage: number;
  invalid: Array<InvalidOutcome & { file: string; entry: number }>;
}

/** Every file under `path` this module reads (its fileNames, or *.jsonl for JSON lines), sorted. */
export function listModuleFiles(module: DialectModule, path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const pattern = module.fileNames ?? /\.jsonl$/;
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const child = join(folder, name);
      if (statSync(child).isDirectory()) walk(child);
      else if (pattern.test(name)) found.push(child);
    }
  };
  walk(path);
  return found;
}

function* readOutcomes(module: DialectModule, file: string): Iterable<ParseOutcome> {
  const context = { path: file };
  if (module.reader === 'jsonl') {
    const parse = module.createParser?.(context);
    if (!parse) throw new Error(`${module.name} has no parser`);
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        yield { kind: 'invalid', reason: 'invalid_json', detail: 'not JSON' };
        continue;
      }
      yield parse(value as JsonObject);
    }
    return;
  }
  if (module.reader === 'document') {
    yield* module.readDocument?.(JSON.parse(readFileSync(file, 'utf8')), context) ?? [];
    return;
  }
  const database = openSqliteReader(file);
  try {
    yield* module.readDatabase?.(database, context) ?? [];
  } finally {
    database.close();
  }
}

export async function runModule(module: DialectModule, path: string): Promise<ModuleRun> {
  const run: ModuleRun = { records: [], duplicates: 0, noUsage: 0, invalid: [] };
  const seen = new Set<string>();
  for (const file of listModuleFiles(module, path)) {
    let entry = 0;
    for (const outcome of readOutcomes(module, file)) {
      entry++;
      if (outcome.kind === 'record') {
        if (outcome.dedupKey !== undefined && seen.has(outcome.dedupKey)) {
          run.duplicates++;
          continue;
        }
        if (outcome.dedupKey !== undefined) seen.add(outcome.dedupKey);
        run.records.push(outcome.record);
      } else if (outcome.kind === 'no_usage' || outcome.kind === 'duplicate') {
        run.noUsage++;
      } else {
        run.invalid.push({ ...outcome, file, entry });
      }
    }
  }
  return run;
}

/** Token fields summed over records, for hand-worked comparisons. */
export function sumTokens(records: readonly UsageRecord[]) {
  const sum = (pick: (record: UsageRecord) => number): number => records.reduce((total, record) => total + pick(record), 0);
  return {
    records: records.length,
    input: sum((record) => record.inputTokens),
    output: sum((record) => record.outputTokens),
    reasoning: sum((record) => record.reasoningTokens),
    cacheRead: sum((record) => record.cacheReadTokens),
    cacheWrite: sum((record) => record.cacheWriteTokens),
    unattributed: sum((record) => record.unattributedTokens),
    total: sum((record) => record.totalTokens),
  };
}

/** Recorded cost summed and rounded to the micro-dollar, so float sums compare exactly. */
export function sumRecordedCost(records: readonly UsageRecord[]): number {
  return Math.round(records.reduce((total, record) => total + (record.recordedCostUsd ?? 0), 0) * 1e6) / 1e6;
}
