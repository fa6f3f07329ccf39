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


/**
 * The hand-made price list under a cost mode, as createRecordPricer applies
 * one: `mystery` has no price, `ollama/…` is free, the rest cost $0.001 per
 * input and $0.002 per output token.
 */
export function priceByHandIn(mode: 'calculate' | 'auto' | 'recorded'): PriceRecord {
  return (record) => {
    const free = record.model.startsWith('ollama/');
    const calculated = record.model === 'mystery' ? null : free ? 0 : record.inputTokens * 0.001 + record.outputTokens * 0.002;
    if (mode !== 'calculate' && record.recordedCostUsd !== null) {
      return { ...record, costUsd: record.recordedCostUsd, calculatedCostUsd: calculated, costSource: 'recorded' };
    }
    if ((mode === 'recorded' && !free) || calculated === null) {
      return { ...record, costUsd: null, calculatedCostUsd: calculated, costSource: 'unknown' };
    }
    return { ...record, costUsd: calculated, calculatedCostUsd: calculated, costSource: free ? 'free' : 'calculated' };
  };
}

/** A seeded generator, so a failing case can be run again. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Generated logs for several machines: `count` provider lines each, over 40
 * days, five models (one unpriced, one free), four projects and no project,
 * some recorded costs and request ids; `overlap` lines of the first machine
 * also appear in every other machine's log.
 */
export function generateMachines(root: string, machines: readonly string[], count: number, overlap: number, seed = 7): Record<string, string> {
  const random = createRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const models = ['claude-sonnet-4-5', 'gpt-5', 'mystery', 'ollama/llama3', 'gemini-2.5-pro'];
  const projects = ['alpha', 'beta', 'gamma', 'delta', null];
  const makeLine = (machine: string, index: number): string => {
    const value: Record<string, unknown> = {
      model: pick(models),
      // 40 days from 2026-02-20, at any minute: crosses a month and many week boundaries.
      timestamp: new Date(Date.UTC(2026, 1, 20) + Math.floor(random() * 40 * 24 * 60) * 60_000).toISOString(),
      session_id: `${machine}-s${Math.floor(random() * 20)}`,
      usage: { input_tokens: Math.floor(random() * 5000), output_tokens: Math.floor(random() * 800) },
    };
    const project = pick(projects);
    if (project !== null) value['project'] = project;
    if (random() < 0.5) value['id'] = `req_${machine}_${index}`;
    if (random() < 0.2) value['cost_usd'] = Math.floor(random() * 10_000) / 10_000;
    return JSON.stringify(value);
  };
  const shared: string[] = [];
  const folders: Record<string, string> = {};
  machines.forEach((machine, position) => {
    const lines: string[] = [];
    for (let index = 0; index < count; index++) lines.push(makeLine(machine, index));
    if (position === 0) shared.push(...lines.slice(0, overlap));
    else lines.push(...shared);
    const folder = join(root, `${machine}-logs`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'usage.jsonl'), `${lines.join('\n')}\n`);
    folders[machine] = folder;
  });
  return folders;
}
