/**
 * The statusline's process edge, called by bin/usage.js before the full CLI
 * loads. Ends the process once the line is written, so a scan cut short by
 * the time limit (or its worker threads) never outlives the answer. Returns
 * only when the arguments need the full CLI (--help, an unknown flag).
 */
import { readFileSync } from 'node:fs';
import { createProcessContext } from './context.js';
import { parseStatuslineArguments, runStatusline } from '../statusline/run.js';

export async function runStatuslineProcess(argv: readonly string[]): Promise<void> {
  const parsed = parseStatuslineArguments(argv);
  if (parsed === null) return;
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const context = createProcessContext(version);
  const code = await runStatusline(parsed.paths, parsed.flags, context);
  // Exit once stdout has taken the line (a pipe may not have, synchronously); never return to the full CLI.
  await new Promise<never>(() => {
    process.stdout.write('', () => process.exit(code));
  });
}
