#!/usr/bin/env node
// Entry point. CommonJS (bin/package.json says so): an ES module entry starts
// Node's ESM loader, a fifth of a one-line report's start-up. `--version` is
// answered without loading the bundle. Output failures (a closed pipe, a full
// disk) are handled by the CLI context, which keeps the run's real exit code;
// the version line handles its own.
'use strict';
const { readFileSync } = require('node:fs');

const argv = process.argv.slice(2);
/** The loaded bundle's entry points (src/cli/edge.ts, statusline-edge.ts); the full CLI's once the statusline hands over. */
let edge;
/** The commands dist/bundle/report.cjs serves (scripts/bundle.mjs reads this list from here): the CLI without the others. */
const REPORT_COMMANDS = ['report', 'daily', 'weekly', 'monthly', 'cost'];
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { version } = JSON.parse(readFileSync(`${__dirname}/../package.json`, 'utf8'));
  // A reader that went away (EPIPE) changes nothing; a failed write (a full disk) is exit 1, in one line.
  const fail = (error) => {
    if (error.code === 'EPIPE') return;
    process.exitCode = 1;
    process.stderr.on('error', () => {});
    process.stderr.write(`error: cannot write the output: ${error.message}\n`);
  };
  // To a pipe or a file, straight to the descriptor: process.stdout there loads net and the streams.
  // A terminal, a device or a full non-blocking pipe (EAGAIN) gets the stream.
  if (!writeToDescriptor(`${version}\n`, fail)) {
    process.stdout.on('error', fail);
    process.stdout.write(`${version}\n`);
  }
} else {
  // The statusline runs every few seconds: it has a bundle of its own, half the CLI's functions; the
  // commands most runs use have one without the other commands, two thirds of them.
  edge = loadBundle(argv[0] === 'statusline' ? 'statusline' : REPORT_COMMANDS.includes(argv[0]) ? 'report' : 'usage');
  // Interrupted while the index is being written: remove the temporary file
  // now rather than leave tens of megabytes behind, then end as the signal would.
  // (The bundle loaded last is the one writing: each bundle has its own index writer.)
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, async () => {
      const { abandonActiveIndexWrites } = await edge.loadIndexFile();
      abandonActiveIndexWrites();
      process.exit(128 + (require('node:os').constants.signals[signal] ?? 0));
    });
  }
  run();
}

async function run() {
  // The statusline skips commander, and ends the process itself so a scan cut short by its time limit never lingers.
  // It returns only when the arguments need the full CLI (--help, an unknown flag).
  if (argv[0] === 'statusline') {
    await edge.loadStatuslineProcess().then((statusline) => statusline.runStatuslineProcess(argv.slice(1)));
    edge = loadBundle('usage');
  }
  const { main } = await edge.loadMain();
  process.exitCode = await main(argv);
}

/** True when the text went to descriptor 1 (or failed there, as `fail` was told); false: use the stream. */
function writeToDescriptor(text, fail) {
  const { fstatSync, writeSync } = require('node:fs');
  try {
    const stats = fstatSync(1);
    if (!stats.isFIFO() && !stats.isFile() && !stats.isSocket()) return false;
  } catch {
    return false;
  }
  try {
    writeSync(1, text);
  } catch (error) {
    if (error.code === 'EAGAIN') return false;
    fail(error);
  }
  return true;
}

/**
 * dist/bundle/usage.cjs is the whole CLI in one file (scripts/bundle.mjs), a
 * CommonJS wrapper function compiled here with a V8 code cache written
 * beside it at build time (usage.cache), so the functions a common run calls
 * need no parsing or compiling; report.cjs (the CLI for REPORT_COMMANDS only)
 * and statusline.cjs (the statusline's part alone) have report.cache and
 * statusline.cache. Every run loads its whole cache, which holds every
 * top-level function of the bundle: the smaller bundles start faster.
 * Without the cache, or when this Node's V8 refuses it, the source compiles
 * as usual.
 *
 * scripts/code-cache.mjs makes the caches by running this file with
 * USAGE_CODE_CACHE_OUT set: then the cache is written there when the run
 * ends. A cache is tied to the V8 flags in force (a flag set in this file
 * makes V8 refuse a cache made without it), so training through this file is
 * what keeps the two in step; a cache refused during training is an error.
 */
function loadBundle(name) {
  const { Script } = require('node:vm');
  const folder = require('node:path').resolve(__dirname, '..', 'dist', 'bundle');
  const file = `${folder}/${name}.cjs`;
  let cachedData;
  try {
    cachedData = readFileSync(`${folder}/${name}.cache`);
  } catch {
    // No cache: compile from source.
  }
  // The bundle is ASCII (esbuild escapes the rest): read as latin1, 1 MB becomes a string without UTF-8 decoding.
  const script = new Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
  // Training concerns the first bundle loaded (the statusline's, when a statusline run hands over to the full CLI).
  if (process.env.USAGE_CODE_CACHE_OUT && edge === undefined) writeCodeCacheOnExit(script, cachedData !== undefined, process.env.USAGE_CODE_CACHE_OUT);
  const module = { exports: {} };
  // This file's require serves the bundle: Node's modules, and the packages it loads by name from node_modules above both.
  script.runInThisContext()(module.exports, require, module, file, folder);
  return module.exports;
}

/** For scripts/code-cache.mjs: the cache, with every function this run compiled, written to `target` as the process ends. */
function writeCodeCacheOnExit(script, given, target) {
  if (given && script.cachedDataRejected) {
    process.stderr.write('usage: V8 refused the code cache\n');
    return;
  }
  process.on('exit', () => require('node:fs').writeFileSync(target, script.createCachedData()));
}
