import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/core/analyze.js';
import { createRecordFilter } from '../src/core/filter.js';
import { createRecord, type UsageRecord } from '../src/core/record.js';
import { exportDialect, readExportRow } from '../src/dialects/export.js';
import { EXPORT_COLUMNS } from '../src/export/columns.js';
import { exportSources, STATE_FOLDER } from '../src/export/export.js';
import { computeRecordId } from '../src/export/identity.js';
import { buildCostReport, createCostReducer, createKeyReader } from '../src/reports/cost.js';
import { A1, A2, B1, createTwoMachines, exportTwoMachines, priceByHand, SHARED, sourcesOf } from './helpers/two-machines.js';

/** The parts of `usage cost --json` these tests read. */
interface CostJson {
  totals: Record<string, unknown>;
  rows: Array<Record<string, unknown>>;
  unpriced_models: unknown[];
}

async function costBy(paths: string[], by: Array<'machine' | 'agent' | 'project'>, filter?: (record: UsageRecord) => boolean) {
  const reducer = createCostReducer(by.map((key) => createKeyReader(key, 'UTC')));
  const analysis = await analyze(await sourcesOf(...paths), reducer, { priceRecord: priceByHand, filter });
  const meta = { by, since: null, until: null, zone: 'UTC', costMode: 'calculate' as const, priceSource: 'test', pricingFile: null };
  return { analysis, json: buildCostReport(analysis, meta).json as CostJson };
}

describe('usage export → read back', () => {
  for (const format of ['parquet', 'ndjson'] as const) {
    it(`gives the exact union of two machines' records (${format})`, async () => {
      const machines = createTwoMachines();
      const out = join(machines.root, 'team-exports');
      await exportTwoMachines(format, out, machines);
      const { json, analysis } = await costBy([out], ['machine']);
      // Union: a1, shared, a2, b1, b2 — the shared request once.
      expect(json.totals.records).toBe(5);
      // input 100 + 1000 + 7 + 20 + 50 = 1177; output 10 + 100 + 3 + 5 + 50 = 168.
      expect(json.totals.input_tokens).toBe(1177);
      expect(json.totals.output_tokens).toBe(168);
      expect(json.totals.total_tokens).toBe(1345);
      // Priced (all but b2): input 1127 × 0.001 = 1.127, output 118 × 0.002 = 0.236 → 1.363.
      expect(json.totals.calculated_cost_usd).toBe(1.363);
      expect(json.unpriced_models).toEqual([{ model: 'mystery', records: 1, total_tokens: 100 }]);
      // The shared request: the desktop's copy comes first (machine=desktop sorts before machine=laptop),
      // so desktop has shared, b1, b2 (3) and laptop a1, a2 (2).
      const byMachine = Object.fromEntries(json.rows.map((row: Record<string, unknown>) => [row.machine, row.records]));
      expect(byMachine).toEqual({ desktop: 3, laptop: 2 });
      // Records keep the agent of the log they came from, not the export's.
      expect(analysis.summary.recordsByDialect).toEqual({ provider: 5 });
    });
  }

  it('reads a mix of Parquet and NDJSON exports and still counts each record once', async () => {
    const machines = createTwoMachines();
    const out = join(machines.root, 'mixed');
    await exportSources(await sourcesOf(machines.laptop), { format: 'parquet', out, machine: 'laptop' }, { priceRecord: priceByHand });
    await exportSources(await sourcesOf(machines.desktop), { format: 'ndjson', out, machine: 'desktop' }, { priceRecord: priceByHand });
    // The laptop's export again, as NDJSON: every record is already there.
    await exportSources(await sourcesOf(machines.laptop), { format: 'ndjson', out: join(machines.root, 'again'), machine: 'laptop' }, { priceRecord: priceByHand });
    const { json } = await costBy([out, join(machines.root, 'again')], []);
    expect(json.totals.records).toBe(5);
    expect(json.totals.total_tokens).toBe(1345);
  });

  it('groups and filters by agent and machine', async () => {
    const machines = createTwoMachines();
    const out = join(machines.root, 'team-exports');
    await exportTwoMachines('ndjson', out, machines);
    const { json } = await costBy([out], ['agent']);
    expect(json.rows.map((row: Record<string, unknown>) => [row.agent, row.records])).toEqual([['provider', 5]]);
    const laptopOnly = await costBy([out], ['project'], createRecordFilter({ machine: ['laptop'] }));
    // laptop: a1 (alpha, 110 tokens) and a2 (alpha, 10 tokens).
    expect(laptopOnly.json.totals.records).toBe(2);
    expect(laptopOnly.json.totals.total_tokens).toBe(120);
    expect(laptopOnly.analysis.excluded.filtered).toBe(3);
  });
});

