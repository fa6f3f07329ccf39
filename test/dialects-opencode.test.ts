/**
 * OpenCode: the fixture is a home folder (`fixtures/logs/opencode`) with a
 * 1.2+ database (`.local/share/opencode/opencode.db`, built from
 * `fixtures/logs/opencode/opencode.db.sql`) and pre-1.2 message files. The
 * database is read here through a small in-memory SqliteReader built from the
 * same SQL, since the real SQLite-backed reader lives with ingest.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SqliteReader } from '../src/dialects/module.js';
import { openCode } from '../src/dialects/opencode.js';
import { accounting, count, ingestFolder, readDatabaseWith, readDocumentFile, type Settled, sumTokens } from './helpers/agent-logs.js';
import { fixture } from './helpers/cli.js';

const SHARE = fixture('logs', 'opencode', '.local', 'share', 'opencode');
const SQL = fixture('logs', 'opencode', 'opencode.db.sql');
const SESSION_A = 'ses_4f2a1c9e8ffeA1b2C3d4E5f6G7';
const SESSION_C = 'ses_6a1b2c3d4ffeZ9y8X7w6V5u4T3';
const LEGACY = [
  join(SHARE, 'storage', 'message', SESSION_A, 'msg_a02.json'),
  join(SHARE, 'storage', 'message', SESSION_C, 'msg_c20.json'),
  join(SHARE, 'storage', 'message', SESSION_C, 'msg_c21.json'),
  join(SHARE, 'storage', 'message', SESSION_C, 'msg_c22.json'),
];

type Row = Record<string, unknown>;

/** Reads the CREATE TABLE and INSERT statements of a dump into tables of rows. */
function loadDump(sql: string): Map<string, { columns: string[]; rows: Row[] }> {
  const tables = new Map<string, { columns: string[]; rows: Row[] }>();
  for (const match of sql.matchAll(/CREATE TABLE `(\w+)` \(([\s\S]*?)\n\);/g)) {
    const columns = [...(match[2] ?? '').matchAll(/^\s*`(\w+)`/gm)].map((column) => column[1] as string);
    tables.set(match[1] as string, { columns, rows: [] });
  }
  for (const match of sql.matchAll(/^INSERT INTO (\w+) VALUES \((.*)\);$/gm)) {
    const table = tables.get(match[1] as string);
    if (!table) throw new Error(`no table ${match[1]}`);
    const values = [...(match[2] ?? '').matchAll(/'((?:[^']|'')*)'|(-?\d+)/g)].map((value) =>
      value[1] !== undefined ? value[1].replaceAll("''", "'") : Number(value[2]),
    );
    table.rows.push(Object.fromEntries(table.columns.map((column, index) => [column, values[index]])));
  }
  return tables;
}

/** Answers `SELECT a, b FROM t [ORDER BY x, y]`, the only shape a dialect needs; rowid is insertion order. */
function createReader(sql: string): SqliteReader & { queries: string[] } {
  const tables = loadDump(sql);
  const queries: string[] = [];
  return {
    queries,
    tables: () => [...tables.keys()],
    columns: (name) => tables.get(name)?.columns ?? [],
    *iterate(query) {
      queries.push(query);
      const match = /^SELECT (.+) FROM (\w+)(?: ORDER BY (.+))?$/.exec(query);
      const table = match ? tables.get(match[2] as string) : undefined;
      if (!match || !table) throw new Error(`cannot answer ${query}`);
      const columns = (match[1] as string).split(',').map((column) => column.trim());
      const order = (match[3] ?? 'rowid').split(',').map((column) => column.trim());
      const rows: Row[] = table.rows.map((row, rowid) => ({ ...row, rowid }));
      rows.sort((left, right) => {
        for (const column of order) {
          const a = left[column] as string | number;
          const b = right[column] as string | number;
          if (a !== b) return a < b ? -1 : 1;
        }
        return 0;
      });
      for (const row of rows) yield Object.fromEntries(columns.map((column) => [column, row[column]]));
    },
  };
}

async function readAll(): Promise<Settled[]> {
  const outcomes = await readDatabaseWith(openCode, createReader(readFileSync(SQL, 'utf8')), join(SHARE, 'opencode.db'));
  for (const path of LEGACY) outcomes.push(...(await readDocumentFile(openCode, path)));
  return outcomes;
}

