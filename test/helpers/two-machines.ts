/**
 * Two simulated machines' logs for the export and engine tests: a laptop and
 * a desktop whose logs share one request (as a synced folder would), priced
 * by a list small enough to check by hand.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PriceRecord } from '../../src/core/analyze.js';
import { exportSources } from '../../src/export/export.js';
import { discoverFiles } from '../../src/sources/discover.js';

/** A price list small enough to check by hand: $0.001 per input token, $0.002 per output token; `mystery` is unpriced. */
export const priceByHand: PriceRecord = (record) => {
  const cost = record.model === 'mystery' ? null : record.inputTokens * 0.001 + record.outputTokens * 0.002;
  return { ...record, costUsd: cost, calculatedCostUsd: cost, costSource: cost === null ? 'unknown' : 'calculated' };
};

function line(fields: { id?: string; model?: string; at: string; session: string; project: string; input: number; output: number }): string {
  const value: Record<string, unknown> = {
    model: fields.model ?? 'claude-sonnet-4-5',
    timestamp: fields.at,
    session_id: fields.session,
    project: fields.project,
    usage: { input_tokens: fields.input, output_tokens: fields.output },
  };
  if (fields.id) value['id'] = fields.id;
  return JSON.stringify(value);
}

export const A1 = line({ id: 'req_a1', at: '2026-03-01T10:00:00Z', session: 's1', project: 'alpha', input: 100, output: 10 });
export const SHARED = line({ id: 'req_shared', at: '2026-03-01T12:00:00Z', session: 's2', project: 'beta', input: 1000, output: 100 });
export const A2 = line({ at: '2026-03-02T09:00:00Z', session: 's1', project: 'alpha', input: 7, output: 3 });
export const B1 = line({ at: '2026-03-02T23:30:00Z', session: 's3', project: 'beta', input: 20, output: 5 });
export const B2 = line({ id: 'req_b2', model: 'mystery', at: '2026-03-03T01:00:00Z', session: 's3', project: 'beta', input: 50, output: 50 });

/** Two machines' logs: the laptop's and the desktop's share one request (a synced log). */
export function createTwoMachines(): { root: string; laptop: string; desktop: string } {
  const root = mkdtempSync(join(tmpdir(), 'usage-export-'));
  const laptop = join(root, 'laptop-logs');
  const desktop = join(root, 'desktop-logs');
  mkdirSync(laptop);
  mkdirSync(desktop);
  writeFileSync(join(laptop, 'usage.jsonl'), `${A1}\n${SHARED}\n${A2}\n`);
  writeFileSync(join(desktop, 'usage.jsonl'), `${SHARED}\n${B1}\n${B2}\n`);
  return { root, laptop, desktop };
}

export async function sourcesOf(...paths: string[]) {
  return (await discoverFiles(paths)).sources;
}

/** Exports both machines' logs into `out` in `format`. */
export async function exportTwoMachines(format: 'parquet' | 'ndjson' | 'csv', out: string, machines = createTwoMachines()) {
  await exportSources(await sourcesOf(machines.laptop), { format, out, machine: 'laptop', incremental: true }, { priceRecord: priceByHand });
  await exportSources(await sourcesOf(machines.desktop), { format, out, machine: 'desktop', incremental: true }, { priceRecord: priceByHand });
  return machines;
}

