#!/usr/bin/env node
/**
 * Bundles the CLI for start-up speed (issue 12): `tsc` still writes dist/ (the
 * tests and library users import it), and this writes dist/bundle/ from the
 * same sources, which bin/usage.js loads.
 *
 * One file, not a module graph: every command, reader and renderer is in
 * dist/bundle/usage.cjs, each module wrapped so that its top level runs only
 * when something imports it (src/cli/edge.ts is the entry and imports nothing
 * up front). The earlier ESM build with code splitting loaded ~60 chunk files
 * for a one-line `usage report`; resolving, reading and compiling them, plus
 * starting Node's ESM loader at all, was most of the run (callgrind, stdout
 * piped as the bench does: 554 M instructions against 88 M for `node -e 0`).
 *
 * The file is one function expression (the CommonJS wrapper is part of it),
 * which bin/usage.js compiles with node:vm using the V8 code cache written
 * beside it (usage.cache): V8 then
 * skips parsing and compiling the 1 MB of source, and the functions a common
 * run calls are already bytecode. The caches are produced here by running a
 * few commands through bin/usage.js over the fixtures (scripts/code-cache.mjs). A cache V8 does not accept (another
 * Node version, other V8 flags) is ignored: the file compiles as usual.
 *
 * Because vm scripts may not call import() without an experimental flag,
 * every import() is bundled as a require() (supported: dynamic-import false):
 * the packages imported by a computed name (the price data, DuckDB, zod) all
 * ship CommonJS builds.
 *
 * Every run loads its whole code cache, and one made from the CLI bundle
 * carries the top-level functions of every module (a third of usage.cache).
 * So the statusline, which runs every few seconds, has a bundle of its own
 * built the same way (statusline.cjs from src/cli/statusline-edge.ts, with
 * statusline.cache), and so do the commands most runs use (report.cjs, the
 * CLI bundle without the commands bin/usage.js does not list in
 * REPORT_COMMANDS, with report.cache; a one-line report: 177 M instructions
 * with usage.cjs, 169 M with report.cjs, `node -e 0` 78 M). A bundle is
 * chosen by the first word, so a command's modules are in one bundle only
 * when the run uses it.
 *
 * The ingest pool's worker is built the same way, from src/ingest/worker.ts:
 * worker-body.cjs, one function expression, with its own code cache
 * (worker.cache), loaded by worker.js (scripts/worker-loader.cjs, a few
 * lines of CommonJS; dist/bundle/package.json marks the folder's .js files CommonJS) that the
 * pool starts by new URL('./worker.js', import.meta.url); a worker has its
 * own module instances anyway. Every worker thread compiled the whole body
 * from source before (~250 M instructions of start-up each). The price
 * snapshot is copied beside the bundle, which reads it through
 * import.meta.url.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Node's own modules that cost start-up but most runs never call: commander
 * requires node:child_process (with net and streams) only to run external
 * subcommands, which `usage` has none of; node:crypto (~15 internal modules)
 * serves the persistent index and HTML report; node:zlib only compressed logs
 * and index checksums; node:fs/promises pulls in readline; node:module (source
 * maps, the ESM loader) only finds optional packages; node:os (loaded by the
 * SQLite reader's module for tmpdir) only counts cores for the worker pool of
 * a large input and finds a home when HOME is unset. In the bundle each
 * is replaced by a module whose functions load the real one on first call, so
 * behaviour is unchanged and the cost is paid only when it is used. (Node's
 * own modules are costlier than their size suggests: their code cache holds
 * only top-level code, so every function they run is compiled on first call.)
 */
const LAZY_BUILTINS = ['child_process', 'crypto', 'zlib', 'fs/promises', 'module', 'os'];

