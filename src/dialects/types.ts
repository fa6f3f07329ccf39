import { basename } from 'node:path';
import type { UsageRecord } from '../core/record.js';
import { fastParse, REJECTED, type Spec } from './schema.js';
import { judgeRejected } from './schema-judge.js';

/** Why a line was not turned into a record. Stable: these appear in JSON output. */
export const SKIP_REASONS = [
  'invalid_json',
  'not_an_object',
  'schema',
  'unknown_dialect',
  'negative_or_non_integer_tokens',
  'invalid_timestamp',
] as const;

export type SkipReason = (typeof SKIP_REASONS)[number];

export type JsonObject = Record<string, unknown>;

/** A JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value when it is a JSON object, else null. */
export function readObject(value: unknown): JsonObject | null {
  return isJsonObject(value) ? value : null;
}

/** The value when it is non-empty text, else null (logs write '' for "not set"). */
export function readText(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

// Every extension a log file of one session is written or stored with.
const SESSION_FILE_EXTENSION = /\.(?:jsonl?|ndjson)(?:\.gz)?$/i;

/**
 * The session a log file is named after: its name without the extension, or
 * the first group `pattern` captures in that name (agents that add a date or
 * a prefix around the id); null for stdin.
 */
export function readSessionFromFile(path: string, pattern?: RegExp): string | null {
  if (path === '-' || path === '') return null;
  const name = basename(path).replace(SESSION_FILE_EXTENSION, '');
  const match = pattern?.exec(name);
  return match?.[1] ?? name;
}

export type ParseOutcome =
  | { kind: 'record'; record: UsageRecord; dedupKey?: string }
  /** Well-formed, but carries no usage (a Claude user line, a Codex non-usage event). */
  | { kind: 'no_usage' }
  /** Well-formed repeat of usage already counted (a Codex cumulative total that did not move). */
  | { kind: 'duplicate' }
  | InvalidOutcome;

export type InvalidOutcome = { kind: 'invalid'; reason: SkipReason; detail: string };

/** What a dialect may learn about a line from the file it came from. */
export interface FileContext {
  /** The path as the user will see it in messages; '-' for stdin. */
  path: string;
}

export interface LineParser {
  (value: JsonObject): ParseOutcome;
  /**
   * Plain-data state that lets a later run resume this file mid-way (the
   * index reads only appended bytes). Only stateful dialects (Codex) have it.
   */
  saveState?: () => unknown;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; outcome: ParseOutcome };

/**
 * The line as `spec` types it, or, when the fast check rejects it, the
 * verdict zod would give (its first issue as skip reason and detail), worked
 * out without zod by ./schema-judge.ts.
 */
export function validate<T>(spec: Spec<T>, value: unknown): Validation<T> {
  const parsed = fastParse(spec, value);
  if (parsed === REJECTED) return { ok: false, outcome: judgeRejected(spec, value) };
  return { ok: true, value: parsed };
}

export function invalid(reason: SkipReason, detail: string): InvalidOutcome {
  return { kind: 'invalid', reason, detail };
}

const ZONELESS_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

/**
 * Reads a timestamp: RFC 3339 text, or a number of seconds or milliseconds
 * since the epoch (numbers below 1e11 are seconds: that is the year 5138 in
 * seconds and 1973 in milliseconds, so the two cannot be confused in practice).
 * Returns undefined for absent, NaN for unreadable.
 */
const DIGIT_ZERO = 48;

function readDigits(value: string, at: number, count: number): number {
  let number = 0;
  for (let index = at; index < at + count; index++) {
    const digit = value.charCodeAt(index) - DIGIT_ZERO;
    if (digit < 0 || digit > 9) return -1;
    number = number * 10 + digit;
  }
  return number;
}

/** Days in `month` (1–12) of `year`, by the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const LEADING_DATE = /^([+-]\d{6}|\d{4})-(\d{2})-(\d{2})/;

/**
 * True when a string opens with a calendar date that does not exist
 * (2026-02-30, 2026-04-31): Date.parse rolls those over into the next month
 * instead of failing, which would date a record on a day its log never named.
 */
function namesImpossibleDate(value: string): boolean {
  const date = LEADING_DATE.exec(value);
  if (date === null) return false;
  const month = Number(date[2]);
  const day = Number(date[3]);
  return month < 1 || month > 12 || day < 1 || day > daysInMonth(Number(date[1]), month);
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.sss]Z`, the form nearly every log writes, read without
 * Date.parse (which cost ~0.5 µs a line). Only values where Date.UTC and
 * Date.parse provably agree are taken (years from 100, fields in range);
 * a day the month does not have is NaN (not rolled over, as both would);
 * anything else is left to Date.parse, after the same calendar check.
 */
function readUtcIsoTimestamp(value: string): number | undefined {
  const length = value.length;
  if ((length !== 20 && length !== 24) || value.charCodeAt(length - 1) !== 90) return undefined;
  if (value[4] !== '-' || value[7] !== '-' || value[10] !== 'T' || value[13] !== ':' || value[16] !== ':') return undefined;
  if (length === 24 && value[19] !== '.') return undefined;
  const year = readDigits(value, 0, 4);
  const month = readDigits(value, 5, 2);
  const day = readDigits(value, 8, 2);
  const hour = readDigits(value, 11, 2);
  const minute = readDigits(value, 14, 2);
  const second = readDigits(value, 17, 2);
  const millisecond = length === 24 ? readDigits(value, 20, 3) : 0;
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  // 2026-02-30 is not a day: Date.UTC would roll it over into March.
  if (day > daysInMonth(year, month)) return Number.NaN;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millisecond < 0) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
}

// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants every
// date calculation and YYYY-MM-DD key downstream can represent.
const EARLIEST_INSTANT = -62_167_219_200_000;
const LATEST_INSTANT = 253_402_300_799_999;

/** Epoch milliseconds; undefined when absent; NaN when unreadable or outside years 0000–9999. */
export function readTimestamp(value: unknown): number | undefined {
  const instant = readInstant(value);
  if (instant === undefined || Number.isNaN(instant)) return instant;
  return instant < EARLIEST_INSTANT || instant > LATEST_INSTANT ? Number.NaN : instant;
}

function readInstant(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return Number.NaN;
    return value < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value === 'string') {
    const iso = readUtcIsoTimestamp(value);
    if (iso !== undefined) return iso;
    if (/^\d+(?:\.\d+)?$/.test(value)) return readInstant(Number(value));
    // A date and time without an offset (SQLite's `YYYY-MM-DD HH:MM:SS`) is
    // UTC: Date.parse would read it in the machine's zone, so the same log
    // would give different instants on different machines.
    if (namesImpossibleDate(value)) return Number.NaN;
    const local = ZONELESS_DATE_TIME.exec(value);
    if (local) return Date.parse(`${local[1]}T${local[2]}Z`);
    return Date.parse(value);
  }
  return Number.NaN;
}

/** Resolves a timestamp field, or returns the outcome for a bad one. */
export function requireTimestamp(
  value: unknown,
  field: string,
): { ok: true; value: number | null } | { ok: false; outcome: ParseOutcome } {
  const timestamp = readTimestamp(value);
  if (timestamp === undefined) return { ok: true, value: null };
  if (Number.isNaN(timestamp)) {
    return { ok: false, outcome: invalid('invalid_timestamp', `${field}: cannot read ${JSON.stringify(value)} as a time`) };
  }
  return { ok: true, value: timestamp };
}
