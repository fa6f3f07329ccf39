#!/usr/bin/env node
// Rewrites the output of every ```console example in README.md with what the
// built binary prints now (run `npm run build` first). test/readme.test.ts
// checks the README against the binary; this is how a deliberate change of
// output is carried into it. Read the diff before committing it: the README
// shows figures people check by hand.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hermeticEnvironment, prepareHome } from './hermetic-env.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = join(root, 'README.md');
const lines = readFileSync(readmePath, 'utf8').split('\n');

function splitArguments(line) {
  const args = [];
  let current = '';
  let inWord = false;
  let quote = null;
  for (const character of line) {
    if (quote !== null) {
      if (character === quote) quote = null;
      else current += character;
    } else if (character === '"' || character === "'") {
      quote = character;
      inWord = true;
    } else if (/\s/.test(character)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += character;
      inWord = true;
    }
  }
  if (inWord) args.push(current);
  return args;
}

const output = [];
for (let index = 0; index < lines.length; index++) {
  output.push(lines[index]);
  if (lines[index] !== '```console') continue;
  const command = lines[index + 1];
  let end = index + 1;
  while (lines[end] !== '```') end++;
  const home = prepareHome(mkdtempSync(join(tmpdir(), 'usage-readme-')));
  const result = spawnSync(process.execPath, [join(root, 'bin', 'usage.js'), ...splitArguments(command.slice('$ usage '.length))], {
    cwd: root,
    encoding: 'utf8',
    env: hermeticEnvironment(home),
  });
  rmSync(home, { recursive: true, force: true });
  const printed = result.stdout
    .replace(/\r\n/g, '\n')
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => line.trimEnd());
  output.push(command, ...printed);
  if (result.status !== 0) output.push(`[exit ${result.status}]`);
  output.push('```');
  index = end;
}
writeFileSync(readmePath, output.join('\n'));
