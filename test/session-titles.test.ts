import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSessionTitles } from '../src/sources/session-titles.js';
import { fixture, runUsage } from './helpers/cli.js';

const line = (value: unknown) => `${JSON.stringify(value)}\n`;

describe('session titles from Claude summary lines', () => {
  it('gives the title to the session of the leaf message, wherever the summary is written', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-titles-'));
    const first = join(folder, 'first.jsonl');
    const resumed = join(folder, 'resumed.jsonl');
    // Session "one" ends at message u2; its summary sits at the top of the file of session "two", which resumed it.
    writeFileSync(
      first,
      line({ type: 'user', uuid: 'u1', sessionId: 'one', message: { role: 'user', content: 'hi' } }) +
        // A nested uuid before the line's own must not hide it.
        line({ type: 'assistant', toolUseResult: { uuid: 'nested' }, uuid: 'u2', sessionId: 'one', message: { role: 'assistant' } }),
    );
    writeFileSync(
      resumed,
      line({ type: 'summary', summary: 'Refactor the parser', leafUuid: 'u2' }) +
        line({ type: 'summary', summary: 'Lost conversation', leafUuid: 'not-in-the-logs' }) +
        line({ type: 'user', uuid: 'u3', sessionId: 'two', message: { role: 'user', content: 'go on' } }),
    );
    const titles = await readSessionTitles([
      { kind: 'file', path: first },
      { kind: 'file', path: resumed },
    ]);
    // "two" has no summary of its own; the leaf that is not in the logs names nobody.
    expect(Object.fromEntries(titles)).toEqual({ one: 'Refactor the parser' });
  });

  it('shows the title in usage sessions', async () => {
    const result = await runUsage(['sessions', fixture('logs', 'claude'), '--json', '--no-cache']);
    const json = JSON.parse(result.stdout);
    // The fixture's summary line names leaf a1000000-…-000000000009, a message of session 3f0c2a4e-….
    expect(json.sessions.map((session: { session: string; title: string | null }) => [session.session, session.title])).toEqual([
      ['3f0c2a4e-8b1d-4c5e-9a7f-1d2e3f4a5b6c', 'Fix the login redirect loop'],
      ['9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e', null],
    ]);
  });
});
