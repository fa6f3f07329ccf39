/**
 * Every log source `usage` reads, one line each. The order is the detection
 * order (a line or document goes to the first module whose `detect` accepts
 * it, so the most distinctive shapes come first and the generic provider
 * shapes last) and the packed encoding of `dialect` (the index names the
 * list it was written with, so reordering only rebuilds it). Help text,
 * `--format` choices, default locations, JSON names, prefilter markers and
 * file-name patterns all derive from this list: adding a log source is its
 * module (./module.ts), its fixture and one line here.
 */
import { amp } from './amp.js';
import { bamboo } from './bamboo.js';
import { claude } from './claude.js';
import { cline } from './cline.js';
import { codex } from './codex.js';
import { copilotCli } from './copilot-cli.js';
import { droid } from './droid.js';
import { exportDialect, setKnownDialects } from './export.js';
import { geminiCli } from './gemini-cli.js';
import { goose } from './goose.js';
import { jcode } from './jcode.js';
import { kernex } from './kernex.js';
import { kernexDb } from './kernex-db.js';
import { kiloCode } from './kilo-code.js';
import { kimiCli } from './kimi-cli.js';
import { lash } from './lash.js';
import type { DefaultLocation, DialectModule, Environment, ReaderKind } from './module.js';
import { openclaw } from './openclaw.js';
import { openCode } from './opencode.js';
import { pi } from './pi.js';
import { provider } from './provider.js';
import { qwenCode } from './qwen-code.js';
import { rooCode } from './roo-code.js';
import { thane } from './thane.js';
import { thaneDb } from './thane-db.js';
import type { JsonObject } from './types.js';

// Qwen Code records look like Claude Code's, pi's lines (shared by OpenClaw)
// satisfy Claude's loose test too, and Copilot CLI spans look like generic
// OTel ones: each is asked before the module that would take its lines.
// Exports (record_id + export_schema) are the most distinctive of all, and
// thane's snake_case test would take their lines: asked first.
export const DIALECTS = [
  exportDialect,
  qwenCode,
  pi,
  openclaw,
  claude,
  codex,
  geminiCli,
  kimiCli,
  bamboo,
  thane,
  lash,
  kernex,
  jcode,
  copilotCli,
  provider,
  openCode,
  amp,
  droid,
  cline,
  rooCode,
  kiloCode,
  goose,
  kernexDb,
  thaneDb,
] as const;

export type DialectName = (typeof DIALECTS)[number]['name'];
export type Dialect = DialectModule<DialectName>;

export const DIALECT_NAMES: readonly DialectName[] = DIALECTS.map((dialect) => dialect.name);
setKnownDialects(DIALECT_NAMES);

const BY_NAME = new Map<string, Dialect>(DIALECTS.map((dialect) => [dialect.name, dialect]));

export function findDialect(name: DialectName): Dialect {
  const dialect = BY_NAME.get(name);
  if (!dialect) throw new Error(`no dialect named ${name}`);
  return dialect;
}

/**
 * Whether a module reads one kind of source. Its `reader` is its main kind;
 * an agent that wrote two forms over its versions also implements the
 * other's reader (Gemini CLI: documents and JSON lines; OpenCode: a database
 * and documents).
 */
export function canRead(dialect: Dialect, reader: ReaderKind): boolean {
  if (reader === 'jsonl') return dialect.createParser !== undefined;
  if (reader === 'document') return dialect.readDocument !== undefined;
  return dialect.readDatabase !== undefined;
}

const READER_KINDS: readonly ReaderKind[] = ['jsonl', 'document', 'sqlite'];
const BY_READER = new Map<ReaderKind, Dialect[]>(
  READER_KINDS.map((reader) => [reader, (DIALECTS as readonly Dialect[]).filter((dialect) => canRead(dialect, reader))]),
);

/** The modules that read one kind of source, in detection order. */
export function listDialects(reader: ReaderKind): readonly Dialect[] {
  return BY_READER.get(reader) ?? [];
}

/** The first JSON-lines (or, with `reader`, document) dialect that recognises a value. */
export function detectDialect(value: JsonObject, reader: ReaderKind = 'jsonl'): Dialect | undefined {
  for (const dialect of listDialects(reader)) {
    if (dialect.detect(value)) return dialect;
  }
  return undefined;
}