describe('incremental export', () => {
  it('writes only new records, in a new file, Hive-style', async () => {
    const machines = createTwoMachines();
    const out = join(machines.root, 'out');
    const first = await exportSources(await sourcesOf(machines.laptop), { format: 'parquet', out, machine: 'laptop', incremental: true, runId: 'one' }, { priceRecord: priceByHand });
    expect(first.result.written).toBe(3);
    // a1 and shared on 2026-03-01, a2 on 2026-03-02 (UTC).
    expect(first.result.files).toEqual([
      join('machine=laptop', 'day=2026-03-01', 'part-one.parquet'),
      join('machine=laptop', 'day=2026-03-02', 'part-one.parquet'),
    ]);
    const again = await exportSources(await sourcesOf(machines.laptop), { format: 'parquet', out, machine: 'laptop', incremental: true, runId: 'two' }, { priceRecord: priceByHand });
    expect(again.result).toMatchObject({ written: 0, alreadyExported: 3, files: [] });
    writeFileSync(join(machines.laptop, 'usage.jsonl'), `${A1}\n${SHARED}\n${A2}\n${B1}\n`);
    const third = await exportSources(await sourcesOf(machines.laptop), { format: 'parquet', out, machine: 'laptop', incremental: true, runId: 'three' }, { priceRecord: priceByHand });
    expect(third.result).toMatchObject({ written: 1, alreadyExported: 3, files: [join('machine=laptop', 'day=2026-03-02', 'part-three.parquet')] });
    const { json } = await costBy([out], []);
    expect(json.totals.records).toBe(4);
  });

  it('ignores and removes what a crashed run left half-written', async () => {
    const machines = createTwoMachines();
    const out = join(machines.root, 'out');
    const partition = join(out, 'machine=laptop', 'day=2026-03-01');
    mkdirSync(partition, { recursive: true });
    writeFileSync(join(partition, 'part-crashed.parquet.tmp'), 'PAR1 half a file');
    mkdirSync(join(out, STATE_FOLDER));
    writeFileSync(join(out, STATE_FOLDER, 'laptop.ids.tmp'), 'half a state');
    // Another machine's export in the same shared folder, being written right now, and a file that is not ours.
    const other = join(out, 'machine=desktop', 'day=2026-03-01');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'part-writing.parquet.tmp'), 'PAR1 being written');
    writeFileSync(join(out, 'notes.tmp'), 'not an export file');
    // The folder is readable as it is: the leftovers are not export files.
    expect((await costBy([out], [])).json.totals.records).toBe(0);
    await exportSources(await sourcesOf(machines.laptop), { format: 'parquet', out, machine: 'laptop', incremental: true }, { priceRecord: priceByHand });
    expect(existsSync(join(partition, 'part-crashed.parquet.tmp'))).toBe(false);
    expect(existsSync(join(out, STATE_FOLDER, 'laptop.ids.tmp'))).toBe(false);
    expect(existsSync(join(other, 'part-writing.parquet.tmp'))).toBe(true);
    expect(existsSync(join(out, 'notes.tmp'))).toBe(true);
    expect((await costBy([out], [])).json.totals.records).toBe(3);
  });
});

