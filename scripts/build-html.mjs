/**
 * Builds the HTML report's client: bundles src/html/client.ts (with uPlot and
 * the terminal's own formatting code from src/renderers) into one minified
 * script, and joins uPlot's stylesheet with the page's. The renderer
 * (src/renderers/html.ts) inlines both, so a report page never fetches anything.
 * Runs after tsc in `npm run build`; writes dist/html/bundle.js and bundle.css.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'html');
mkdirSync(out, { recursive: true });

const result = await build({
  entryPoints: [join(root, 'src', 'html', 'client.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  platform: 'browser',
  write: false,
  legalComments: 'none',
  logLevel: 'warning',
});
const script = result.outputFiles[0].text;
const style = [
  readFileSync(join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8'),
  readFileSync(join(root, 'src', 'html', 'page.css'), 'utf8'),
].join('\n');

// Inlined into <script> and <style>: text that would end the element early or
// open an HTML comment must never be in them. Fail the build rather than ship a broken page.
for (const [name, text, closer] of [
  ['bundle.js', script, /<\/script|<!--/i],
  ['bundle.css', style, /<\/style|<!--/i],
]) {
  if (closer.test(text)) throw new Error(`${name} contains text that would break out of its HTML element`);
}
writeFileSync(join(out, 'bundle.js'), script);
writeFileSync(join(out, 'bundle.css'), style);
console.log(`html: bundle.js ${script.length} bytes, bundle.css ${style.length} bytes`);
