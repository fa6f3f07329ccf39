/**
 * Runs a dialect module's pure readers (createParser, readDocument,
 * readDatabase) over fixture files the way ingest does, without the registry:
 * lines are parsed one by one, and records sharing a dedupKey count once (the
 * largest total wins, the earliest on a tie), so the agent tests can check their hand-worked totals before the
 * module is wired into `usage`.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { UsageRecord } from '../../src/core/record.js';
import type { DialectModule, SqliteReader } from '../../src/dialects/module.js';
import type { JsonObject, ParseOutcome } from '../../src/dialects/types.js';
import { ingest, type IngestSummary } from '../../src/ingest/ingest.js';
import { discoverFiles } from '../../src/sources/discover.js';

export type Settled = ParseOutcome;

/** Every non-blank line of a JSON-lines file through the module's parser; undetected lines are `unknown_dialect`. */
export async function readLines(module: DialectModule, path: string): Promise<Settled[]> {
  const parser = module.createParser?.({ path });
  if (!parser) throw new Error(`${module.name} has no line parser`);
  const outcomes: Settled[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      outcomes.push({ kind: 'invalid', reason: 'invalid_json', detail: 'cannot parse' });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      outcomes.push({ kind: 'invalid', reason: 'not_an_object', detail: 'not an object' });
      continue;
    }
    if (!module.detect(value as JsonObject)) {
      outcomes.push({ kind: 'invalid', reason: 'unknown_dialect', detail: 'not detected' });
      continue;
    }
    outcomes.push(parser(value as JsonObject));
  }
  return outcomes;
}

/** One whole JSON document through the module's document reader. */
export async function readDocumentFile(module: DialectModule, path: string): Promise<Settled[]> {
  if (!module.readDocument) throw new Error(`${module.name} has no document reader`);
  const document: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const outcomes: Settled[] = [];
  for (const outcome of module.readDocument(document, { path })) outcomes.push(outcome);
  return outcomes;
}

export async function readDatabaseWith(module: DialectModule, database: SqliteReader, path: string): Promise<Settled[]> {
  if (!module.readDatabase) throw new Error(`${module.name} has no database reader`);
  const outcomes: Settled[] = [];
  for (const outcome of module.readDatabase(database, { path })) outcomes.push(outcome);
  return outcomes;
}

export interface Counted {
  records: UsageRecord[];
  duplicates: number;
  noUsage: number;
  invalid: Record<string, number>;
}

/** Outcomes of several sources in input order, de-duplicated as ingest does. */
export function count(outcomes: readonly Settled[]): Counted {
  const kept = new Map<string, UsageRecord>();
  const records: (UsageRecord | string)[] = [];
  let duplicates = 0;
  let noUsage = 0;
  const invalid: Record<string, number> = {};
  for (const outcome of outcomes) {
    if (outcome.kind === 'no_usage') noUsage++;
    else if (outcome.kind === 'duplicate') duplicates++;
    else if (outcome.kind === 'invalid') invalid[outcome.reason] = (invalid[outcome.reason] ?? 0) + 1;
    else if (outcome.dedupKey === undefined) records.push(outcome.record);
    else {
      const previous = kept.get(outcome.dedupKey);
      if (previous === undefined) records.push(outcome.dedupKey);
      else duplicates++;
      if (previous === undefined || outcome.record.totalTokens > previous.totalTokens) kept.set(outcome.dedupKey, outcome.record);
    }
  }
  return {
    records: records.map((entry) => (typeof entry === 'string' ? (kept.get(entry) as UsageRecord) : entry)),
    duplicates,
    noUsage,
    invalid,
  };
}

export function sumTokens(records: readonly UsageRecord[]) {
  const sum = (pick: (record: UsageRecord) => number) => records.reduce((total, record) => total + pick(record), 0);
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

/** Every file under `path` through discovery and ingest, as a command reads it, every problem kept. */
export async function ingestFolder(path: string): Promise<{ records: UsageRecord[]; summary: IngestSummary }> {
  const { sources, problems } = await discoverFiles([path]);
  expect(problems).toEqual([]);
  const records: UsageRecord[] = [];
  const summary = await ingest(sources, (record) => records.push(record), { problemLimit: Number.POSITIVE_INFINITY });
  return { records, summary };
}

/** What a fixture's line accounting is compared on. */
export function accounting(summary: IngestSummary) {
  return {
    files: summary.files,
    lines: summary.lines,
    records: summary.records,
    skipped: summary.skipped.reasons,
    noUsage: summary.noUsageLines,
    duplicates: summary.duplicateLines,
    unreadable: summary.unreadable.length,
  };
}
