/**
 * The zod side of ./schema.ts: the reference the tests hold the fast checks
 * (test/schema.test.ts) and the judge of rejected lines (./schema-judge.ts,
 * test/schema-judge.test.ts) to. Nothing at run time imports this module: a
 * run paid 40–90 ms of CPU per thread to load zod and build its schemas as
 * soon as one line was malformed.
 */
import { z } from 'zod';
import type { Spec } from './schema.js';
import type { InvalidOutcome, SkipReason } from './types.js';

const built = new WeakMap<Spec<unknown>, z.ZodType>();

/** The zod schema a spec declares (built once per spec). */
export function toZod(spec: Spec<unknown>): z.ZodType {
  let schema = built.get(spec);
  if (schema === undefined) {
    schema = buildZod(spec);
    built.set(spec, schema);
  }
  return schema;
}

function buildZod(spec: Spec<unknown>): z.ZodType {
  switch (spec.kind) {
    case 'string':
      return z.string();
    case 'number':
      return z.number();
    case 'tokenCount':
      return z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
    case 'boolean':
      return z.boolean();
    case 'stringOrNumber':
      return z.union([z.string(), z.number()]);
    case 'literal':
      return z.literal(spec.value);
    case 'object': {
      const shape: Record<string, z.ZodType> = {};
      for (const [key, field] of Object.entries(spec.shape)) shape[key] = toZod(field);
      return z.object(shape);
    }
    case 'nullish':
      return toZod(spec.inner).nullish();
  }
}

/**
 * zod's verdict on a value the fast check rejected: its first issue becomes
 * the skip reason (a count that is negative, fractional or too big is
 * `negative_or_non_integer_tokens`, anything else `schema`) and the detail.
 */
export function judgeWithZod(spec: Spec<unknown>, value: unknown): InvalidOutcome {
  const result = toZod(spec).safeParse(value);
  if (result.success) {
    // Cannot happen while test/schema.test.ts passes.
    return {
      kind: 'invalid',
      reason: 'schema',
      detail: 'rejected by the fast check although zod accepts it (a bug in src/dialects/schema.ts)',
    };
  }
  const issue = result.error.issues[0];
  const path = issue ? issue.path.map(String).join('.') : '';
  const isTokenIssue =
    issue !== undefined &&
    (issue.code === 'too_small' ||
      issue.code === 'too_big' ||
      (issue.code === 'invalid_type' && (issue as { expected?: string }).expected === 'int'));
  const reason: SkipReason = isTokenIssue ? 'negative_or_non_integer_tokens' : 'schema';
  const detail = issue ? `${path ? `${path}: ` : ''}${issue.message}` : 'does not match the schema';
  return { kind: 'invalid', reason, detail };
}
