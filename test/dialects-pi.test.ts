/**
 * pi session files (src/dialects/pi.ts, mapping in src/dialects/pi-sessions.ts)
 * against totals worked out by hand from fixtures/logs/pi.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pi } from '../src/dialects/pi.js';
import { isPiSessionLine } from '../src/dialects/pi-sessions.js';
import { fixture } from './helpers/cli.js';
import { runModule, sumRecordedCost, sumTokens } from './helpers/dialect-module.js';

const FOLDER = fixture('logs', 'pi');

describe('pi', () => {
  it('counts each assistant response once, a forked copy included, and skips the malformed one', async () => {
    const run = await runModule(pi, FOLDER);
    // Session 5f0c…: responses a1000003 (1200 in, 300 out, 0 read, 4000 write) and
    // a1000005 (150, 420, 5200, 0); a1000006 is aborted with zero usage; a1000007
    // has output -5 and is skipped. Fork 9d8e…: a1000003 copied verbatim (same id
    // and timestamp: a duplicate), then b2000002 (80, 260, 9400, 600).
    // input 1200 + 150 + 80 = 1430; output 300 + 420 + 260 = 980;
    // cache read 0 + 5200 + 9400 = 14600; cache write 4000 + 0 + 600 = 4600;
    // total 1430 + 980 + 14600 + 4600 = 21610.
    expect(sumTokens(run.records)).toEqual({
      records: 3,
      input: 1430,
      output: 980,
      reasoning: 0,
      cacheRead: 14600,
      cacheWrite: 4600,
      unattributed: 0,
      total: 21610,
    });
    expect(run.duplicates).toBe(1);
    expect(run.invalid.map((problem) => [problem.reason, problem.entry])).toEqual([['negative_or_non_integer_tokens', 8]]);
    // Recorded cost 0.0231 + 0.00831 + 0.00921 = 0.04062.
    expect(sumRecordedCost(run.records)).toBe(0.04062);
  });

  it('takes the session from the header and the project from its cwd', async () => {
    const run = await runModule(pi, FOLDER);
    expect(new Set(run.records.map((record) => [record.project, record.projectPath].join(' ')))).toEqual(
      new Set(['shop /home/dev/shop']),
    );
    expect(run.records.map((record) => record.session)).toEqual([
      '5f0c6a1e-2b7d-4c1a-9e3f-7a8b9c0d1e2f',
      '5f0c6a1e-2b7d-4c1a-9e3f-7a8b9c0d1e2f',
      '9d8e7f6a-5b4c-4d3e-8f2a-1b0c9d8e7f6a',
    ]);
    expect(run.records.every((record) => record.dialect === 'pi' && record.model === 'claude-sonnet-4-5')).toBe(true);
    expect(run.records[0]?.timestamp).toBe(Date.parse('2026-11-23T09:15:11.000Z'));
  });

  it('resumes a file with the session and project it had read', () => {
    const parse = pi.createParser?.({ path: '/x/--home-a--/2026-01-01T00-00-00-000Z_abc.jsonl' });
    parse?.({ type: 'session', version: 3, id: 'S', timestamp: '2026-01-01T00:00:00Z', cwd: '/home/a' });
    const resumed = pi.createParser?.({ path: '/x/--home-a--/2026-01-01T00-00-00-000Z_abc.jsonl' }, parse?.saveState?.());
    const outcome = resumed?.({
      type: 'message',
      id: 'm1',
      parentId: null,
      timestamp: '2026-01-01T00:00:05Z',
      message: { role: 'assistant', model: 'm', usage: { input: 1, output: 2, cacheRead: 0, cacheWrite: 0, totalTokens: 3 } },
    });
    expect(outcome?.kind === 'record' && [outcome.record.session, outcome.record.project, outcome.record.projectPath]).toEqual([
      'S',
      'a',
      '/home/a',
    ]);
  });

  it('hands a file laid out the OpenClaw way to OpenClaw', () => {
    const line = {
      type: 'message',
      id: 'm1',
      parentId: null,
      timestamp: '2026-01-01T00:00:05Z',
      message: { role: 'assistant', model: 'm', usage: { input: 1, output: 2 } },
    };
    const read = (path: string) => {
      const outcome = pi.createParser?.({ path })(line);
      return outcome?.kind === 'record' ? [outcome.record.dialect, outcome.record.agent] : [];
    };
    expect(read('/srv/state/agents/main/sessions/abc.jsonl')).toEqual(['openclaw', 'openclaw']);
    expect(read('/home/u/.pi/agent/sessions/--home-u--/2026_abc.jsonl')).toEqual(['pi', 'pi']);
  });

  it('honours PI_CODING_AGENT_DIR', () => {
    const base = { home: '/home/u', platform: 'linux' };
    expect(pi.locations({ ...base, variables: { PI_CODING_AGENT_DIR: '/opt/pi' } })[0]?.path).toBe('/opt/pi/sessions');
    expect(pi.locations({ ...base, variables: {} })[0]?.path).toBe('/home/u/.pi/agent/sessions');
  });

  it('recognises its lines but not Claude Code lines', () => {
    expect(isPiSessionLine({ type: 'session', id: 'x', cwd: '/' })).toBe(true);
    expect(isPiSessionLine({ type: 'message', id: 'a', parentId: null, message: { role: 'user' } })).toBe(true);
    expect(isPiSessionLine({ type: 'model_change', id: 'b', parentId: 'a', provider: 'x', modelId: 'y' })).toBe(true);
    expect(isPiSessionLine({ type: 'user', uuid: 'u', parentUuid: null, message: { role: 'user' } })).toBe(false);
    expect(isPiSessionLine({ type: 'assistant', uuid: 'u', sessionId: 's', message: { role: 'assistant' } })).toBe(false);
  });

  it('maps any counts onto fresh input and disjoint caches that sum to the total (property)', () => {
    const count = fc.integer({ min: 0, max: 10_000_000 });
    fc.assert(
      fc.property(count, count, count, count, (input, output, cacheRead, cacheWrite) => {
        const parse = pi.createParser?.({ path: 'session.jsonl' });
        const outcome = parse?.({
          type: 'message',
          id: 'm',
          parentId: null,
          timestamp: '2026-01-01T00:00:00Z',
          message: { role: 'assistant', model: 'm', usage: { input, output, cacheRead, cacheWrite } },
        });
        if (input + output + cacheRead + cacheWrite === 0) return outcome?.kind === 'no_usage';
        if (outcome?.kind !== 'record') return false;
        const record = outcome.record;
        return (
          record.inputTokens === input &&
          record.cacheReadTokens === cacheRead &&
          record.cacheWriteTokens === cacheWrite &&
          record.totalTokens === input + output + cacheRead + cacheWrite
        );
      }),
    );
  });
});
