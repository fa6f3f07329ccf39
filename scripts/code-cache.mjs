#!/usr/bin/env node
/**
 * Writes the V8 code caches beside the bundle (run by scripts/bundle.mjs, no
 * arguments): dist/bundle/report.cache (report, daily, cost…), usage.cache
 * (every other command), statusline.cache and worker.cache (the ingest
 * pool's worker). Each is made
 * by running common commands over the fixtures through bin/usage.js, in a
 * throw-away home, with USAGE_CODE_CACHE_OUT (or, for the worker,
 * USAGE_WORKER_CODE_CACHE_OUT) naming where the cache goes when the run ends:
 * it then holds the bytecode of every function the run called, so a real run
 * neither parses nor compiles them. Training through the real entry point
 * makes the cache under the V8 flags bin/usage.js sets, which V8 requires;
 * a run given the cache of the run before it, which V8 refuses, fails the
 * build instead of leaving a cache that every run would silently ignore.
 *
 * Only what a run does every time is worth training, since every run loads
 * the whole cache: the statusline, which runs every few seconds and loads
 * little, has a cache of its own, trained on its warm path only.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hermeticEnvironment, prepareHome } from './hermetic-env.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'usage.js');
const OUT = join(ROOT, 'dist', 'bundle');
const LOGS = join(ROOT, 'fixtures', 'logs');
const CLAUDE_LOGS = join(LOGS, 'claude');
const CLAUDE_FILE = join(CLAUDE_LOGS, 'projects', '-home-dev-api', '9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e.jsonl');

const home = prepareHome(mkdtempSync(join(tmpdir(), 'usage-code-cache-')));
// On this thread, unless a step asks for workers.
const env = hermeticEnvironment(home, { USAGE_WORKERS: '0' });

/** Runs `usage <argv>` with stdout and stderr piped, as usage is usually read; returns stdout. */
function runUsage(argv, extraEnv = {}) {
  try {
    return execFileSync(process.execPath, [BIN, ...argv], { env: { ...env, ...extraEnv }, cwd: home, encoding: 'utf8', stdio: 'pipe', maxBuffer: 64 << 20 });
  } catch (error) {
    throw new Error(`code cache: \`usage ${argv.join(' ')}\` failed (${error.status}): ${error.stderr}`);
  }
}

/** Runs `usage <argv>` and moves the cache it wrote to dist/bundle/<name>, where the next run (and every real one) reads it. */
function train(name, argv, variable = 'USAGE_CODE_CACHE_OUT', extraEnv = {}) {
  const written = join(home, `${name}.new`);
  const output = runUsage(argv, { ...extraEnv, [variable]: written });
  if (!existsSync(written)) throw new Error(`code cache: \`usage ${argv.join(' ')}\` wrote no ${name} (V8 refused the one before?)`);
  renameSync(written, join(OUT, name));
  return output;
}

// Each cache starts from none: a run given a cache made under other V8 flags would fail the build.
for (const name of ['usage.cache', 'report.cache', 'statusline.cache', 'worker.cache']) rmSync(join(OUT, name), { force: true });
try {
  // The report bundle (report, daily, cost…): a one-file report as JSON (the benchmark's), then the
  // default table over a folder, which starts from the first run's cache and adds what it compiled.
  train('report.cache', ['report', '--json', '-q', '--no-cache', CLAUDE_FILE]);
  train('report.cache', ['report', '--no-cache', CLAUDE_LOGS]);
  // The full CLI (every other command): the same reading and rendering, through sessions.
  train('usage.cache', ['sessions', '--json', '-q', '--no-cache', CLAUDE_FILE]);
  train('usage.cache', ['sessions', '--no-cache', CLAUDE_LOGS]);
  // The statusline's warm path only: the first run scans and caches the answer, the trained run
  // answers from that cache (a scan there would put the whole reading pipeline in the cache that
  // every statusline run loads).
  runUsage(['statusline', '--max-age', '3600', CLAUDE_LOGS]);
  const line = train('statusline.cache', ['statusline', '--max-age', '3600', CLAUDE_LOGS]);
  if (!line.startsWith('session')) throw new Error(`code cache: the statusline printed ${JSON.stringify(line)}`);
  // The worker: two threads scanning every fixture, twice, since the cache is written by whichever
  // thread ends last: the second time both start from the first one's cache and add what they compiled.
  for (let round = 0; round < 2; round++) train('worker.cache', ['report', '--json', '-q', '--no-cache', LOGS], 'USAGE_WORKER_CODE_CACHE_OUT', { USAGE_WORKERS: '2' });
} finally {
  rmSync(home, { recursive: true, force: true });
}
