/**
 * Every ```console example in README.md is run through the real binary and
 * must print exactly what the README shows, so the tour cannot drift from
 * what `usage` does.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHome, ROOT, runCli } from './helpers/cli.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface ConsoleExample {
  command: string;
  args: string[];
  stdout: string;
  exitCode: number;
}

const PROMPT = '$ usage ';
const EXIT_LINE = /^\[exit (\d+)\]$/;

/** Splits a command line as a shell would for plain words and simple '…' or "…" quoting. */
function splitArguments(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
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
  if (quote !== null) throw new Error(`unterminated ${quote} in: ${line}`);
  if (inWord) args.push(current);
  return args;
}

function parseConsoleExamples(markdown: string): ConsoleExample[] {
  const examples: ConsoleExample[] = [];
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  for (let index = 0; index < lines.length; index++) {
    if (lines[index] !== '```console') continue;
    const start = index + 1;
    let end = start;
    while (end < lines.length && lines[end] !== '```') end++;
    if (end === lines.length) throw new Error(`README.md: the console block at line ${index + 1} is never closed`);
    const block = lines.slice(start, end);
    index = end;
    const command = block.shift();
    if (command === undefined || !command.startsWith(PROMPT)) {
      throw new Error(`README.md: the console block at line ${start} must start with "${PROMPT}…"`);
    }
    // [exit N] is only written for a non-zero code, as the last line.
    const exitMatch = EXIT_LINE.exec(block.at(-1) ?? '');
    if (exitMatch) block.pop();
    examples.push({
      command: command.slice(2),
      args: splitArguments(command.slice(PROMPT.length)),
      stdout: block.join('\n'),
      exitCode: exitMatch ? Number(exitMatch[1]) : 0,
    });
  }
  return examples;
}

/** CSV ends lines with CRLF and the README cannot show it; table padding at line ends is invisible too. */
function normaliseOutput(stdout: string): string {
  return stdout
    .replace(/\r\n/g, '\n')
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n');
}

const EXAMPLES = parseConsoleExamples(README);

describe('README.md', () => {
  it('still gives the two set-up commands', () => {
    expect(README).toContain('npm install && npm run demo');
    expect(README).toContain('npm test');
  });

  it('has console examples to check', () => {
    // Guards against a parser change that silently finds nothing to run.
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(15);
  });

  it('splits arguments honouring simple quotes', () => {
    expect(splitArguments(`cost logs --by 'project,model' --since "2026-11-01"  x`)).toEqual(['cost', 'logs', '--by', 'project,model', '--since', '2026-11-01', 'x']);
    expect(splitArguments(`pricing "two words" ''`)).toEqual(['pricing', 'two words', '']);
  });
});

describe('README.md tour', () => {
  for (const example of EXAMPLES) {
    it(example.command, async () => {
      // A fresh home keeps the real config, logs and index out of it; the relative fixture paths need the repo root.
      const home = createHome();
      try {
        const result = await runCli(example.args, { home, cwd: ROOT });
        expect(normaliseOutput(result.stdout), `stderr:\n${result.stderr}`).toBe(example.stdout);
        expect(result.code, `stderr:\n${result.stderr}`).toBe(example.exitCode);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  }
});
