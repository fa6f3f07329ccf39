/**
 * `usage blocks --live` through a real terminal: tmux runs it in a detached
 * session; the test reads the pane, appends to the log, presses keys, and
 * checks the terminal is given back (alternate screen left, cursor shown).
 * Skipped where tmux is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, createHome, hermeticEnv } from './helpers/cli.js';

const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
const sessions: string[] = [];

function assistant(time: Date, id: string, input: number, output: number): string {
  return `${JSON.stringify({
    type: 'assistant',
    timestamp: time.toISOString(),
    sessionId: 'live-session',
    requestId: `req_${id}`,
    message: { id: `msg_${id}`, model: 'claude-sonnet-4-5', usage: { input_tokens: input, output_tokens: output } },
  })}\n`;
}

function capture(session: string): string {
  return execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
}

async function waitFor(session: string, test: (pane: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let pane = '';
  while (Date.now() < deadline) {
    pane = capture(session);
    if (test(pane)) return pane;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}; the pane shows:\n${pane}`);
}

/** Starts the live view in a fresh tmux session; the shell prints the exit code after it ends and waits. */
function startLiveView(extraEnv: Record<string, string>): { session: string; log: string } {
  const home = createHome();
  const folder = join(home, 'logs', 'project');
  mkdirSync(folder, { recursive: true });
  const log = join(folder, 'live-session.jsonl');
  // 1,000 in + 500 out ten minutes ago: an active block with 1,500 tokens.
  writeFileSync(log, assistant(new Date(Date.now() - 10 * 60_000), '1', 1000, 500));
  const env = { ...hermeticEnv(home, extraEnv), TERM: 'xterm-256color' };
  const exports = Object.entries(env)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `export ${key}='${String(value).replaceAll("'", "'\\''")}'`)
    .join('\n');
  const script = join(home, 'run.sh');
  writeFileSync(script, `${exports}\nclear\nnode '${BIN}' blocks --live '${join(home, 'logs')}' --tz UTC\necho "EXITED $?"\nsleep 60\n`);
  const session = `usage-live-${process.pid}-${sessions.length}`;
  sessions.push(session);
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '180', '-y', '50', `sh '${script}'`]);
  return { session, log };
}

afterEach(() => {
  // Only the sessions this test started, by name.
  for (const session of sessions.splice(0)) spawnSync('tmux', ['kill-session', '-t', session]);
});

describe.skipIf(!HAS_TMUX)('usage blocks --live', () => {
  it('redraws when the log grows, quits on q and gives the terminal back', async () => {
    const { session, log } = startLiveView({});
    await waitFor(session, (pane) => pane.includes('Active block') && pane.includes('1,500'), 'the first screen');
    // 50,000 more input: 1,500 + 50,000 = 51,500 tokens, shown as 51.5k.
    appendFileSync(log, assistant(new Date(), '2', 50_000, 0));
    await waitFor(session, (pane) => pane.includes('51.5k'), 'the redraw after the log grew');
    execFileSync('tmux', ['send-keys', '-t', session, 'q']);
    const pane = await waitFor(session, (text) => text.includes('EXITED 0'), 'the exit');
    // The alternate screen is gone: the table is not on the normal screen.
    expect(pane).not.toContain('Active block');
    // The cursor is visible again.
    expect(execFileSync('tmux', ['display-message', '-p', '-t', session, '#{cursor_flag}'], { encoding: 'utf8' }).trim()).toBe('1');
  }, 40_000);

  it('falls back to polling and quits on Ctrl-C', async () => {
    const { session, log } = startLiveView({ USAGE_LIVE_POLL: '1' });
    await waitFor(session, (pane) => pane.includes('Active block') && pane.includes('1,500'), 'the first screen');
    appendFileSync(log, assistant(new Date(), '2', 50_000, 0));
    await waitFor(session, (pane) => pane.includes('51.5k'), 'the redraw after polling');
    execFileSync('tmux', ['send-keys', '-t', session, 'C-c']);
    const pane = await waitFor(session, (text) => text.includes('EXITED 0'), 'the exit');
    expect(pane).not.toContain('Active block');
  }, 40_000);
});
