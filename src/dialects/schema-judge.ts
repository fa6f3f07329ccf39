/**
 * The verdict on a value a spec's fast check (./schema.ts) rejected: the
 * first issue zod 4 would report for it, as a skip reason and a detail text,
 * worked out from the declaration without loading zod. Loading zod and
 * building its schemas cost 40–90 ms of CPU in every worker thread (and on
 * the main thread) as soon as one malformed line appeared; real logs and the
 * bench sets have some.
 *
 * zod (./schema-zod.ts) stays the reference: test/schema-judge.test.ts holds
 * this judge to judgeWithZod, issue text for issue text, over every spec the
 * dialects declare. What is mirrored here, from zod 4's source
 * (node_modules/zod/v4/core/schemas.js, checks.js, util.js, locales/en.js):
 *
 * - An object reports the issues of its declared keys in the shape's key
 *   order, each prefixed by its key, depth first; unknown keys are ignored.
 *   A non-object (null, an array, a primitive) is one `invalid_type` issue.
 * - A check runs only when the type matched, and a token count's checks run
 *   in the order .int() (zod's safe-integer format), .min(0), .max(2^53 − 1):
 *   a fraction stops at "expected int"; an integer beyond ±(2^53 − 1) fails
 *   the safe range first ("int", with the range's bound), and a negative
 *   safe integer fails .min(0) ("number", >=0).
 * - A union of string and number that matches neither is `invalid_union`,
 *   "Invalid input" (both options fail with an aborting issue, so zod reports
 *   the union, not one option's issue).
 * - `nullish` lets null and undefined through and otherwise reports its
 *   inner spec's issue at the same path.
 */
import type { Spec } from './schema.js';
import type { InvalidOutcome, SkipReason } from './types.js';

/** The first issue, reduced to what becomes the verdict. */
interface Issue {
  /** Keys from the line's top down to the value at fault. */
  readonly path: readonly string[];
  readonly message: string;
  /** The issue is about a token count's value (negative, fractional, too big), not its type. */
  readonly aboutTokens: boolean;
}

// zod's English type names: only NaN is renamed. Looked up like zod's own
// dictionary (a plain object, prototype included) so that every name prints alike.
const TYPE_NAMES: Record<string, string> = { nan: 'NaN' };

/** zod's util.parsedType: what an invalid_type issue says it received. */
function describeReceived(value: unknown): string {
  const type = typeof value;
  if (type === 'number') {
    if (Number.isNaN(value)) return 'nan';
  } else if (type === 'object') {
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'array';
    const record = value as { constructor?: { name?: unknown } };
    // An instance of a class (a Date, a Map) is named after its constructor.
    if (Object.getPrototypeOf(record) !== Object.prototype && 'constructor' in record && record.constructor) {
      return record.constructor.name as string;
    }
  }
  return type;
}

/** zod's English type name; a non-finite number prints as itself (Infinity, -Infinity). */
function nameType(type: string, value?: unknown): string {
  if (type === 'number' && typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return TYPE_NAMES[type] ?? type;
}

function invalidType(path: readonly string[], expected: string, value: unknown): Issue {
  return {
    path,
    message: `Invalid input: expected ${nameType(expected)}, received ${nameType(describeReceived(value), value)}`,
    aboutTokens: expected === 'int',
  };
}

const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), check by check. */
function judgeTokenCount(path: readonly string[], value: unknown): Issue | null {
  if (!isFiniteNumber(value)) return invalidType(path, 'number', value);
  if (!Number.isInteger(value)) return invalidType(path, 'int', value);
  if (!Number.isSafeInteger(value)) {
    return value > 0
      ? { path, message: `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`, aboutTokens: true }
      : { path, message: `Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}`, aboutTokens: true };
  }
  // -0 passes, as in zod: -0 >= 0.
  if (value < 0) return { path, message: 'Too small: expected number to be >=0', aboutTokens: true };
  return null;
}

/** The first issue zod reports for `value` under `spec`, or null when there is none (the spec accepts it). */
function findFirstIssue(spec: Spec<unknown>, value: unknown, path: readonly string[]): Issue | null {
  switch (spec.kind) {
    case 'string':
      return typeof value === 'string' ? null : invalidType(path, 'string', value);
    case 'number':
      return isFiniteNumber(value) ? null : invalidType(path, 'number', value);
    case 'boolean':
      return typeof value === 'boolean' ? null : invalidType(path, 'boolean', value);
    case 'tokenCount':
      return judgeTokenCount(path, value);
    case 'stringOrNumber':
      return typeof value === 'string' || isFiniteNumber(value) ? null : { path, message: 'Invalid input', aboutTokens: false };
    case 'literal':
      // zod quotes the expected text as it is, without escaping.
      return value === spec.value ? null : { path, message: `Invalid input: expected "${spec.value}"`, aboutTokens: false };
    case 'nullish':
      return value === undefined || value === null ? null : findFirstIssue(spec.inner, value, path);
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalidType(path, 'object', value);
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(spec.shape)) {
        // zod never parses a __proto__ key (it would replace the prototype of its output).
        if (key === '__proto__') continue;
        const issue = findFirstIssue(spec.shape[key] as Spec<unknown>, record[key], [...path, key]);
        if (issue !== null) return issue;
      }
      return null;
    }
  }
}

/**
 * The verdict on a value `spec`'s fast check rejected: zod's first issue as
 * the skip reason (a count that is negative, fractional or too big is
 * `negative_or_non_integer_tokens`, anything else `schema`) and the detail
 * (`path: message`, as judgeWithZod words it).
 */
export function judgeRejected(spec: Spec<unknown>, value: unknown): InvalidOutcome {
  const issue = findFirstIssue(spec, value, []);
  if (issue === null) {
    // Cannot happen while test/schema-judge.test.ts passes; if it does, the
    // line is still not counted, and the message says whose bug it is.
    return {
      kind: 'invalid',
      reason: 'schema',
      detail: 'rejected by the fast check although its declaration accepts it (a bug in src/dialects/schema.ts)',
    };
  }
  const path = issue.path.join('.');
  const reason: SkipReason = issue.aboutTokens ? 'negative_or_non_integer_tokens' : 'schema';
  return { kind: 'invalid', reason, detail: `${path ? `${path}: ` : ''}${issue.message}` };
}

/** True when the judge finds no issue in `value`: what zod accepts, and so what the fast check must accept. */
export function judgeAccepts(spec: Spec<unknown>, value: unknown): boolean {
  return findFirstIssue(spec, value, []) === null;
}
