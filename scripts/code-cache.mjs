#!/usr/bin/env node
/**
 * Writes a V8 code cache for dist/bundle/usage.cjs (run by scripts/bundle.mjs:
 * `node scripts/code-cache.mjs <bundle> <cache> commands|statusline`). The
 * bundle is compiled as bin/usage.js compiles it, common runs of one kind go
 * over the fixtures in a throw-away home, and then the cache is taken: it
 * holds the bytecode of every function those runs called, so a real run
 * neither parses nor compiles them. Only what a run does every time is worth
 * training, since every run loads the whole cache: the statusline, which runs
 * every few seconds and loads little, has a cache of its own.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

const [bundle, cacheFile, kind] = process.argv.slice(2);
if (!bundle || !cacheFile || (kind !== 'commands' && kind !== 'statusline')) throw new Error('usage: code-cache.mjs <bundle> <cache> commands|statusline');
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLAUDE_LOGS = join(ROOT, 'fixtures', 'logs', 'claude');
const CLAUDE_FILE = join(CLAUDE_LOGS, 'projects', '-home-dev-api', '9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e.jsonl');

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
  if (kind === 'commands') {
    const { main } = await edge.loadMain();
    // With the process's own context, as a real run (scripts/bundle.mjs reads this process's stdout and
    // stderr through pipes and drops them): a one-file report as JSON (the benchmark's), and the default table.
    for (const argv of [
      ['report', '--json', '-q', '--no-cache', CLAUDE_FILE],
      ['report', '--no-cache', CLAUDE_LOGS],
    ]) {
      const code = await main(argv);
      if (code !== 0) throw new Error(`code cache: \`usage ${argv.join(' ')}\` ended with ${code}`);
    }
  } else {
    // The warm path only: another process scans and caches the answer, this one answers from that cache
    // (a scan here would put the whole reading pipeline in the cache that every statusline run loads).
    execFileSync(process.execPath, [join(ROOT, 'bin', 'usage.js'), 'statusline', '--max-age', '3600', CLAUDE_LOGS], { env, cwd: home, stdio: 'ignore' });
    const { runStatusline } = await edge.loadStatusline();
    const context = createQuietContext(version);
    let line = '';
    context.stdout = { ...context.stdout, write: (text) => { line += text; } };
    await runStatusline([CLAUDE_LOGS], { maxAge: 3600 }, context);
    if (!line.startsWith('session')) throw new Error(`code cache: the statusline printed ${JSON.stringify(line)}`);
  }
  writeFileSync(cacheFile, script.createCachedData());
} finally {
  rmSync(home, { recursive: true, force: true });
}
