#!/usr/bin/env node
// Entry point. Kept tiny: `--version` is answered without loading any module.
// Output failures (a closed pipe, a full disk) are handled by the CLI context,
// which keeps the run's real exit code.
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  const { main } = await import('../dist/cli/main.js');
  process.exitCode = await main(argv);
}