/**
 * Every module's prefilter markers, each once. Each ends with a key's closing
 * quote, so text inside a JSON string (where quotes are escaped) cannot match,
 * and stops before the colon, so spacing (`"usage": {`) does not matter; a
 * marker may match more than it names (`okens"` is every `*_tokens` key): a
 * false match only costs a parse. test/ingest.test.ts proves that no fixture
 * line of any dialect is lost to them. A marker that contains another
 * is dropped (a line it matches, the shorter one matches too), and the rest
 * are ordered by how many modules declare them, so the common ones decide
 * first: a line that holds usage stops at the first marker it has, a line
 * that holds none pays for every one, so the list stays short.
 */
export const USAGE_MARKERS: readonly string[] = (() => {
  const declared = listDialects('jsonl').flatMap((dialect) => dialect.markers);
  const unique = [...new Set(declared)];
  const minimal = unique.filter((marker) => !unique.some((other) => other !== marker && marker.includes(other)));
  const count = (marker: string): number => declared.filter((each) => each === marker).length;
  return minimal.sort((a, b) => count(b) - count(a) || unique.indexOf(a) - unique.indexOf(b));
})();

/** Every JSON-lines module's bulk keys, each once: values the line scanner elides before parsing. */
export const BULK_KEYS: readonly string[] = [...new Set(listDialects('jsonl').flatMap((dialect) => dialect.bulkKeys ?? []))];

const JSON_LINES_FILE = /\.(?:jsonl|ndjson)(?:\.gz)?$/i;
/** Exported Parquet files (`usage export --format parquet`), read for the export dialect. */
const PARQUET_FILE = /\.parquet$/i;

/**
 * The reader for a file found in a walked folder, or undefined when it is
 * not a log: JSON lines by extension, documents and databases only by the
 * names their modules claim.
 */
export function readerForFileName(name: string): ReaderKind | undefined {
  for (const dialect of DIALECTS as readonly Dialect[]) {
    if (dialect.reader === 'jsonl' || !dialect.fileNames?.test(name)) continue;
    // A module with a database and older per-message documents names both.
    return JSON_DOCUMENT_FILE.test(name) && canRead(dialect, 'document') ? 'document' : dialect.reader;
  }
  if (PARQUET_FILE.test(name)) return 'parquet';
  return JSON_LINES_FILE.test(name) ? 'jsonl' : undefined;
}

const JSON_DOCUMENT_FILE = /\.json$/i;

/**
 * What a folder named on the command line is searched for, in words, for the
 * help text: JSON lines by extension (JSON_LINES_FILE), and the session
 * documents and databases the modules name (their `fileNames`).
 */
export function describeSearchedFiles(): string {
  const documents = DIALECTS.filter((dialect) => dialect.fileNames && canRead(dialect as Dialect, 'document')).map((dialect) => dialect.name);
  const databases = DIALECTS.filter((dialect) => dialect.fileNames && dialect.reader === 'sqlite').map((dialect) => dialect.name);
  return (
    `*.jsonl, *.ndjson, *.jsonl.gz and *.ndjson.gz, session documents (${documents.join(', ')}) ` +
    `and SQLite databases (${databases.join(', ')}), known by their file names`
  );
}

/** The modules whose file names claim `name` (documents and databases), in detection order. */
export function listDialectsForFileName(name: string, reader: ReaderKind): readonly Dialect[] {
  return listDialects(reader).filter((dialect) => dialect.fileNames?.test(name) ?? reader === 'jsonl');
}

/**
 * The places agents write usage by default, in registry order, each path
 * once. Documented in README.md ("Where usage looks by default").
 */
export function listDefaultLocations(environment: Environment): Array<DefaultLocation & { dialect: DialectName }> {
  const seen = new Set<string>();
  const locations: Array<DefaultLocation & { dialect: DialectName }> = [];
  for (const dialect of DIALECTS as readonly Dialect[]) {
    for (const location of dialect.locations(environment)) {
      if (seen.has(location.path)) continue;
      seen.add(location.path);
      locations.push({ ...location, dialect: dialect.name });
    }
  }
  return locations;
}

export type { JsonObject, LineParser, ParseOutcome, SkipReason } from './types.js';
export { SKIP_REASONS } from './types.js';
