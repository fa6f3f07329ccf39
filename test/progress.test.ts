import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgressReporter, PROGRESS_DELAY_MS } from '../src/cli/progress.js';

function terminalStream(): PassThrough & { text: () => string } {
  const chunks: string[] = [];
  const stream = new PassThrough() as PassThrough & Record<string, unknown>;
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  Object.assign(stream, {
    isTTY: true,
    columns: 100,
    cursorTo: (_x: number, _y?: number, callback?: () => void) => callback?.(),
    clearLine: (_direction: number, callback?: () => void) => callback?.(),
    moveCursor: (_x: number, _y: number, callback?: () => void) => callback?.(),
    clearScreenDown: (callback?: () => void) => callback?.(),
    text: () => chunks.join(''),
  });
  return stream as unknown as PassThrough & { text: () => string };
}

const TTY = { stderr: { write: () => undefined, isTTY: true, columns: 100 }, env: {} };

afterEach(() => vi.restoreAllMocks());

describe('progress on stderr', () => {
  it('is off on a non-terminal, with -q, and in CI', () => {
    expect(createProgressReporter({ ...TTY, stderr: { ...TTY.stderr, isTTY: false } }, false)).toBeUndefined();
    expect(createProgressReporter(TTY, true)).toBeUndefined();
    expect(createProgressReporter({ ...TTY, env: { CI: 'true' } }, false)).toBeUndefined();
  });

  it('shows files and megabytes once reading has taken a second, and clears at the end', async () => {
    const stream = terminalStream();
    let now = 1_000_000;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const report = createProgressReporter(TTY, false, stream);
    // Within the first second: nothing.
    report?.({ filesRead: 1, filesToRead: 4, bytesRead: 1_500_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stream.text()).toBe('');
    now += PROGRESS_DELAY_MS + 1;
    report?.({ filesRead: 2, filesToRead: 4, bytesRead: 3_000_000 });
    await vi.waitFor(() => expect(stream.text()).toContain('2/4 files, 3.0 MB'));
    report?.({ filesRead: 4, filesToRead: 4, bytesRead: 6_200_000 });
    expect(stream.text()).toContain('4/4 files, 6.2 MB');
  });
});