/**
 * Functions served without loading the module at all, for calls every run
 * makes. fs/promises' writeFile and mkdir are the callback API of node:fs
 * (loaded anyway) in a promise: same arguments (paths), results and errors.
 * readFile is readFileSync in a promise (same results and errors), since it
 * reads small files only (the config files, a price override file, a diff's
 * baseline report): the callback API's first call starts libuv's four
 * threads, and each of its steps (open, stat, read, close) waits for one of
 * them to be scheduled, several milliseconds on a loaded machine for a run
 * that only finds no config file. crypto's randomBytes, for the small synchronous requests made here
 * (the per-run de-duplication key secret, 8 bytes; export file names), reads
 * /dev/urandom, the kernel generator OpenSSL seeds from; where that is not
 * available it is crypto's own.
 */
const LIGHT_FUNCTIONS = {
  'fs/promises': [
    "import * as callbackFs from 'node:fs';",
    'const promised = (name) => (...parts) => new Promise((resolve, reject) => callbackFs[name](...parts, (error, value) => (error ? reject(error) : resolve(value))));',
    'export const readFile = (...parts) => new Promise((resolve) => resolve(callbackFs.readFileSync(...parts)));',
    "export const writeFile = promised('writeFile');",
    "export const mkdir = promised('mkdir');",
  ],
  crypto: [
    "import { closeSync, openSync, readSync } from 'node:fs';",
    'export function randomBytes(size, callback) {',
    "  if (callback === undefined && Number.isInteger(size) && size > 0 && size <= 256 && process.platform !== 'win32') {",
    '    try {',
    "      const descriptor = openSync('/dev/urandom', 'r');",
    '      try {',
    '        const bytes = Buffer.alloc(size);',
    '        if (readSync(descriptor, bytes, 0, size, null) === size) return bytes;',
    '      } finally {',
    '        closeSync(descriptor);',
    '      }',
    '    } catch {',
    '      // No /dev/urandom here (a chroot, another system): node:crypto below.',
    '    }',
    '  }',
    '  return load().randomBytes(size, callback);',
    '}',
  ],
};
const require = createRequire(import.meta.url);
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(builder) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    builder.onResolve({ filter }, (resolved) =>
      // The stand-in itself requires the real module.
      resolved.namespace === 'lazy-builtin' ? undefined : { path: resolved.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    );
    builder.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, ({ path }) => {
      const light = LIGHT_FUNCTIONS[path] ?? [];
      const served = new Set(light.flatMap((line) => /^export (?:const|function) (\w+)/.exec(line)?.slice(1) ?? []));
      // Every function the module exports becomes a forwarding function; anything else
      // (constants, classes used with `new`) is left out, so using it fails the build loudly.
      const names = Object.keys(require(`node:${path}`)).filter(
        (name) => typeof require(`node:${path}`)[name] === 'function' && /^[a-z]/.test(name) && !served.has(name),
      );
      const lines = [
        'let loaded;',
        // A require() call where it runs (esbuild leaves Node's modules external): nothing loads up front.
        `const load = () => (loaded ??= require('node:${path}'));`,
        ...light,
        ...names.map((name) => `export function ${name}(...parts) { return load().${name}(...parts); }`),
        // commander reads the CommonJS way (require(...).spawn), which the default export serves.
        `export default new Proxy({}, { get: (_, name) => load()[name], has: (_, name) => name in load() });`,
      ];
      return { loader: 'js', contents: lines.join('\n'), resolveDir: ROOT };
    });
  },
};

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'bundle');
const BUNDLE = join(OUT, 'usage.cjs');
const WORKER_BODY = join(OUT, 'worker-body.cjs');
const { version: VERSION } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

// Nothing stale may survive a failed build: V8 checks a code cache only against the source's length.
rmSync(OUT, { recursive: true, force: true });

/** The commands report.cjs serves: bin/usage.js, which picks the bundle by the first word, lists them. */
const REPORT_COMMANDS = readReportCommands();

function readReportCommands() {
  const match = /^const REPORT_COMMANDS = (\[[^\]]*\]);$/m.exec(readFileSync(join(ROOT, 'bin', 'usage.js'), 'utf8'));
  if (!match) throw new Error('bundle: bin/usage.js lists no REPORT_COMMANDS');
  return JSON.parse(match[1].replaceAll("'", '"'));
}

