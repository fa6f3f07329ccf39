/**
 * The statusline's process edge, called by bin/usage.js before the full CLI
 * loads. Ends the process once the line is written, so a scan cut short by
 * the time limit (or its worker threads) never outlives the answer. Returns
 * only when the arguments need the full CLI (--help, an unknown flag).
 */
import { fstatSync, readSync, statSync } from 'node:fs';
import { createProcessContext, readVersion } from './context.js';
import { parseStatuslineArguments, runStatusline } from '../statusline/run.js';

export async function runStatuslineProcess(argv: readonly string[]): Promise<void> {
  const parsed = parseStatuslineArguments(argv);
  if (parsed === null) return;
  const context = createProcessContext(readVersion());
  const input = readSettledInput();
  if (input) Object.defineProperty(context, 'stdin', { value: input, enumerable: true });
  const code = await runStatusline(parsed.paths, parsed.flags, context);
  // Exit once stdout has taken the line (a pipe may not have, synchronously); never return to the full CLI.
  await context.stdout.flush?.();
  process.exit(code);
}

/** What readInputText (src/statusline/run.ts) reads at most, plus one byte to see that there is more. */
const INPUT_LIMIT = (1 << 20) + 1;

/**
 * Standard input that is a regular file or /dev/null, read at once: it is
 * all there already and can never block. process.stdin would make a stream
 * of it (fs streams, fs/promises, readline: a third of a warm statusline's
 * start-up). A pipe (how Claude Code calls it) or a terminal returns
 * undefined and keeps process.stdin, whose reads the time limit can abandon.
 */
function readSettledInput(): (AsyncIterable<Buffer> & { isTTY: boolean }) | undefined {
  let bytes: Buffer;
  try {
    const stats = fstatSync(0);
    const devNull = stats.isCharacterDevice() && stats.rdev === statSync('/dev/null').rdev;
    if (!stats.isFile() && !devNull) return undefined;
    bytes = Buffer.alloc(devNull ? 0 : Math.min(stats.size, INPUT_LIMIT));
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(0, bytes, filled, bytes.length - filled, null);
      if (read === 0) break;
      filled += read;
    }
    bytes = bytes.subarray(0, filled);
  } catch {
    // No descriptor 0, no /dev/null (Windows), a read error: process.stdin decides.
    return undefined;
  }
  return {
    isTTY: false,
    async *[Symbol.asyncIterator]() {
      if (bytes.length > 0) yield bytes;
    },
  };
}
