#!/usr/bin/env node
// Entry point. Kept tiny: `--version` is answered without loading any module.
// Output failures (a closed pipe, a full disk) are handled by the CLI context,
// which keeps the run's real exit code; the version line handles its own.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  // A reader that went away (EPIPE) changes nothing; a failed write (a full disk) is exit 1, in one line.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') return;
    process.exitCode = 1;
    process.stderr.on('error', () => {});
    process.stderr.write(`error: cannot write the output: ${error.message}\n`);
  });
  process.stdout.write(`${version}\n`);
} else {
  // Interrupted while the index is being written: remove the temporary file
  // now rather than leave tens of megabytes behind, then end as the signal would.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, async () => {
      const { abandonActiveIndexWrites } = await import('../dist/store/index-file.js');
      abandonActiveIndexWrites();
      const { constants } = await import('node:os');
      process.exit(128 + (constants.signals[signal] ?? 0));
    });
  }
  // The statusline runs every few seconds: it skips commander, and ends the process itself so a scan cut short by its time limit never lingers.
  if (argv[0] === 'statusline') await import('../dist/cli/statusline-process.js').then((edge) => edge.runStatuslineProcess(argv.slice(1)));
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(argv);
}
