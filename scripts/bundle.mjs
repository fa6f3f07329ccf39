#!/usr/bin/env node
/**
 * Bundles the CLI for start-up speed (issue 12): `tsc` still writes dist/ (the
 * tests and library users import it), and this writes dist/bundle/ from the
 * same sources, which bin/usage.js loads. A one-line `usage report` resolved
 * and compiled 80 modules; the bundle loads 40 files, and each command's code
 * still loads only when that command runs (its dynamic import() becomes a
 * chunk). Measured with callgrind (`valgrind --tool=callgrind node
 * bin/usage.js report --json --no-cache one-line.jsonl`): 953 M instructions
 * unbundled → 886 M bundled, and ~850 M with the lazy built-ins below
 * (`node -e 0`: 502 M).
 *
 * Entry points keep the names the code refers to through import.meta.url:
 * main.js sits two folders below the package root like dist/cli/main.js
 * (package.json is ../../package.json), worker.js sits beside the pool's
 * chunk (new URL('./worker.js')), and the price snapshot is copied beside
 * the chunk that reads it. statusline-process.js is the statusline's own
 * edge (it skips commander). index-file.js is the entry the signal handler in
 * bin/usage.js imports; code splitting keeps it the same module instance as
 * the one the run writes with.
 */
import { copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Node's own modules that cost start-up but most runs never call: commander
 * requires node:child_process (with net and streams) only to run external
 * subcommands, which `usage` has none of; node:crypto (~15 internal modules)
 * serves the persistent index and HTML report; node:zlib only compressed logs
 * and index checksums; node:fs/promises pulls in readline. Loading them was
 * ~30% of a one-line report's start-up over bare Node. In the bundle each is
 * replaced by a module whose functions load the real one on first call, so
 * behaviour is unchanged and the cost is paid only when it is used.
 */
const LAZY_BUILTINS = ['child_process', 'crypto', 'zlib', 'fs/promises'];
const require = createRequire(import.meta.url);
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(builder) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    builder.onResolve({ filter }, (resolved) => ({ path: resolved.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }));
    builder.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, ({ path }) => {
      // Every function the module exports becomes a forwarding function; anything else
      // (constants, classes used with `new`) is left out, so using it fails the build loudly.
      const names = Object.keys(require(`node:${path}`)).filter((name) => typeof require(`node:${path}`)[name] === 'function' && /^[a-z]/.test(name));
      const lines = [
        "import { createRequire } from 'node:module';",
        'const requireBuiltin = createRequire(import.meta.url);',
        'let loaded;',
        `const load = () => (loaded ??= requireBuiltin('node:${path}'));`,
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

await build({
  absWorkingDir: ROOT,
  entryPoints: {
    main: 'src/cli/main.ts',
    'statusline-process': 'src/cli/statusline-process.ts',
    worker: 'src/ingest/worker.ts',
    'index-file': 'src/store/index-file.ts',
  },
  outdir: OUT,
  bundle: true,
  splitting: true,
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The price package is imported by a computed name only when asked for; zod
  // (800 KB) only when a line fails its fast check or a config file is read:
  // as package imports from lazily loaded chunks they cost nothing otherwise.
  // Not minified: a stack trace under USAGE_DEBUG should stay readable (and
  // minifying measured no faster).
  external: ['@pydantic/genai-prices', 'zod'],
  // CommonJS dependencies (cli-table3) call require() for Node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  plugins: [lazyBuiltins],
  logLevel: 'warning',
  legalComments: 'none',
});
copyFileSync(join(ROOT, 'dist', 'pricing', 'builtin-prices.json'), join(OUT, 'builtin-prices.json'));
