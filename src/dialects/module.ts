/**
 * What a log source is, declared in one place: a dialect module says where
 * its agent writes by default, how its data is read (JSON lines, one whole
 * JSON document per file, or rows of an SQLite database), how a value is
 * recognised, validated and mapped onto the canonical record, which bytes the
 * prefilter may look for, and where its docs and fixture live. The registry
 * (./registry.ts) lists the modules; help text, `--format` choices, default
 * locations, JSON names and the packed encoding all derive from it, so adding
 * a log source is its module, its fixture and one registry line.
 */
import type { FileContext, JsonObject, LineParser, ParseOutcome } from './types.js';

/**
 * How a source's data is read: each kind hands the dialect a different unit.
 * `parquet` is only the export dialect's files (src/export/read-parquet.ts).
 */
export type ReaderKind = 'jsonl' | 'document' | 'sqlite' | 'parquet';

/** Where a user's files are found, and the environment that can move them. */
export interface Environment {
  home: string;
  variables: Readonly<Record<string, string | undefined>>;
  /** process.platform at the CLI edge; decides macOS/Windows/Linux application-data folders. */
  platform: string;
}

export interface DefaultLocation {
  /** A folder (walked recursively for this dialect's file names) or a single file. */
  path: string;
  /** For messages: "Gemini CLI", "Codex ($CODEX_HOME)". */
  description: string;
  /** When set, only files with these base names are read under this location (others there are not logs). */
  fileNames?: RegExp;
}

/** A read-only view of an SQLite database, opened by the sqlite reader (never by a dialect). */
export interface SqliteReader {
  /** Names of the tables present: schemas differ between an agent's versions. */
  tables(): string[];
  /** Column names of one table. */
  columns(table: string): string[];
  /** Runs one read-only query; each row as a plain object. Iterated, so a large table is not held at once. */
  iterate(sql: string, ...parameters: unknown[]): Iterable<Record<string, unknown>>;
}

export interface DialectModule<Name extends string = string> {
  /** Stable id: the `dialect` of its records, a `--format` choice, a JSON value. Never renamed. */
  name: Name;
  /** The agent dimension (`--by agent`): the agent that writes this log, e.g. claude-code, gemini-cli. */
  agent: string;
  /** Human name for help and notes: "Claude Code", "Gemini CLI". */
  title: string;
  /** One sentence for `--help`, `usage validate` and docs. */
  description: string;
  reader: ReaderKind;
  /**
   * Base names of this source's files inside a walked folder. JSON-lines
   * dialects may leave it out: `*.jsonl`, `*.ndjson` (optionally `.gz`) are
   * read everywhere. Documents and databases must name theirs, so a folder of
   * unrelated `.json` files is not read as logs.
   */
  fileNames?: RegExp;
  /** Default locations, honouring the agent's own environment variables for a custom home. */
  locations(environment: Environment): DefaultLocation[];
  /**
   * JSON-lines only: byte strings of which at least one occurs in every line
   * that can carry usage (each ends with a key's closing quote, e.g. `okens"`).
   * A complete-looking line with none of any dialect's markers is skipped
   * unparsed; test/registry.test.ts proves no fixture line is lost that way.
   */
  markers: readonly string[];
  /**
   * JSON-lines only: member names whose values this dialect never reads, at
   * any depth, and that make up most of a line's bytes (message text, tool
   * results) or cost a string on every line (ids, versions). The line scanner (src/lines/compact-line.ts) replaces their
   * values by `null` before a line is decoded and parsed, so they must be
   * names no dialect reads: test/ingest.test.ts parses every fixture line of
   * every dialect both ways and requires the same outcome.
   */
  bulkKeys?: readonly string[];
  /**
   * A cheap test that a value belongs to this dialect: a parsed line (jsonl),
   * a parsed document (document), or `{ tables: [names…] }` for a database
   * whose file name more than one sqlite module claims.
   */
  detect(value: JsonObject): boolean;
  /** jsonl: a parser for one file's lines, holding per-file state (running totals, the project). */
  createParser?(file: FileContext, savedState?: unknown): LineParser;
  /**
   * document: every usage entry of one parsed document, in document order
   * (entries are numbered from 1 in problems, like lines). A document that
   * its agent rewrites on every save repeats earlier entries: give them a
   * dedupKey so each counts once.
   */
  readDocument?(document: unknown, file: FileContext): Iterable<ParseOutcome>;
  /** sqlite: every usage row of one database, in a stable order. */
  readDatabase?(database: SqliteReader, file: FileContext): Iterable<ParseOutcome>;
  /** Section of docs/record.md that documents the mapping (its heading's anchor). */
  docs: string;
  /** Fixture folder or file under fixtures/logs, laid out as the agent writes it. */
  fixture: string;
}
