#!/usr/bin/env node
// Entry point. Kept tiny: `--version` is answered without loading any module,
// and a closed stdout (`usage report | head`) ends the process quietly.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  // The statusline runs every few seconds: it skips commander, and ends the process itself so a scan cut short by its time limit never lingers.
  if (argv[0] === 'statusline') await import('../dist/cli/statusline-process.js').then((edge) => edge.runStatuslineProcess(argv.slice(1)));
  const { main } = await import('../dist/cli/main.js');
  const code = await main(argv);
  process.exitCode = code;
}
