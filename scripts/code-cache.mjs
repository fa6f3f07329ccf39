#!/usr/bin/env node
/**
 * Writes the V8 code cache for dist/bundle/usage.cjs (run by scripts/bundle.mjs:
 * `node scripts/code-cache.mjs <bundle> <cache>`). The bundle is compiled as
 * bin/usage.js compiles it, a few common commands run over the fixtures in a
 * throw-away home, and then the cache is taken: it holds the bytecode of every
 * function those runs called, so a real run neither parses nor compiles them.
 * Only what a run does every time is worth training: each function in the
 * cache costs every run a little to load.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const [bundle, cacheFile] = process.argv.slice(2);
if (!bundle || !cacheFile) throw new Error('usage: code-cache.mjs <bundle> <cache>');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLAUDE_LOGS = join(ROOT, 'fixtures', 'logs', 'claude');

const home = mkdtempSync(join(tmpdir(), 'usage-code-cache-'));
for (const folder of ['.config', '.cache', '.local/share', '.local/state']) mkdirSync(join(home, folder), { recursive: true });
const env = {
  PATH: process.env['PATH'],
  HOME: home,
  XDG_CONFIG_HOME: join(home, '.config'),
  XDG_CACHE_HOME: join(home, '.cache'),
  XDG_DATA_HOME: join(home, '.local/share'),
  XDG_STATE_HOME: join(home, '.local/state'),
  CLAUDE_CONFIG_DIR: join(home, '.claude-config'),
  CODEX_HOME: join(home, '.codex-home'),
  TZ: 'UTC',
  NO_COLOR: '1',
};
// Some readers look at process.env directly: keep them inside the throw-away home too.
for (const key of Object.keys(process.env)) delete process.env[key];
Object.assign(process.env, env);

/** A context that swallows the output (the shape of src/cli/context.ts's CliContext). */
function createQuietContext(version) {
  const quiet = { write: () => {}, isTTY: false, columns: Number.POSITIVE_INFINITY, failure: undefined, flush: async () => {} };
  return { stdout: quiet, stderr: quiet, stdin: [], env, home, cwd: home, now: new Date(), systemTimeZone: 'UTC', cores: 1, version, platform: process.platform };
}

// Read as bin/usage.js reads it (the same string, or V8 refuses the cache).
const script = new Script(readFileSync(bundle, 'latin1'), { filename: bundle });
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(join(ROOT, 'bin', 'usage.js')), module, bundle, dirname(bundle));
const edge = module.exports;
const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
try {
  const { main } = await edge.loadMain();
  // The benchmark's and the statusline's paths: a one-file report as JSON and as a table.
  for (const argv of [
    ['report', '--json', '-q', '--no-cache', CLAUDE_LOGS],
    ['report', '--no-cache', CLAUDE_LOGS],
  ]) {
    const code = await main(argv, createQuietContext(version));
    if (code !== 0) throw new Error(`code cache: \`usage ${argv.join(' ')}\` ended with ${code}`);
  }
  const { runStatusline } = await edge.loadStatusline();
  // Twice: the first run scans and caches the answer, the second answers from that cache.
  for (let round = 0; round < 2; round++) await runStatusline([CLAUDE_LOGS], { maxAge: 3600 }, createQuietContext(version));
  writeFileSync(cacheFile, script.createCachedData());
} finally {
  rmSync(home, { recursive: true, force: true });
}