describe('opencode fixture', () => {
  it('counts each assistant message once across forks and the files the migration left', async () => {
    const counted = count(await readAll());
    // Records (input as written; output = output + reasoning; reasoning beside in OpenCode):
    //   msg_a02 claude-sonnet-4-5  in 12   · out 310           · read 8000 · write 2000 → 10322
    //   msg_a03 gpt-5              in 1500 · out 400+256 = 656 (256) · read 6000   →  8156
    //   msg_b12 qwen/qwen3-coder   in 700  · out 50                              →   750
    //   msg_c21 gemini-2.5-pro     in 3000 · out 100+60 = 160 (60) · read 1000    →  4160
    // input 12+1500+700+3000 = 5212; output 310+656+50+160 = 1176; reasoning 256+60 = 316
    // read 8000+6000+1000 = 15000; write 2000; total 10322+8156+750+4160 = 23388
    expect(sumTokens(counted.records)).toEqual({
      records: 4,
      input: 5212,
      output: 1176,
      reasoning: 316,
      cacheRead: 15000,
      cacheWrite: 2000,
      unattributed: 0,
      total: 23388,
    });
    // msg_b11 is the fork's clone of msg_a02 (new id, same time and counts);
    // storage/message/…/msg_a02.json is the pre-migration file of the same message.
    expect(counted.duplicates).toBe(2);
    // msg_a05 input "abc"; msg_a06's data cut short; msg_c22 output −3.
    expect(counted.invalid).toEqual({ schema: 1, invalid_json: 1, negative_or_non_integer_tokens: 1 });
    // no_usage: user messages msg_a01, msg_b10, msg_c20, and msg_a04 that never finished (all 0) = 4.
    expect(counted.noUsage).toBe(4);
  });

  it('maps identity: provider as written, recorded cost only when positive, project from the worktree', async () => {
    const { records } = count(await readAll());
    expect(records[0]).toMatchObject({
      dialect: 'opencode',
      model: 'claude-sonnet-4-5',
      provider: 'anthropic',
      session: SESSION_A,
      project: 'shop',
      projectPath: '/home/dev/shop',
      requestId: 'msg_a02',
      timestamp: Date.parse('2026-11-25T08:00:01.500Z'),
      recordedCostUsd: 0.0123,
      cacheReported: true,
    });
    expect(records[2]).toMatchObject({ provider: 'openrouter', recordedCostUsd: null, session: 'ses_4f29e0d7cffeH8i9J0k1L2m3N4' });
    expect(records[3]).toMatchObject({ provider: 'google', project: 'notes', session: SESSION_C, requestId: 'msg_c21' });
  });

  it('asks for the sessions first, then the messages in creation order', () => {
    const reader = createReader(readFileSync(SQL, 'utf8'));
    [...(openCode.readDatabase?.(reader, { path: 'opencode.db' }) ?? [])];
    expect(reader.queries).toEqual([
      'SELECT id, directory FROM session',
      'SELECT data, id, session_id FROM message ORDER BY time_created, id',
    ]);
  });

  it('never merges two distinct messages of one session that are alike in time, model and counts', () => {
    // A second message in msg_a02's session with msg_a02's data under its own id (msg_a02b):
    // the fork clone msg_b11 still matches msg_a02 (the first alike one), msg_a02b is keyed #2.
    const sql = readFileSync(SQL, 'utf8');
    const line = sql.split('\n').find((text) => text.startsWith("INSERT INTO message VALUES ('msg_a02'")) as string;
    const reader = createReader(sql.replace(line, `${line}\n${line.replace("'msg_a02'", "'msg_a02b'")}`));
    const outcomes = [...(openCode.readDatabase?.(reader, { path: 'opencode.db' }) ?? [])];
    const keys = outcomes.flatMap((outcome) => (outcome.kind === 'record' && outcome.record.model === 'claude-sonnet-4-5' ? [outcome.dedupKey] : []));
    // msg_a02, msg_a02b, msg_b11 (the clone): three records, two distinct keys.
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(2);
    expect(keys[0]).toBe(keys[2]);
    expect(keys[1]).toBe(`${keys[0]}#2`);
  });

  it('reads nothing from a database without a message table', () => {
    const reader = createReader('CREATE TABLE `project` (\n\t`id` text PRIMARY KEY\n);\n');
    expect([...(openCode.readDatabase?.(reader, { path: 'other.db' }) ?? [])]).toEqual([]);
  });

  it('takes the project from the session folder when the message names none', () => {
    // The messages lose their `path`; session A's folder becomes /srv/checkout.
    const sql = readFileSync(SQL, 'utf8')
      .replaceAll('"path":{"cwd":"/home/dev/shop","root":"/home/dev/shop"},', '')
      .replace("'/home/dev/shop', 'Add checkout'", "'/srv/checkout', 'Add checkout'");
    const reader = createReader(sql);
    const outcomes = [...(openCode.readDatabase?.(reader, { path: 'opencode.db' }) ?? [])];
    const record = outcomes.find((outcome) => outcome.kind === 'record');
    expect(record).toMatchObject({ record: { project: 'checkout', projectPath: '/srv/checkout', requestId: 'msg_a02' } });
  });

  it('looks in ~/.local/share/opencode, or under $XDG_DATA_HOME', () => {
    expect(openCode.locations({ home: '/home/dev', variables: {}, platform: 'linux' })).toEqual([
      { path: join('/home/dev', '.local', 'share', 'opencode', 'opencode.db'), description: 'OpenCode' },
      { path: join('/home/dev', '.local', 'share', 'opencode', 'storage', 'message'), description: 'OpenCode before 1.2' },
    ]);
    expect(openCode.locations({ home: '/home/dev', variables: { XDG_DATA_HOME: '/d' }, platform: 'linux' })[0]).toEqual({
      path: join('/d', 'opencode', 'opencode.db'),
      description: 'OpenCode ($XDG_DATA_HOME)',
    });
    expect(openCode.fileNames?.test('msg_a02.json')).toBe(true);
    expect(openCode.fileNames?.test('ses_x.json')).toBe(false);
  });

  it('gives a fork\'s clone the key of the message it copies, and other messages other keys', () => {
    const message = fc.record({
      created: fc.integer({ min: 0, max: 4_000_000_000_000 }),
      input: fc.integer({ min: 0, max: 10_000_000 }),
      output: fc.integer({ min: 0, max: 10_000_000 }),
      reasoning: fc.integer({ min: 0, max: 10_000_000 }),
      read: fc.integer({ min: 0, max: 10_000_000 }),
      write: fc.integer({ min: 0, max: 10_000_000 }),
    });
    fc.assert(
      fc.property(message, message, (first, second) => {
        const info = (value: typeof first, id: string, session: string) => ({
          id,
          sessionID: session,
          role: 'assistant',
          time: { created: value.created },
          modelID: 'claude-sonnet-4-5',
          providerID: 'anthropic',
          tokens: { input: value.input + 1, output: value.output, reasoning: value.reasoning, cache: { read: value.read, write: value.write } },
        });
        const key = (value: unknown) => {
          const outcome = [...(openCode.readDocument?.(value, { path: 'msg.json' }) ?? [])][0];
          return outcome?.kind === 'record' ? outcome.dedupKey : undefined;
        };
        expect(key(info(first, 'msg_a', 'ses_a'))).toBe(key(info(first, 'msg_b', 'ses_b')));
        const same = JSON.stringify(first) === JSON.stringify(second);
        expect(key(info(first, 'msg_a', 'ses_a')) === key(info(second, 'msg_c', 'ses_a'))).toBe(same);
      }),
    );
  });

  it('reads the pre-1.2 message files end to end through discovery and ingest', async () => {
    const { records, summary } = await ingestFolder(join(SHARE, 'storage', 'message'));
    // msg_a02 (the pre-migration copy, alone here): in 12 · out 310 · read 8000 · write 2000 → 10322
    // msg_c21: in 3000 · out 100+60 = 160 (60) · read 1000 → 4160
    // input 3012; output 470; reasoning 60; read 9000; write 2000; total 14482
    expect(sumTokens(records)).toEqual({ records: 2, input: 3012, output: 470, reasoning: 60, cacheRead: 9000, cacheWrite: 2000, unattributed: 0, total: 14482 });
    // msg_c20 is a user message; msg_c22 has output −3.
    expect(accounting(summary)).toEqual({ files: 4, lines: 4, records: 2, skipped: { negative_or_non_integer_tokens: 1 }, noUsage: 1, duplicates: 0, unreadable: 0 });
    expect(new Set(records.map((record) => record.agent))).toEqual(new Set(['opencode']));
  });

  it('reads the model and provider when a version nests them under `model`', () => {
    const data = {
      role: 'assistant',
      time: { created: 1_795_593_600_000 },
      model: { providerID: 'w3', modelID: 'MiniMax-M2.5' },
      tokens: { input: 10, output: 2, reasoning: 0, cache: { read: 0, write: 0 } },
    };
    const outcome = [...(openCode.readDocument?.(data, { path: 'msg_x.json' }) ?? [])][0];
    expect(outcome).toMatchObject({ kind: 'record', record: { model: 'MiniMax-M2.5', provider: 'w3', totalTokens: 12 } });
    const byId = { ...data, model: { providerID: 'anthropic', id: 'claude-sonnet-4-5' } };
    const other = [...(openCode.readDocument?.(byId, { path: 'msg_y.json' }) ?? [])][0];
    expect(other).toMatchObject({ kind: 'record', record: { model: 'claude-sonnet-4-5', provider: 'anthropic' } });
  });
});
