/**
 * The HTML report: one self-contained page built from a command's `--json`
 * document (docs/html.md). The page script and stylesheet are built by
 * scripts/build-html.mjs (uPlot and the terminal's formatting code, bundled)
 * and inlined here, so the page opens from disk and fetches nothing. The JSON
 * is embedded as data, escaped so that log text cannot end the script
 * element; the page script puts every string into the DOM as text.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

/** The commands whose JSON the page can show. */
export const HTML_KINDS = ['report', 'cost', 'budget'] as const;
export type HtmlKind = (typeof HTML_KINDS)[number];

export interface HtmlOptions {
  /** The page title; by default it names the kind of report. */
  title?: string | undefined;
}

interface HtmlAssets {
  script: string;
  style: string;
}

let assets: HtmlAssets | undefined;

/**
 * The built page script and styles. From dist/renderers/ they sit in
 * dist/html/; from src/renderers/ (tests run on the sources) in ../../dist/html/.
 */
function readAssets(): HtmlAssets {
  if (assets) return assets;
  const folders = [new URL('../html/', import.meta.url), new URL('../../dist/html/', import.meta.url)];
  const folder = folders.find((candidate) => existsSync(new URL('bundle.js', candidate)));
  if (!folder) throw new Error('The HTML report page script is not built: run `npm run build`.');
  assets = {
    script: readFileSync(new URL('bundle.js', folder), 'utf8'),
    style: readFileSync(new URL('bundle.css', folder), 'utf8'),
  };
  return assets;
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&`
 * become \u escapes (still the same JSON), so `</script>` or `<!--` in a model or
 * project name cannot end the element or open a comment. U+2028/9 too, for
 * readers that treat the block as script.
 */
export function escapeJsonForHtml(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const TITLES: Record<HtmlKind, string> = { report: 'usage report', cost: 'usage cost', budget: 'usage budget' };

function escapeHtmlText(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function readKind(json: unknown): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const kind = (json as Record<string, unknown>)['kind'];
  return typeof kind === 'string' ? kind : undefined;
}

/** Renders the page for a report, cost or budget JSON document (its `kind` decides the layout). */
export function renderHtmlReport(json: unknown, options: HtmlOptions = {}): string {
  const kind = readKind(json);
  if (!HTML_KINDS.includes(kind as HtmlKind)) {
    throw new Error(`An HTML page can show the JSON of ${HTML_KINDS.join(', ')}; this document's kind is ${JSON.stringify(kind ?? null)}.`);
  }
  const { script, style } = readAssets();
  // The policy lets only this page's own script run and nothing load: no network
  // request is possible even if a name slipped through as markup.
  const scriptHash = createHash('sha256').update(script).digest('base64');
  const policy = `default-src 'none'; script-src 'sha256-${scriptHash}'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
  const title = escapeHtmlText(options.title ?? TITLES[kind as HtmlKind]);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${title}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    '<main id="app"><noscript>This page draws its figures with JavaScript. The data is in the script element with id "usage-data" (usage --json format, docs/json.md).</noscript></main>',
    `<script type="application/json" id="usage-data">${escapeJsonForHtml(json)}</script>`,
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * The entry the command layer calls for `--html`: `kind` is the command
 * (report, cost, budget) and `json` the document its `--json` would print.
 */
export function renderHtmlForCommand(kind: string, json: unknown): string {
  if (!HTML_KINDS.includes(kind as HtmlKind)) {
    throw new Error(`--html is available for ${HTML_KINDS.join(', ')}, not for ${kind}.`);
  }
  if (readKind(json) !== kind) throw new Error(`renderHtmlForCommand('${kind}') was given a ${readKind(json) ?? 'non-report'} document.`);
  return renderHtmlReport(json);
}
