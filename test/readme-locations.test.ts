/**
 * The README's "Where `usage` looks by default" table lists every default
 * location of every module, in registry order. Expected rows come from
 * listDefaultLocations itself, with a fixed fake environment: home /home/u
 * (shown as `~`), and each variable a module reads set on its own to
 * `/$NAME` (shown as `$NAME`), so a location a module adds, or a variable it
 * starts to read, fails here until the README names it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIALECTS, listDefaultLocations } from '../src/dialects/registry.js';
import { ROOT } from './helpers/cli.js';

// Every environment variable a module's `locations` reads (grep `variables[` in src/dialects).
const VARIABLES = [
  'CLAUDE_CONFIG_DIR',
  'CLINE_DIR',
  'CODEX_HOME',
  'COPILOT_HOME',
  'COPILOT_OTEL_FILE_EXPORTER_PATH',
  'GEMINI_CLI_HOME',
  'GOOSE_PATH_ROOT',
  'KIMI_SHARE_DIR',
  'OPENCLAW_STATE_DIR',
  'PI_CODING_AGENT_DIR',
  'QWEN_HOME',
  'QWEN_RUNTIME_DIR',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
];

// The VS Code family repeats one path per editor; the README writes `<editor>` once.
const EDITORS = /\/(?:Code - Insiders|Code|VSCodium|Cursor|Windsurf)\/User\//;

function show(path: string): string {
  return path
    .replace(/^\/home\/u(?=\/|$)/, '~')
    .replace(/^\/\$/, '$')
    .replace(EDITORS, '/<editor>/User/');
}

/** The table's rows: the code spans of the first column and the second column's text. */
function readTable(): Array<{ paths: string[]; writer: string }> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('## Where `usage` looks by default')[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [first = '', second = ''] = line.replace(/^\| /, '').replace(/ \|$/, '').split(' | ');
      return { paths: [...first.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string), writer: second.trim() };
    });
}

describe('README default locations', () => {
  const rows = readTable();
  const titles = new Map(DIALECTS.map((dialect) => [dialect.name as string, dialect.title]));
  const environments = [{}, ...VARIABLES.map((name) => ({ [name]: `/$${name}` }))];

  it('names every default location of every module in the row of the module that reads it', () => {
    for (const variables of environments) {
      for (const location of listDefaultLocations({ home: '/home/u', variables, platform: 'linux' })) {
        const title = titles.get(location.dialect) as string;
        const row = rows.find((candidate) => candidate.writer.startsWith(title));
        expect(row, `a row written by ${title}`).toBeDefined();
        expect(row?.paths, `${title}: ${show(location.path)}`).toContain(show(location.path));
      }
    }
  });

  it('lists the modules in registry order, one row each', () => {
    const withLocations = DIALECTS.filter((dialect) => dialect.locations({ home: '/home/u', variables: {}, platform: 'linux' }).length > 0);
    expect(rows.map((row) => row.writer.split(' (')[0])).toEqual(withLocations.map((dialect) => dialect.title.split(' (')[0]));
  });
});
