/**
 * The dialect registry (src/dialects/registry.ts): every module declares what
 * the rest of the program derives from it, and the derived lists agree.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Environment } from '../src/dialects/module.js';
import { DIALECT_NAMES, DIALECTS, describeSearchedFiles, listDefaultLocations, readerForFileName, USAGE_MARKERS } from '../src/dialects/registry.js';

const ROOT = join(import.meta.dirname, '..');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const line of markdown.split('\n')) {
    const heading = /^#+\s+(.*)$/.exec(line);
    if (heading?.[1]) anchors.add(heading[1].trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return anchors;
}

describe('the dialect registry', () => {
  it('names each module once, and the names are the list --format and JSON use', () => {
    expect(new Set(DIALECT_NAMES).size).toBe(DIALECTS.length);
    expect(DIALECT_NAMES).toEqual(DIALECTS.map((dialect) => dialect.name));
  });

  it('gives every module a fixture and a documented mapping', () => {
    const record = anchorsOf(readFileSync(join(ROOT, 'docs', 'record.md'), 'utf8'));
    for (const dialect of DIALECTS) {
      expect(existsSync(join(ROOT, dialect.fixture)), `${dialect.name}: ${dialect.fixture}`).toBe(true);
      const [file, anchor] = dialect.docs.split('#');
      expect(file, dialect.name).toBe('record.md');
      expect(record.has(anchor ?? ''), `${dialect.name}: docs/${dialect.docs}`).toBe(true);
    }
  });

  it('gives every module a reader it can serve', () => {
    for (const dialect of DIALECTS as readonly { name: string; reader: string; createParser?: unknown; readDocument?: unknown; readDatabase?: unknown; fileNames?: RegExp; markers: readonly string[] }[]) {
      if (dialect.reader === 'jsonl') {
        expect(typeof dialect.createParser, dialect.name).toBe('function');
        expect(dialect.markers.length, `${dialect.name} needs prefilter markers`).toBeGreaterThan(0);
      } else {
        expect(dialect.fileNames, `${dialect.name} must claim its file names`).toBeInstanceOf(RegExp);
        expect(typeof (dialect.reader === 'document' ? dialect.readDocument : dialect.readDatabase), dialect.name).toBe('function');
      }
    }
    // Each marker ends with a key's closing quote, so that text inside a JSON string cannot match it.
    for (const marker of USAGE_MARKERS) expect(marker.endsWith('"'), marker).toBe(true);
  });

  it('reads JSON lines by extension and nothing else unless a module claims the name', () => {
    expect(readerForFileName('rollout-1.jsonl')).toBe('jsonl');
    expect(readerForFileName('events.ndjson.gz')).toBe('jsonl');
    expect(readerForFileName('package.json')).toBeUndefined();
    expect(readerForFileName('notes.txt')).toBeUndefined();
  });

  it('derives the default locations from the modules, honouring each agent home variable', () => {
    const environment: Environment = {
      home: '/home/dev',
      variables: { CLAUDE_CONFIG_DIR: '/a, /b', CODEX_HOME: '/codex', XDG_CONFIG_HOME: '/xdg' },
      platform: 'linux',
    };
    const paths = listDefaultLocations(environment).map((location) => `${location.dialect} ${location.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'claude /a/projects',
        'claude /b/projects',
        'claude /xdg/claude/projects',
        'claude /home/dev/.claude/projects',
        'codex /codex/sessions',
        'codex /codex/archived_sessions',
        'jcode /home/dev/.jcode/usage/events.jsonl',
      ]),
    );
    expect(new Set(paths).size).toBe(paths.length);
    const plain = listDefaultLocations({ home: '/home/dev', variables: {}, platform: 'linux' }).map((location) => location.path);
    expect(plain).toContain('/home/dev/.codex/sessions');
    expect(plain).toContain('/home/dev/.config/claude/projects');
  });
});

describe('describeSearchedFiles', () => {
  it('names every JSON-lines form and every module that finds its files by name', () => {
    const text = describeSearchedFiles();
    for (const form of ['*.jsonl', '*.ndjson', '*.jsonl.gz', '*.ndjson.gz']) expect(text).toContain(form);
    // Document and database modules known by file name: Gemini CLI's session-*.json … thane's *.db.
    for (const name of ['gemini-cli', 'opencode', 'amp', 'droid', 'cline', 'roo-code', 'kilo-code', 'goose', 'kernex-db', 'thane-db']) {
      expect(text).toContain(name);
    }
  });
});
