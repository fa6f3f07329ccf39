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
 * beside it (usage.cache, or statusline.cache for the statusline): V8 then
 * skips parsing and compiling the 1 MB of source, and the functions a common
 * run calls are already bytecode. Each cache is produced here by running a
 * few commands in a child process over the fixtures (scripts/code-cache.mjs). A cache V8 does not accept (another
 * Node version, other V8 flags) is ignored: the file compiles as usual.
 *
 * Because vm scripts may not call import() without an experimental flag,
 * every import() is bundled as a require() (supported: dynamic-import false):
 * the packages imported by a computed name (the price data, DuckDB, zod) all
 * ship CommonJS builds.
 *
 * worker.js (the ingest pool's worker) is its own CommonJS file beside the
 * bundle (dist/bundle/package.json marks the folder's .js files CommonJS): the
 * pool starts it by new URL('./worker.js', import.meta.url), and a worker has
 * its own module instances anyway. The price snapshot is copied
 * beside the bundle, which reads it through import.meta.url.
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
 * maps, the ESM loader) only finds optional packages. In the bundle each
 * is replaced by a module whose functions load the real one on first call, so
 * behaviour is unchanged and the cost is paid only when it is used. (Node's
 * own modules are costlier than their size suggests: their code cache holds
 * only top-level code, so every function they run is compiled on first call.)
 */
const LAZY_BUILTINS = ['child_process', 'crypto', 'zlib', 'fs/promises', 'module'];

/**
 * Functions served without loading the module at all, for calls every run
 * makes. fs/promises' readFile, writeFile and mkdir are the callback API of
 * node:fs (loaded anyway) in a promise: same arguments (paths), results and
 * errors. crypto's randomBytes, for the small synchronous requests made here
 * (the per-run de-duplication key secret, 8 bytes; export file names), reads
 * /dev/urandom, the kernel generator OpenSSL seeds from; where that is not
 * available it is crypto's own.
 */
const LIGHT_FUNCTIONS = {
  'fs/promises': [
    "import * as callbackFs from 'node:fs';",
    'const promised = (name) => (...parts) => new Promise((resolve, reject) => callbackFs[name](...parts, (error, value) => (error ? reject(error) : resolve(value))));',
    "export const readFile = promised('readFile');",
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
const CACHES = { commands: join(OUT, 'usage.cache'), statusline: join(OUT, 'statusline.cache') };

// Nothing stale may survive a failed build: V8 checks a code cache only against the source's length.
rmSync(OUT, { recursive: true, force: true });

const shared = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Not minified: a stack trace under USAGE_DEBUG should stay readable.
  logLevel: 'warning',
  legalComments: 'none',
};

await build({
  ...shared,
  entryPoints: [join(ROOT, 'src', 'cli', 'edge.ts')],
  outfile: BUNDLE,
  format: 'cjs',
  charset: 'ascii',
  supported: { 'dynamic-import': false },
  // The price package is imported by a computed name only when the snapshot is missing; zod (800 KB)
  // only when a line fails its fast check or a config file is read: required from node_modules then.
  external: ['@pydantic/genai-prices', 'zod'],
  // The modules find package.json, the price snapshot and worker.js relative to their own URL.
  define: { 'import.meta.url': '__bundleUrl' },
  // The CommonJS wrapper is written into the file (see above): the file is one function expression.
  banner: {
    js: "(function (exports, require, module, __filename, __dirname) {\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;",
  },
  footer: { js: '})' },
  plugins: [lazyBuiltins],
});

// esbuild escapes every non-ASCII character in strings, regexes and names (charset ascii); only
// comments keep theirs. Escaped there too, the file is ASCII, which bin/usage.js reads as latin1.
writeFileSync(BUNDLE, readFileSync(BUNDLE, 'utf8').replace(/[^\0-\x7f]/gu, (character) => `\\u{${character.codePointAt(0).toString(16)}}`));

// The worker is CommonJS too (dist/bundle/package.json says so for its .js name, which the
// pool's new URL('./worker.js', …) asks for): an ES module worker started Node's ESM loader
// in every worker thread, about 30 ms of CPU each.
writeFileSync(join(OUT, 'package.json'), '{ "type": "commonjs" }\n');
await build({
  ...shared,
  entryPoints: { worker: 'src/ingest/worker.ts' },
  outdir: OUT,
  format: 'cjs',
  supported: { 'dynamic-import': false },
  external: ['@pydantic/genai-prices', 'zod'],
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
copyFileSync(join(ROOT, 'dist', 'pricing', 'builtin-prices.json'), join(OUT, 'builtin-prices.json'));

// The code cache, from a child process that runs common commands once (a fresh V8, no build tooling loaded).
for (const [kind, file] of Object.entries(CACHES)) {
  // Output through pipes, as usage is usually read; dropped unless the training fails.
  try {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'code-cache.mjs'), BUNDLE, file, kind], { stdio: 'pipe', maxBuffer: 64 << 20 });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    throw error;
  }
}
const sizes = Object.entries(CACHES).map(([kind, file]) => `${kind} ${readFileSync(file).length}`);
process.stdout.write(`bundle: ${readFileSync(BUNDLE).length} bytes; code caches (bytes): ${sizes.join(', ')}\n`);