/**
 * For report.cjs: src/cli/commands.ts's import() of every other command's module resolves to a
 * module that fails if it is ever loaded, which bin/usage.js's choice of bundle rules out.
 */
const reportCommandsOnly = {
  name: 'report-commands-only',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.\/commands\/[\w-]+\.js$/ }, (resolved) => {
      if (resolved.importer !== join(ROOT, 'src', 'cli', 'commands.ts')) return undefined;
      const name = /([\w-]+)\.js$/.exec(resolved.path)[1];
      return REPORT_COMMANDS.includes(name) ? undefined : { path: name, namespace: 'other-command' };
    });
    builder.onLoad({ filter: /.*/, namespace: 'other-command' }, ({ path }) => ({
      loader: 'js',
      contents: `throw new Error('usage ${path} is not in the report bundle (bin/usage.js REPORT_COMMANDS)');`,
    }));
  },
};

/**
 * One CommonJS script as one function expression (the wrapper is written into the file), which
 * bin/usage.js or worker.js compiles with node:vm and its code cache.
 */
async function buildScript(entry, outfile, plugins = []) {
  await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    // Not minified: a stack trace under USAGE_DEBUG should stay readable.
    logLevel: 'warning',
    legalComments: 'none',
    format: 'cjs',
    charset: 'ascii',
    supported: { 'dynamic-import': false },
    // The price package is imported by a computed name only when the snapshot is missing; zod (800 KB)
    // only by `usage diff` and when a config or pricing file is read: required from node_modules then.
    external: ['@pydantic/genai-prices', 'zod'],
    define: {
      // The modules find package.json, the price snapshot and worker.js relative to their own URL.
      'import.meta.url': '__bundleUrl',
      // The version, known now: a run reads no package.json for it (src/cli/main.ts).
      USAGE_BUILD_VERSION: JSON.stringify(VERSION),
    },
    banner: {
      js: "(function (exports, require, module, __filename, __dirname) {\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;",
    },
    footer: { js: '})' },
    plugins: [...plugins, lazyBuiltins],
  });
  // esbuild escapes every non-ASCII character in strings, regexes and names (charset ascii); only
  // comments keep theirs. Escaped there too, the file is ASCII, which is read as latin1.
  writeFileSync(outfile, readFileSync(outfile, 'utf8').replace(/[^\0-\x7f]/gu, (character) => `\\u{${character.codePointAt(0).toString(16)}}`));
}

await buildScript(join(ROOT, 'src', 'cli', 'edge.ts'), BUNDLE);
await buildScript(join(ROOT, 'src', 'cli', 'edge.ts'), join(OUT, 'report.cjs'), [reportCommandsOnly]);
await buildScript(join(ROOT, 'src', 'cli', 'statusline-edge.ts'), join(OUT, 'statusline.cjs'));
// The worker is CommonJS too (dist/bundle/package.json says so for its .js name, which the
// pool's new URL('./worker.js', …) asks for): an ES module worker started Node's ESM loader
// in every worker thread, about 30 ms of CPU each.
await buildScript(join(ROOT, 'src', 'ingest', 'worker.ts'), WORKER_BODY);
writeFileSync(join(OUT, 'package.json'), '{ "type": "commonjs" }\n');
copyFileSync(join(ROOT, 'scripts', 'worker-loader.cjs'), join(OUT, 'worker.js'));
copyFileSync(join(ROOT, 'dist', 'pricing', 'builtin-prices.json'), join(OUT, 'builtin-prices.json'));

// The code caches, from child processes that run common commands through bin/usage.js (scripts/code-cache.mjs).
try {
  // Output through pipes, as usage is usually read; dropped unless the training fails.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'code-cache.mjs')], { stdio: 'pipe', maxBuffer: 64 << 20 });
} catch (error) {
  process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
  throw error;
}
const files = ['usage.cjs', 'usage.cache', 'report.cjs', 'report.cache', 'statusline.cjs', 'statusline.cache', 'worker-body.cjs', 'worker.cache'];
process.stdout.write(`bundle (bytes): ${files.map((name) => `${name} ${readFileSync(join(OUT, name)).length}`).join(', ')}\n`);