describe('export formats', () => {
  it('streams NDJSON and CSV with every column of the schema', async () => {
    const machines = createTwoMachines();
    let ndjson = '';
    await exportSources(await sourcesOf(machines.laptop), { format: 'ndjson', out: (text) => { ndjson += text; }, machine: 'laptop' }, { priceRecord: priceByHand });
    const rows = ndjson.trim().split('\n').map((text) => JSON.parse(text));
    expect(rows).toHaveLength(3);
    expect(Object.keys(rows[0])).toEqual(EXPORT_COLUMNS.map((column) => column.name));
    expect(rows[0]).toMatchObject({ timestamp: '2026-03-01T10:00:00.000Z', day: '2026-03-01', machine: 'laptop', agent: 'provider', dialect: 'provider', project: 'alpha', session: 's1', input_tokens: 100, output_tokens: 10, calculated_cost_usd: 100 * 0.001 + 10 * 0.002, unpriced: false, recorded_cost_usd: null });
    let csv = '';
    await exportSources(await sourcesOf(machines.desktop), { format: 'csv', out: (text) => { csv += text; }, machine: 'desktop' }, { priceRecord: priceByHand });
    const table = parse(csv, { columns: true }) as Array<Record<string, string>>;
    expect(table.map((row) => [row['model'], row['unpriced'], row['calculated_cost_usd']])).toEqual([
      ['claude-sonnet-4-5', 'false', '1.2'],
      ['claude-sonnet-4-5', 'false', '0.03'],
      ['mystery', 'true', ''],
    ]);
  });

  it('a record read back has the identity it was exported with', async () => {
    const machines = createTwoMachines();
    let ndjson = '';
    await exportSources(await sourcesOf(machines.laptop, machines.desktop), { format: 'ndjson', out: (text) => { ndjson += text; }, machine: 'm' }, { priceRecord: priceByHand });
    const lines = ndjson.trim().split('\n');
    // Five distinct records: the shared request is exported once.
    expect(lines).toHaveLength(5);
    for (const text of lines) {
      const row = JSON.parse(text);
      const outcome = readExportRow(row);
      if (outcome.kind !== 'record') throw new Error(`not read back: ${JSON.stringify(outcome)}`);
      expect(computeRecordId(outcome.record)).toBe(row.record_id);
      expect(outcome.record.machine).toBe('m');
    }
  });

  it('distinct records get distinct identities; the machine does not change one', () => {
    const base = { dialect: 'claude' as const, timestamp: 1_770_000_000_000, model: 'claude-opus-4-5', cacheReported: true, session: 's' };
    const one = createRecord(base, { inputTokens: 1, outputTokens: 2 });
    expect(computeRecordId(one)).toBe(computeRecordId({ ...one, machine: 'elsewhere' }));
    expect(computeRecordId(one)).not.toBe(computeRecordId(createRecord({ ...base, timestamp: base.timestamp + 1 }, { inputTokens: 1, outputTokens: 2 })));
    expect(computeRecordId(one)).not.toBe(computeRecordId(createRecord(base, { inputTokens: 1, outputTokens: 3 })));
    // Copies of one request (a streamed message written twice, larger the second time) share an identity.
    const partial = createRecord({ ...base, requestId: 'req_1' }, { inputTokens: 1, outputTokens: 2 });
    const complete = createRecord({ ...base, requestId: 'req_1' }, { inputTokens: 1, outputTokens: 200 });
    expect(computeRecordId(partial)).toBe(computeRecordId(complete));
  });

  it('rejects a row of a newer schema or with a bad identity, and keeps the rest', () => {
    expect(readExportRow({ record_id: 'x', export_schema: 99 })).toMatchObject({ kind: 'invalid', reason: 'schema' });
  });
});

describe('fixture', () => {
  it('the export fixture (an export of fixtures/logs/thane) reads back as the thane records', async () => {
    const exported = await costBy([exportDialect.fixture], ['machine']);
    const original = await costBy(['fixtures/logs/thane'], []);
    expect(exported.json.totals.records).toBe(original.json.totals.records);
    expect(exported.json.totals.total_tokens).toBe(original.json.totals.total_tokens);
    expect(exported.json.rows.map((row: Record<string, unknown>) => row.machine)).toEqual(['laptop']);
  });
});

describe('unreadable exports', () => {
  it('a broken Parquet file is listed as unreadable; the files around it still count', async () => {
    const machines = createTwoMachines();
    const out = join(machines.root, 'team-exports');
    await exportTwoMachines('parquet', out, machines);
    writeFileSync(join(out, 'machine=laptop', 'broken.parquet'), 'PAR1 this is not a Parquet file');
    const { json, analysis } = await costBy([out], []);
    expect(json.totals.records).toBe(5);
    expect(analysis.summary.unreadable).toEqual([
      { path: join(out, 'machine=laptop', 'broken.parquet'), message: expect.stringMatching(/^not a readable Parquet file/) },
    ]);
  });
});

describe('docs/export.md', () => {
  it('documents every column of the export schema', () => {
    const docs = readFileSync(join(import.meta.dirname, '..', 'docs', 'export.md'), 'utf8');
    const documented = new Set([...docs.matchAll(/^\| `([a-z0-9_]+)` \|/gm)].map((match) => match[1]));
    expect(EXPORT_COLUMNS.map((column) => column.name).filter((name) => !documented.has(name))).toEqual([]);
  });
});
