/**
 * Cline task files (src/dialects/cline.ts, mapping shared with Roo Code and
 * Kilo Code in src/dialects/vscode-tasks.ts) against totals worked out by
 * hand from fixtures/logs/cline.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cline } from '../src/dialects/cline.js';
import { kiloCode } from '../src/dialects/kilo-code.js';
import { rooCode } from '../src/dialects/roo-code.js';
import { readTaskMessages } from '../src/dialects/vscode-tasks.js';
import { fixture } from './helpers/cli.js';
import { runModule, sumRecordedCost, sumTokens } from './helpers/dialect-module.js';

describe('cline', () => {
  it('counts finished requests and the deleted-requests total, skipping one still running and one cut off', async () => {
    const run = await runModule(cline, fixture('logs', 'cline'));
    // Usage messages in order: 1 (3 in, 410 out, 14200 write, 0 read), 2 (6, 250,
    // 900, 14200), 3 still running (no counts: no usage), 4 cut-off text (invalid
    // JSON), 5 deleted_api_reqs (12, 800, 2000, 30000).
    // input 3 + 6 + 12 = 21; output 410 + 250 + 800 = 1460;
    // cache write 14200 + 900 + 2000 = 17100; cache read 0 + 14200 + 30000 = 44200;
    // total 21 + 1460 + 17100 + 44200 = 62781.
    expect(sumTokens(run.records)).toEqual({
      records: 3,
      input: 21,
      output: 1460,
      reasoning: 0,
      cacheRead: 44200,
      cacheWrite: 17100,
      unattributed: 0,
      total: 62781,
    });
    expect(run.noUsage).toBe(1);
    expect(run.invalid.map((problem) => [problem.reason, problem.entry])).toEqual([['invalid_json', 4]]);
    // 0.059409 + 0.011403 + 0.028536 = 0.099348.
    expect(sumRecordedCost(run.records)).toBe(0.099348);
    expect(run.records.map((record) => record.model)).toEqual([
      'claude-sonnet-4-5-20250929',
      'claude-sonnet-4-5-20250929',
      'unknown',
    ]);
    expect(run.records[0]?.session).toBe('1795582400000');
    expect(run.records[0]?.timestamp).toBe(1795582400500);
  });

  it('keys each request on task and ts, so a rewritten document repeats no request', () => {
    const request = (ts: number, tokensIn: number) => ({
      ts,
      type: 'say',
      say: 'api_req_started',
      text: JSON.stringify({ tokensIn, tokensOut: 1 }),
    });
    const keys = (document: unknown[]) =>
      Array.from(readTaskMessages('cline', document, { path: '/g/tasks/T1/ui_messages.json' })).map((outcome) =>
        outcome.kind === 'record' ? outcome.dedupKey : outcome.kind,
      );
    const before = [request(100, 5)];
    const after = [...before, request(200, 7)];
    expect(keys(before)).toEqual(['cline:T1:100']);
    expect(keys(after)).toEqual(['cline:T1:100', 'cline:T1:200']);
  });

  it('finds the tasks of every editor on Linux, macOS and Windows', () => {
    const linux = cline.locations({ home: '/home/u', platform: 'linux', variables: {} }).map((location) => location.path);
    expect(linux).toContain('/home/u/.config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks');
    expect(linux).toContain('/home/u/.config/Cursor/User/globalStorage/saoudrizwan.claude-dev/tasks');
    expect(linux).toContain('/home/u/.cline/data/tasks');
    const xdg = cline.locations({ home: '/home/u', platform: 'linux', variables: { XDG_CONFIG_HOME: '/cfg' } });
    expect(xdg[0]?.path).toBe('/cfg/Code/User/globalStorage/saoudrizwan.claude-dev/tasks');
    const mac = rooCode.locations({ home: '/Users/u', platform: 'darwin', variables: {} });
    expect(mac[0]?.path).toBe('/Users/u/Library/Application Support/Code/User/globalStorage/rooveterinaryinc.roo-cline/tasks');
    const windows = kiloCode.locations({ home: 'C:/Users/u', platform: 'win32', variables: { APPDATA: '/appdata' } });
    expect(windows[0]?.path).toBe('/appdata/Code/User/globalStorage/kilocode.kilo-code/tasks');
  });
});

describe('older Cline task files', () => {
  it('count the api_req_finished message that carried the counts, not the bare api_req_started', () => {
    // Older Cline: api_req_started holds only the request; api_req_finished the counts (10 in, 4 out, 3 read, 2 written).
    const document = [
      { ts: 1795582400100, type: 'say', say: 'api_req_started', text: JSON.stringify({ request: 'prompt' }) },
      { ts: 1795582400101, type: 'say', say: 'text', text: 'working' },
      { ts: 1795582400102, type: 'say', say: 'api_req_finished', text: JSON.stringify({ tokensIn: 10, tokensOut: 4, cacheReads: 3, cacheWrites: 2, cost: 0.01 }) },
    ];
    const outcomes = Array.from(cline.readDocument?.(document, { path: '/g/tasks/T/ui_messages.json' }) ?? []);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['no_usage', 'record']);
    const record = outcomes[1]?.kind === 'record' ? outcomes[1].record : undefined;
    // total 10 + 4 + 3 + 2 = 19.
    expect([record?.inputTokens, record?.totalTokens, record?.timestamp]).toEqual([10, 19, 1795582400102]);
  });
});

describe('which extension wrote a task file', () => {
  it('is read from the extension id in its path, whichever module reads it', () => {
    const document = [{ ts: 5, type: 'say', say: 'api_req_started', text: JSON.stringify({ tokensIn: 1, tokensOut: 1 }) }];
    const read = (path: string) =>
      Array.from(cline.readDocument?.(document, { path }) ?? []).map((outcome) =>
        outcome.kind === 'record' ? [outcome.record.dialect, outcome.record.agent] : [],
      );
    const storage = '/home/u/.config/Code/User/globalStorage';
    expect(read(`${storage}/rooveterinaryinc.roo-cline/tasks/t/ui_messages.json`)).toEqual([['roo-code', 'roo-code']]);
    expect(read(`${storage}/kilocode.kilo-code/tasks/t/ui_messages.json`)).toEqual([['kilo-code', 'kilo-code']]);
    expect(read(`${storage}/saoudrizwan.claude-dev/tasks/t/ui_messages.json`)).toEqual([['cline', 'cline']]);
    expect(read('/elsewhere/tasks/t/ui_messages.json')).toEqual([['cline', 'cline']]);
  });
});

describe('the task mapping (property)', () => {
  it('never gives negative fresh input and always sums its buckets to the total', () => {
    const count = fc.integer({ min: 0, max: 5_000_000 });
    fc.assert(
      fc.property(count, count, count, count, fc.constantFrom('anthropic', 'openai', undefined), (tokensIn, tokensOut, cacheReads, cacheWrites, apiProtocol) => {
        const text = JSON.stringify({ tokensIn, tokensOut, cacheReads, cacheWrites, apiProtocol });
        const [outcome] = Array.from(readTaskMessages('cline', [{ ts: 1, type: 'say', say: 'api_req_started', text }], { path: '/t/x/ui_messages.json' }));
        if (tokensIn + tokensOut + cacheReads + cacheWrites === 0) return outcome?.kind === 'no_usage';
        if (outcome?.kind !== 'record') return false;
        const record = outcome.record;
        const fresh = apiProtocol === 'openai' ? Math.max(0, tokensIn - cacheReads - cacheWrites) : tokensIn;
        return (
          record.inputTokens === fresh &&
          record.inputTokens >= 0 &&
          record.totalTokens === record.inputTokens + tokensOut + cacheReads + cacheWrites
        );
      }),
    );
  });
});
